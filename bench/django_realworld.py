"""The Django optimizer on real projects: diffs apply, import and compile; pages never get more queries.

For each project (pinned commit, labels in bench/labels/django/<name>.json, written before this ran):

1. checkout + its own venv under the bench cache (its requirements.txt and django-zeal from PyPI);
2. variants: ``base``; ``default`` (the default diff applied); ``only`` (the include_only diff);
   ``deopt`` (the project's own select_related/prefetch_related calls of the labels removed);
3. every diff must apply with ``patch``, compile, and ``manage.py check`` must pass (URLconf imported);
4. the project's test suite runs in each variant with bench/django_capture/semgraph_capture.py: per test,
   each test-client request's query count and HTML digest, the outcome, and django-zeal's N+1 findings;
5. figures: tests passing as before, requests whose query count rose, HTML changed; de-optimisation
   recall (removed call found again with the exact relation path in the same file); django-zeal N+1s
   found by the optimizer or listed as out of static reach with the reason.

Run: python bench/django_realworld.py [healthchecks locallibrary] [--skip-tests]
"""

from __future__ import annotations

import argparse
import json
import os
import py_compile
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))

from bench.realworld import CACHE, Pinned, checkout  # noqa: E402
from semgraph.django.optimizer import OptimizationReport, optimize_project  # noqa: E402

LABELS = REPO / "bench" / "labels" / "django"
CAPTURE = REPO / "bench" / "django_capture"
PYTHONS = {"3.12": os.environ.get("SEMGRAPH_PY312", "/root/.pyenv/versions/3.12.1/bin/python")}
PROJECTS = {
    "healthchecks": {"base_runner": "hc.api.tests.CustomRunner", "collectstatic": False},
    "locallibrary": {"base_runner": "django.test.runner.DiscoverRunner", "collectstatic": True},
    # PostgreSQL (label env): DATABASE_URL and a test database per copy, so the copies never share one
    "pythondotorg": {"base_runner": "django.test.runner.DiscoverRunner", "collectstatic": False},
    # its own CI runs the tests tagged "isolate" one by one in separate processes; they are left out here
    "babybuddy": {
        "base_runner": "django.test.runner.DiscoverRunner",
        "collectstatic": False,
        "test_args": ["--exclude-tag", "isolate"],
    },
}


VARIANTS = ("base", "base2", "default", "only", "deopt")


def venv_for(name: str, label: dict, src: Path) -> Path:
    venv = CACHE / "venvs" / name
    if not (venv / "bin" / "python").exists():
        subprocess.run([PYTHONS[label["python"]], "-m", "venv", str(venv)], check=True)
        pins = venv / "requirements.txt"
        if (src / "requirements.txt").exists():
            # the project's pins, without an index URL of its own (pip's configured index serves them)
            lines = (src / "requirements.txt").read_text().splitlines()
            pins.write_text("\n".join(x for x in lines if not x.strip().startswith(("-i ", "--index-url"))) + "\n")
        else:  # pyproject.toml: its dependencies and its dev group (what its CI's `pip install --group dev` takes)
            import tomllib

            meta = tomllib.loads((src / "pyproject.toml").read_text())
            deps = [*meta["project"]["dependencies"], *meta.get("dependency-groups", {}).get("dev", [])]
            pins.write_text("".join(f"{d}\n" for d in deps if isinstance(d, str)))
        # django-zeal: N+1s per page; time-machine: the capture runner freezes the clock per test
        extra = ["django-zeal", "time-machine"]
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", str(pins), *extra], check=True)
    return venv


def variant(src: Path, work: Path, name: str) -> Path:
    dest = work / name
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".semgraph-bench-complete"))
    return dest


def apply(project: Path, diff: str) -> str | None:
    """None when the diff applies cleanly and every changed file compiles, else what failed."""
    if not diff:
        return None
    done = subprocess.run(["patch", "-p1", "--forward"], input=diff, text=True, cwd=project, capture_output=True)
    if done.returncode != 0:
        return f"patch failed: {done.stdout[-500:]}{done.stderr[-500:]}"
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            try:
                py_compile.compile(str(project / line[6:]), doraise=True)
            except py_compile.PyCompileError as exc:
                return f"does not compile: {exc}"
    return None


