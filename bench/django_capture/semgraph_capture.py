"""A Django test runner (run inside the measured project's own venv) recording, per test, every test-client
request's query count, HTML digest and django-zeal's N+1 findings on that page, and the test's outcome.

Used by bench/django_realworld.py: ``manage.py test --testrunner semgraph_capture.CaptureRunner`` with
``SEMGRAPH_CAPTURE_OUT`` (JSON written there) and ``SEMGRAPH_BASE_RUNNER`` (the project's own runner).
Only stdlib, Django, django-zeal and time-machine: the project's venv has nothing else of ours.

Two runs of the same code must give the same pages, so each test sees the same clock (frozen at
``SEMGRAPH_CAPTURE_NOW`` with time-machine, not ticking) and the same randomness (``os.urandom``,
``secrets``/``SystemRandom``, ``uuid4``, ``random`` and module-level ``random.Random`` seeded by the test id);
``SEMGRAPH_TEST_DB_NAME`` names the test database (PostgreSQL databases of one bench share a prefix).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import sys
import unittest
import uuid
import warnings
from datetime import datetime
from pathlib import Path

import time_machine
from django.conf import settings
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

CSRF = re.compile(rb'(csrfmiddlewaretoken" value="|csrf_token" content=")[^"]*')
# what legitimately differs between two runs of the same code: nonces and the clock (timestamps, clock
# times, "n minutes ago"); random UUIDs and random.* are made deterministic per test instead (_Result.startTest)
NORMALISE = [
    (re.compile(rb'(nonce=")[^"]*'), rb"\1"),
    (re.compile(rb"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z)?"), b"<datetime>"),
    (
        re.compile(
            rb"\b\d{1,2}(:\d\d(:\d\d)?)?(\s|\xc2\xa0)?[aApP]\.[mM]\.|\b\d{1,2}:\d\d(:\d\d)?\b|\bnoon\b|\bmidnight\b"
        ),
        b"<time>",
    ),
    (re.compile(rb"\b1[5-9]\d{8}(\.\d+)?\b"), b"<timestamp>"),
    (re.compile(rb"\b\d+(\xc2\xa0|\s)(second|minute|hour|day|week|month|year)s?\b"), b"<age>"),
    (re.compile(rb"<age>(,(\s|\xc2\xa0)*<age>)+"), b"<age>"),  # "2 hours, 5 minutes" and "2 hours" alike
]
HTML_DIR = os.environ.get("SEMGRAPH_CAPTURE_HTML")
# one instant for every test of every run: pages that print the date or "n minutes ago" compare byte for byte
NOW = datetime.fromisoformat(os.environ.get("SEMGRAPH_CAPTURE_NOW") or "2026-12-01T12:00:00+00:00")
_Base = import_string(os.environ.get("SEMGRAPH_BASE_RUNNER") or "django.test.runner.DiscoverRunner")
RECORD: dict[str, dict] = {}
_current: dict | None = None
_original_request = Client.request


def _request(self, **request):  # type: ignore[no-untyped-def]
    """One test-client request: its queries, HTML digest, and django-zeal's N+1s within this page only."""
    from zeal.listeners import setup, teardown

    token = setup()
    # CaptureQueriesContext, not queries_log lengths: Django clears queries_log when a request starts
    with warnings.catch_warnings(record=True) as caught, CaptureQueriesContext(connections["default"]) as captured:
        warnings.simplefilter("always")
        try:
            response = _original_request(self, **request)
        finally:
            with contextlib.suppress(RuntimeError, ValueError):
                teardown(token)
    if _current is not None:
        kind = response.get("Content-Type", "")
        body = getattr(response, "content", b"") if not getattr(response, "streaming", False) else b""
        zeal = sorted({str(w.message).split("\n")[0] for w in caught if "N+1 detected" in str(w.message)})
        _current["requests"].append(
            {
                "path": request.get("PATH_INFO", ""),
                "method": request.get("REQUEST_METHOD", ""),
                "status": response.status_code,
                "queries": len(captured),
                "html": _digest(body, len(_current["requests"])) if "html" in kind else None,
                "html_raw": hashlib.sha1(body).hexdigest()[:16] if "html" in kind else None,
                "zeal": zeal,
            }
        )
        _current["zeal"] = sorted(set(_current["zeal"]) | set(zeal))
    return response


def _digest(body: bytes, index: int) -> str:
    """Digest of the page with only CSRF tokens, nonces and clock readings masked (the page itself kept
    under SEMGRAPH_CAPTURE_HTML to show what differs)."""
    body = CSRF.sub(rb"\1", body)
    for pattern, mask in NORMALISE:
        body = pattern.sub(mask, body)
    if HTML_DIR and _current is not None:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", _current["id"])[-150:]
        Path(HTML_DIR, f"{name}.{index}.html").write_bytes(body)
    return hashlib.sha1(body).hexdigest()[:16]


class _SeededOs:
    """``os`` as the uuid module sees it, with ``urandom`` from a seeded generator: ``uuid.uuid4`` (also when
    a model took it as a field default at import) gives the same UUIDs in every run of a test."""

    def __init__(self) -> None:
        self.rng = random.Random(0)

    def urandom(self, n: int) -> bytes:
        return self.rng.randbytes(n)

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(os, name)


_SEEDED_OS = _SeededOs()
uuid.os = _SEEDED_OS  # type: ignore[attr-defined]


_REAL_URANDOM = os.urandom


def _module_generators() -> list[random.Random]:
    """Module-level ``random.Random`` instances (Faker's shared generator, ...), which ``random.seed`` misses."""
    found = []
    for module in list(sys.modules.values()):
        for value in list(getattr(module, "__dict__", {}).values()):
            if type(value) is random.Random and value not in found:
                found.append(value)
    return found


