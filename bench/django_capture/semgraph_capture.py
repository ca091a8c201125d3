"""A Django test runner (run inside the measured project's own venv) recording, per test, every test-client
request's query count, HTML digest and django-zeal's N+1 findings on that page, and the test's outcome.

Used by bench/django_realworld.py: ``manage.py test --testrunner semgraph_capture.CaptureRunner`` with
``SEMGRAPH_CAPTURE_OUT`` (JSON written there) and ``SEMGRAPH_BASE_RUNNER`` (the project's own runner).
Only stdlib, Django and django-zeal: the project's venv has nothing else of ours.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import unittest
import warnings

from django.conf import settings
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

CSRF = re.compile(rb'(csrfmiddlewaretoken" value="|csrf_token" content=")[^"]*')
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
                "html": hashlib.sha1(CSRF.sub(rb"\1", body)).hexdigest()[:16] if "html" in kind else None,
                "zeal": zeal,
            }
        )
        _current["zeal"] = sorted(set(_current["zeal"]) | set(zeal))
    return response


class _Result(unittest.TextTestResult):
    def startTest(self, test):  # type: ignore[no-untyped-def]
        global _current
        super().startTest(test)
        conn = connections["default"]
        self._force = conn.force_debug_cursor
        conn.force_debug_cursor = True
        conn.queries_log.clear()
        _current = RECORD[test.id()] = {"status": "pass", "requests": [], "zeal": []}

    def stopTest(self, test):  # type: ignore[no-untyped-def]
        global _current
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


class CaptureRunner(_Base):  # type: ignore[misc, valid-type]
    def setup_test_environment(self, **kwargs):  # type: ignore[no-untyped-def]
        super().setup_test_environment(**kwargs)
        settings.ZEAL_RAISE = False
        from zeal.constants import initialize_app_registry
        from zeal.patch import patch

        initialize_app_registry()
        patch()
        Client.request = _request

    def get_resultclass(self):  # type: ignore[no-untyped-def]
        return _Result

    def run_suite(self, suite, **kwargs):  # type: ignore[no-untyped-def]
        result = super().run_suite(suite, **kwargs)
        with open(os.environ["SEMGRAPH_CAPTURE_OUT"], "w", encoding="utf-8") as fh:
            json.dump(RECORD, fh, indent=0, sort_keys=True)
        return result