def deoptimise(project: Path, removed: list[dict]) -> list[str]:
    """Remove the labelled calls; returns the ones whose text was not found where the label says."""
    missing = []
    for call in removed:
        path = project / call["file"]
        text = path.read_text()
        if call["remove"] not in text:
            missing.append(f"{call['file']}:{call['line']}")
            continue
        # a removed whole statement becomes `pass` at its indent, so an `if` around it keeps a body; a line of a
        # chained call (`    .select_related("child")`) just goes
        whole_line = call["remove"].endswith("\n") and not call["remove"].lstrip().startswith(".")
        indent = call["remove"][: len(call["remove"]) - len(call["remove"].lstrip())]
        instead = call.get("replace", f"{indent}pass\n" if whole_line else "")  # the label's own text when given
        path.write_text(text.replace(call["remove"], instead, 1))
    return missing


def django_env(venv: Path, project: Path, label: dict, out: Path | None = None, base_runner: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        PATH=f"{venv / 'bin'}:{env.get('PATH', '')}",
        PYTHONPATH=str(CAPTURE),
        PYTHONHASHSEED="0",  # set and dict-of-set iteration order, which a page may render, same in every run
        DJANGO_SETTINGS_MODULE=label["settings"],
        SEMGRAPH_BASE_RUNNER=base_runner,
    )
    # the label's own settings (a PostgreSQL DATABASE_URL, ...); {variant} keeps the copies' databases apart
    env.update({k: v.format(variant=project.name) for k, v in label.get("env", {}).items()})
    if label.get("test_database"):
        env["SEMGRAPH_TEST_DB_NAME"] = label["test_database"].format(variant=project.name)
    if out is not None:
        env["SEMGRAPH_CAPTURE_OUT"] = str(out)
        env["SEMGRAPH_CAPTURE_HTML"] = str(out.with_suffix(".html"))
    return env


def manage(venv: Path, project: Path, env: dict, *args: str, timeout: int = 3600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv / "bin" / "python"), "manage.py", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_tests(venv: Path, project: Path, label: dict, spec: dict, out: Path, reuse: bool = False) -> dict:
    if reuse and out.exists():  # figures recomputed from a finished run's captures
        return {"seconds": None, "tests": json.loads(out.read_text())}
    env = django_env(venv, project, label, out, spec["base_runner"])
    if spec["collectstatic"]:
        manage(venv, project, env, "collectstatic", "--noinput", "-v0")
    started = time.perf_counter()
    if (out.with_suffix(".html")).exists():
        shutil.rmtree(out.with_suffix(".html"))
    args = ("test", "--testrunner", "semgraph_capture.CaptureRunner", "--noinput", *spec.get("test_args", []))
    done = manage(venv, project, env, *args)
    out.with_suffix(".log").write_text(done.stdout + done.stderr)
    if not out.exists():
        raise RuntimeError(f"test run wrote nothing: {done.stderr[-2000:]}")
    data = json.loads(out.read_text())
    return {"seconds": round(time.perf_counter() - started, 1), "tests": data}