_clock: list[time_machine.travel] = []
# "run": one standing clock for the whole run, started before any class fixture, so a project's own
# class-level travel (@time_machine.travel on a TestCase starts in setUpClass) stays the innermost one;
# "test" (default, what the first captures used): restarted around each test, which overrides such a travel
CLOCK_PER_TEST = os.environ.get("SEMGRAPH_CAPTURE_CLOCK", "test") != "run"


def _deterministic(test_id: str) -> None:
    """Same UUIDs, keys, random numbers and clock in every run of the same test, so pages compare byte for byte.

    ``os.urandom`` and ``random._urandom`` (what ``SystemRandom`` reads: ``secrets``, Django's
    ``get_random_string``, API keys, TOTP secrets, CSRF tokens) and ``uuid.uuid4`` come from a generator
    seeded by the test id; so do ``random`` and every module-level ``random.Random`` (test data made with
    Faker). The clock restarts at ``NOW`` and stands still (time-machine, ``tick=False``; monotonic clocks,
    which timeouts use, are left alone).
    """
    _SEEDED_OS.rng.seed(test_id)
    os.urandom = _SEEDED_OS.urandom  # type: ignore[assignment]
    random._urandom = _SEEDED_OS.urandom  # type: ignore[attr-defined]
    random.seed(test_id)
    for generator in _module_generators():
        generator.seed(test_id)
    if CLOCK_PER_TEST or not _clock:
        _stop_clock()
        _clock.append(time_machine.travel(NOW, tick=False))
        _clock[-1].start()


def _stop_clock() -> None:
    while _clock:
        _clock.pop().stop()


class _Result(unittest.TextTestResult):
    def startTestRun(self):  # type: ignore[no-untyped-def]
        super().startTestRun()
        _deterministic("test run")  # class-level fixtures (setUpClass, setUpTestData) run before any startTest

    def startTest(self, test):  # type: ignore[no-untyped-def]
        global _current
        super().startTest(test)
        _deterministic(test.id())
        conn = connections["default"]
        self._force = conn.force_debug_cursor
        conn.force_debug_cursor = True
        conn.queries_log.clear()
        _current = RECORD[test.id()] = {"status": "pass", "requests": [], "zeal": [], "id": test.id()}

    def stopTest(self, test):  # type: ignore[no-untyped-def]
        global _current
        if CLOCK_PER_TEST:
            _stop_clock()
        connections["default"].force_debug_cursor = getattr(self, "_force", False)
        RECORD.setdefault(test.id(), {"status": "pass", "requests": [], "zeal": []})
        _current = None
        super().stopTest(test)

    def addError(self, test, err):  # type: ignore[no-untyped-def]
        RECORD.setdefault(test.id(), {"requests": [], "zeal": []})["status"] = "error"
        super().addError(test, err)

    def addFailure(self, test, err):  # type: ignore[no-untyped-def]
        RECORD.setdefault(test.id(), {"requests": [], "zeal": []})["status"] = "fail"
        super().addFailure(test, err)

    def addSkip(self, test, reason):  # type: ignore[no-untyped-def]
        RECORD.setdefault(test.id(), {"requests": [], "zeal": []})["status"] = "skip"
        super().addSkip(test, reason)


_original_class_setup = unittest.suite.TestSuite._handleClassSetUp  # type: ignore[attr-defined]


def _class_setup(self, test, result):  # type: ignore[no-untyped-def]
    """Seed before a class's setUpClass / setUpTestData too: its test data (Faker) must not depend on how much
    randomness the tests before it used."""
    _deterministic(f"{type(test).__module__}.{type(test).__qualname__}")
    return _original_class_setup(self, test, result)


unittest.suite.TestSuite._handleClassSetUp = _class_setup  # type: ignore[attr-defined]


class CaptureRunner(_Base):  # type: ignore[misc, valid-type]
    def setup_test_environment(self, **kwargs):  # type: ignore[no-untyped-def]
        super().setup_test_environment(**kwargs)
        if HTML_DIR:
            Path(HTML_DIR).mkdir(parents=True, exist_ok=True)
        settings.ZEAL_RAISE = False
        if os.environ.get("SEMGRAPH_CAPTURE_FAST_HASHER"):
            # a project whose tests hash with PBKDF2 (0.45 CPU s a password): MD5, as many projects' test settings
            # do, in every copy alike; passwords are made by the tests themselves, so no login rehashes one
            from django.contrib.auth import hashers

            settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
            hashers.get_hashers.cache_clear()
            hashers.get_hashers_by_algorithm.cache_clear()
        from zeal.constants import initialize_app_registry
        from zeal.patch import patch

        initialize_app_registry()
        patch()
        Client.request = _request

    def setup_databases(self, **kwargs):  # type: ignore[no-untyped-def]
        name = os.environ.get("SEMGRAPH_TEST_DB_NAME")
        if name:
            connections["default"].settings_dict.setdefault("TEST", {})["NAME"] = name
        return super().setup_databases(**kwargs)

    def get_resultclass(self):  # type: ignore[no-untyped-def]
        return _Result

    def run_suite(self, suite, **kwargs):  # type: ignore[no-untyped-def]
        result = super().run_suite(suite, **kwargs)
        for rec in RECORD.values():
            rec.pop("id", None)
        with open(os.environ["SEMGRAPH_CAPTURE_OUT"], "w", encoding="utf-8") as fh:
            json.dump(RECORD, fh, indent=0, sort_keys=True)
        return result