def compare(base: dict, other: dict) -> dict:
    """Tests passing as before; requests (matched by test and order) whose query count rose or HTML changed."""
    rose, html, raw, status_changed, compared = [], [], [], [], 0
    for test, rec in base.items():
        got = other.get(test)
        if got is None or got["status"] != rec["status"]:
            status_changed.append(f"{test}: {rec['status']} -> {got['status'] if got else 'missing'}")
            continue
        for index, (a, b) in enumerate(zip(rec["requests"], got["requests"], strict=False)):
            compared += 1
            if b["queries"] > a["queries"]:
                rose.append(f"{test} {a['method']} {a['path']}: {a['queries']} -> {b['queries']}")
            if a["html"] != b["html"]:
                html.append(f"{test} #{index} {a['method']} {a['path']}")
            if a.get("html_raw") != b.get("html_raw"):
                raw.append(f"{test} #{index} {a['method']} {a['path']}")
    fewer = sum(
        1
        for test, rec in base.items()
        if test in other
        for a, b in zip(rec["requests"], other[test]["requests"], strict=False)
        if b["queries"] < a["queries"]
    )
    pairs = [
        (a, b)
        for test, rec in base.items()
        if test in other and other[test]["status"] == rec["status"]
        for a, b in zip(rec["requests"], other[test]["requests"], strict=False)
    ]
    return {
        "requests_compared": compared,
        "html_pages_compared": sum(1 for a, _ in pairs if a["html"] is not None),
        "queries_base_total": sum(a["queries"] for a, _ in pairs),
        "queries_other_total": sum(b["queries"] for _, b in pairs),
        "requests_with_fewer_queries": fewer,
        "requests_with_more_queries": rose,
        "html_changed": html,
        "html_changed_unmasked": raw,  # not even CSRF tokens, clock readings or nonces masked
        "tests_status_changed": status_changed,
    }


def against_control(cmp: dict, control: dict) -> dict:
    """A page that differs between two runs of the unchanged project (``control``) proves nothing either way;
    every other page that differs is a change the diff made."""
    noisy, noisy_raw = set(control["html_changed"]), set(control["html_changed_unmasked"])
    return {
        "html_changed_deterministic_pages": [p for p in cmp["html_changed"] if p not in noisy],
        "html_nondeterministic_pages": sorted(noisy),
        "html_changed_unmasked_deterministic_pages": [p for p in cmp["html_changed_unmasked"] if p not in noisy_raw],
        "html_nondeterministic_pages_unmasked": sorted(noisy_raw),
    }


def _function_span(path: Path, line: int) -> tuple[int, int]:
    """Lines of the innermost function around ``line`` (the whole file when it is at module level)."""
    import ast

    best = (1, 10**9)
    for node in ast.walk(ast.parse(path.read_text())):
        inside = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.lineno <= line <= (
            node.end_lineno or 0
        )
        if inside and (node.end_lineno or 0) - node.lineno < best[1] - best[0]:
            best = (node.lineno, node.end_lineno or 0)
    return best


def _class_body_lines(path: Path, line: int) -> set[int]:
    """Lines of the class statements (attributes, not methods) of the class whose method holds ``line``: a
    ``queryset = …`` written there feeds that method's ``super().get_queryset()``."""
    import ast

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef) and node.lineno <= line <= (node.end_lineno or 0):
            methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
            if any(m.lineno <= line <= (m.end_lineno or 0) for m in methods):
                return {
                    n
                    for stmt in node.body
                    if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
                    for n in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
                }
    return set()


def recall(report: OptimizationReport, removed: list[dict], project: Path) -> list[dict]:
    """Per removed call: plans in the same function whose added calls load its relation path(s) again.

    ``found_exact``: a plan adds the same lookup; ``found_longer``: a plan adds a longer lookup through it
    (``select_related("project__owner__profile")`` for a removed ``"project"``), which Django loads with every
    prefix, so the labelled path is loaded exactly as before (plus more). ``loads`` lists, per matching plan,
    every relation path its added calls load (``QuerysetPlan.added_relations``). A label's ``paths`` lists
    every relation one call served (a bare ``select_related()``); ``found_at`` names the function where the
    plan belongs when the removed call sat in a custom QuerySet method the view calls.
    """
    out = []
    for call in removed:
        if call.get("needed") is False:  # labelled redundant (nothing reads the relation): not to be found
            continue
        where_label = call.get("found_at", call)
        low, high = _function_span(project / where_label["file"], where_label["line"])
        class_lines = _class_body_lines(project / where_label["file"], where_label["line"])
        paths = call.get("paths") or [call["path"]]
        exact: dict[str, set[str]] = {p: set() for p in paths}
        longer: dict[str, set[str]] = {p: set() for p in paths}
        loads: dict[str, list[str]] = {}
        for v in report.views:
            for q in v.querysets:
                inside = low <= q.line <= high or q.line in class_lines
                if q.file != where_label["file"] or q.model != call["model"] or not inside:
                    continue
                added = [*q.added["select_related"], *(p.split('"')[1] for p in q.added["prefetch_related"])]
                where = f"{q.file}:{q.line} {v.view}"
                for path in paths:
                    if path in added:
                        exact[path].add(where)
                    elif path in q.added_relations:
                        longer[path].add(f"{where} ({', '.join(added)})")
                    else:
                        continue
                    loads[where] = q.added_relations
        out.append(
            {
                "call": f"{call['file']}:{call['line']} {call['within']}",
                "paths": paths,
                "found_exact": sorted({x for p in paths for x in exact[p]}),
                "found_longer": sorted({x for p in paths for x in longer[p]}),
                "loads": loads,
                "paths_exact": [p for p in paths if exact[p]],
                "paths_found": [p for p in paths if exact[p] or longer[p]],
                "found": all(exact[p] or longer[p] for p in paths),
                "exact": all(exact[p] for p in paths),
            }
        )
    return out


def zeal_vs_plans(runs: dict[str, dict], report: OptimizationReport) -> list[dict]:
    """Each distinct django-zeal finding (app.Model.field), and whether a plan of the optimizer covers it."""
    findings: dict[str, set[str]] = {}
    for run in runs.values():
        for test, rec in run["tests"].items():
            for message in rec["zeal"]:
                key = message.split("N+1 detected on ", 1)[1].split(" ", 1)[0]
                findings.setdefault(key, set()).add(test)
    planned: dict[str, list[str]] = {}
    for v in report.views:
        for q in v.querysets:
            for path in [*q.select_related, *q.prefetch_related]:
                planned.setdefault(q.model, []).append(path)
    out = []
    for key in sorted(findings):
        label, _, fieldname = key.rpartition(".")
        paths = [p for m, ps in planned.items() if m.lower() == label.lower() for p in ps]
        hit = [p for p in paths if p == fieldname or p.startswith(fieldname + "__")]
        out.append(
            {
                "finding": key,
                "tests": len(findings[key]),
                "found": hit,
                "status": "found"
                if hit
                else (
                    "queryset planned, relation not read by a template"
                    if paths
                    else "no template-fed queryset of this model (built in Python helpers, "
                    "sessions/auth, or read in view code)"
                ),
            }
        )
    return out


def run_project(name: str, skip_tests: bool, reuse: bool = False, variants: tuple[str, ...] = VARIANTS) -> dict:
    label = json.loads((LABELS / f"{name}.json").read_text())
    spec = PROJECTS[name]
    src = checkout(Pinned(label["repo"], label["commit"]))
    venv = venv_for(name, label, src)
    work = Path(os.environ.get("SEMGRAPH_DJANGO_WORK", CACHE / "work-django")) / name
    work.mkdir(parents=True, exist_ok=True)
    result: dict = {"repo": f"{label['repo']}@{label['commit']}", "load": os.getloadavg()}
    # base2: the same code again, the control for what differs between two runs of one project (nondeterminism)
    projects: dict[str, Path] = {"base": variant(src, work, "base"), "base2": variant(src, work, "base2")}
    reports: dict[str, OptimizationReport] = {}
    for kind, only in (("default", False), ("only", True)):
        started = time.perf_counter()
        report = optimize_project(src, include_only=only)
        reports[kind] = report
        result[f"{kind}_optimizer_seconds"] = round(time.perf_counter() - started, 2)
        projects[kind] = variant(src, work, kind)
        result[f"{kind}_diff"] = {
            "files": report.files_changed,
            "querysets_changed": sum(1 for v in report.views for q in v.querysets if any(q.added.values())),
            "apply": apply(projects[kind], report.diff) or "ok",
            "refused_edits": [w for w in report.warnings if "not returned" in w],
        }
        (work / f"{kind}.diff").write_text(report.diff)
    deopt = variant(src, work, "deopt")
    result["deopt_missing_labels"] = deoptimise(deopt, label["removed_calls"])
    deopt_report = optimize_project(deopt)
    reports["deopt"] = deopt_report
    result["recall"] = recall(deopt_report, label["removed_calls"], deopt)
    found = sum(r["found"] for r in result["recall"])
    exact = sum(r["exact"] for r in result["recall"])
    paths = sum(len(r["paths"]) for r in result["recall"])
    paths_exact = sum(len(r["paths_exact"]) for r in result["recall"])
    result["recall_summary"] = (
        f"{found}/{len(result['recall'])} calls found: {exact} with the same path(s), {found - exact} through a "
        "longer lookup that loads that path too (select_related('a__b') joins a); "
        f"relation paths found exactly {paths_exact}/{paths}"
    )
    result["views"] = len(deopt_report.views)
    for kind in ("default", "only"):
        env = django_env(venv, projects[kind], label, base_runner=spec["base_runner"])
        done = manage(venv, projects[kind], env, "check")
        result[f"{kind}_diff"]["manage_check"] = "ok" if done.returncode == 0 else done.stderr[-800:]
    if skip_tests:
        return result
    runs = {}
    for kind, project in (*projects.items(), ("deopt", deopt)):
        if kind not in variants:
            if (work / f"{kind}.json").exists():  # a variant not asked for this time: its last capture
                runs[kind] = run_tests(venv, project, label, spec, work / f"{kind}.json", reuse=True)
                statuses = [t["status"] for t in runs[kind]["tests"].values()]
                result[f"tests_{kind}"] = {s: statuses.count(s) for s in sorted(set(statuses))} | {"reused": True}
            continue
        if reuse and not (work / f"{kind}.json").exists():
            result[f"tests_{kind}"] = "not run"  # a run cut short: figures from the variants that finished
            continue
        runs[kind] = run_tests(venv, project, label, spec, work / f"{kind}.json", reuse)
        statuses = [t["status"] for t in runs[kind]["tests"].values()]
        result[f"tests_{kind}"] = {s: statuses.count(s) for s in sorted(set(statuses))} | {
            "seconds": runs[kind]["seconds"]
        }
    control = None
    if "base" in runs and "base2" in runs:
        result["base2_vs_base"] = control = compare(runs["base"]["tests"], runs["base2"]["tests"])
    for kind in ("default", "only"):
        if "base" in runs and kind in runs:
            result[f"{kind}_vs_base"] = cmp = compare(runs["base"]["tests"], runs[kind]["tests"])
            if control is not None:
                cmp.update(against_control(cmp, control))
    # per page (zeal's context wraps each test-client request); the de-optimised pages hold every N+1 of the
    # base pages plus the ones the removed calls prevented (the base pages when the deopt run was cut short)
    zeal_run = "deopt" if "deopt" in runs else "base"
    if zeal_run in runs:
        result["zeal_pages"] = zeal_run
        result["zeal"] = zeal_vs_plans(
            {zeal_run: runs[zeal_run]}, reports[zeal_run] if zeal_run == "deopt" else reports["default"]
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", default=sorted(PROJECTS))
    parser.add_argument("--skip-tests", action="store_true", help="diffs, compile, check and recall only")
    parser.add_argument("--out", type=Path, help="write the JSON figures here too")
    parser.add_argument("--reuse-runs", action="store_true", help="reuse the test captures of the last run")
    parser.add_argument(
        "--variants", help=f"comma-separated test runs to make (others: their last capture), of {','.join(VARIANTS)}"
    )
    args = parser.parse_args()
    variants = tuple(args.variants.split(",")) if args.variants else VARIANTS
    figures = {name: run_project(name, args.skip_tests, args.reuse_runs, variants) for name in args.projects}
    text = json.dumps(figures, indent=1, default=str)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
