"""Quality: exact metrics, cycles and smells with lines; the clean twin of each smelly snippet has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.quality import QualityReport, assess_code_quality
from tests.analysis.helpers import index_tree

TREE = {
    "py/__init__.py": "",
    "py/clean.py": 'import ast\nimport os\nimport shlex\nimport subprocess\n\nAPI_KEY = os.environ["API_KEY"]\n\n\ndef grade(score):\n    return "A" if score > 90 else "B"\n\n\ndef find_user(cursor, name):\n    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))\n    return cursor.fetchone()\n\n\ndef find_user_fmt(cursor, name):\n    sql = "SELECT * FROM users WHERE name = %s"\n    cursor.execute(sql, (name,))\n    return cursor.fetchone()\n\n\ndef run(cmd):\n    return subprocess.run(shlex.split(cmd))\n\n\ndef calc(expr):\n    return ast.literal_eval(expr)\n\n\ndef load_all(session, ids):\n    return session.query(User).filter(User.id.in_(ids)).all()\n\n\ndef _used_helper():\n    return 42\n\n\ndef caller():\n    return _used_helper()\n',
    "py/cyc_a.py": "from py import cyc_b\n\n\ndef ping():\n    return cyc_b.pong()\n",
    "py/cyc_b.py": "from py import cyc_c\n\n\ndef pong():\n    return cyc_c.pang()\n",
    "py/cyc_c.py": "from py import cyc_a\n\n\ndef pang():\n    return cyc_a.ping()\n",
    "py/smelly.py": 'import subprocess\n\nAPI_KEY = "sk_live_51HxQ2eZ"\n\n\ndef grade(score, bonus, strict):\n    if score > 90 and bonus:\n        result = "A"\n    elif score > 80 or strict:\n        result = "B"\n    else:\n        result = "C"\n    for i in range(3):\n        if i == score:\n            result += "!"\n    return result\n\n\ndef find_user(cursor, name):\n    cursor.execute(f"SELECT * FROM users WHERE name = \'{name}\'")\n    return cursor.fetchone()\n\n\ndef find_user_fmt(cursor, name):\n    sql = "SELECT * FROM users WHERE name = \'%s\'" % name\n    cursor.execute(sql)\n    return cursor.fetchone()\n\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n\n\ndef calc(expr):\n    return eval(expr)\n\n\ndef load_all(session, ids):\n    out = []\n    for i in ids:\n        out.append(session.query(User).get(i))\n    return out\n\n\ndef _unused_helper():\n    return 42\n',
    "rs/Cargo.toml": '[package]\nname = "qual"\nversion = "0.1.0"\nedition = "2021"\n',
    "rs/src/main.rs": 'use actix_web::{get, web, HttpResponse};\n\n#[get("/raw/{id}")]\nasync fn raw(path: web::Path<u32>) -> HttpResponse {\n    let id = path.into_inner();\n    let v: u32 = "7".parse().unwrap();\n    let p = &id as *const u32;\n    let x = unsafe { *p };\n    HttpResponse::Ok().body(format!("{}", x + v))\n}\n\n#[get("/safe/{id}")]\nasync fn safe(path: web::Path<u32>) -> Result<HttpResponse, std::num::ParseIntError> {\n    let id = path.into_inner();\n    let v: u32 = "7".parse()?;\n    Ok(HttpResponse::Ok().body(format!("{}", id + v)))\n}\n\nfn classify(n: i32) -> &\'static str {\n    match n {\n        0 => "zero",\n        1 | 2 => "small",\n        _ if n < 0 => "negative",\n        _ => "large",\n    }\n}\n\nfn main() {\n    let _ = classify(3);\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn it_works() {\n        assert_eq!(super::classify(0), "zero");\n    }\n}\n',
    "rs/tests/api.rs": "#[test]\nfn integration() {\n    assert!(true);\n}\n",
    "ts/db.ts": 'import { Pool } from "pg";\n\nconst pool = new Pool();\n\nexport async function byName(name: string) {\n  return pool.query(`SELECT * FROM users WHERE name = \'${name}\'`);\n}\n\nexport async function byNameSafe(name: string) {\n  return pool.query("SELECT * FROM users WHERE name = $1", [name]);\n}\n\nexport function check(a: number, b: boolean): string {\n  if (a > 1 && b) {\n    return "x";\n  }\n  return a > 0 ? "y" : "z";\n}\n',
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> QualityReport:
    cb = index_tree(tmp_path_factory.mktemp("quality") / "proj", TREE)
    return assess_code_quality(cb)


@pytest.fixture(scope="module")
def codebase(tmp_path_factory: pytest.TempPathFactory) -> Codebase:
    return index_tree(tmp_path_factory.mktemp("quality2") / "proj", TREE)


def test_exact_findings_with_lines(report: QualityReport) -> None:
    assert [(f.kind, f.severity, f.location, f.symbol) for f in report.findings] == [
        ("sql_injection", "high", "py/smelly.py:20", "py.smelly.find_user"),
        ("sql_injection", "high", "py/smelly.py:26", "py.smelly.find_user_fmt"),
        ("hardcoded_secret", "high", "py/smelly.py:3", ""),
        ("shell_true", "high", "py/smelly.py:31", "py.smelly.run"),
        ("eval_exec", "high", "py/smelly.py:35", "py.smelly.calc"),
        ("sql_injection", "high", "ts/db.ts:6", "ts/db.byName"),
        ("import_cycle", "medium", "py/cyc_a.py:1", ""),
        ("query_in_loop", "medium", "py/smelly.py:41", "py.smelly.load_all"),
        ("unwrap_in_handler", "medium", "rs/src/main.rs:6", "qual::raw"),
        ("unsafe_block", "medium", "rs/src/main.rs:8", "qual::raw"),
        ("unreferenced_private", "low", "py/smelly.py:45", "py.smelly._unused_helper"),
        ("inline_test_module", "info", "rs/src/main.rs:32", ""),
    ]
    assert all(f.hint for f in report.findings)


def test_clean_twins_have_no_findings(report: QualityReport) -> None:
    flagged = {f.location.split(":")[0] for f in report.findings} | {f.symbol for f in report.findings}
    assert "py/clean.py" not in flagged
    assert not any(s.startswith("py.clean.") for s in flagged)
    assert "qual::safe" not in flagged and "ts/db.byNameSafe" not in flagged


def test_exact_complexity_and_metrics(report: QualityReport) -> None:
    by_name = {m.symbol: m for m in report.functions}
    # grade: 1 + if + and + elif + or + for + if = 7
    assert (by_name["py.smelly.grade"].complexity, by_name["py.smelly.grade"].loc) == (7, 11)
    assert by_name["py.smelly.grade"].max_nesting == 2
    assert by_name["py.smelly.grade"].params == 3
    # classify: 1 + three match arms beyond the first = 4
    assert by_name["qual::classify"].complexity == 4
    # check: 1 + if + && + ternary = 4
    assert by_name["ts/db.check"].complexity == 4
    assert by_name["py.clean.grade"].complexity == 2
    assert (by_name["py.clean._used_helper"].fan_in, by_name["py.clean.caller"].fan_out) == (1, 1)
    assert report.functions[0].symbol == "py.smelly.grade"
    assert "rs/tests/api.integration" not in by_name and "qual::tests::it_works" not in by_name


def test_exact_import_cycle_and_test_layout(report: QualityReport) -> None:
    assert report.import_cycles == [["py.cyc_a", "py.cyc_b", "py.cyc_c"]]
    assert report.test_layout == {
        "inline_test_modules": 1,
        "integration_test_files": 1,
        "inline": ["rs/src/main.rs:32"],
    }
    assert report.summary["import_cycles"] == 1


def test_scope_limits_files(codebase: Codebase) -> None:
    scoped = assess_code_quality(codebase, "ts")
    assert scoped.scope == "ts"
    assert [(f.kind, f.location) for f in scoped.findings] == [("sql_injection", "ts/db.ts:6")]
    assert scoped.summary["files"] == 1 and scoped.import_cycles == []


def test_loop_iterable_is_not_inside_the_loop(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "loops",
        {
            "jobs.py": (
                "def digest(session, mailer):\n"
                "    for user in session.query(User).all():\n"
                "        mailer.send(user.email)\n\n\n"
                "def digest_n_plus_one(session, ids):\n"
                "    for i in ids:\n"
                "        session.query(User).get(i)\n"
            ),
            "settings.py": 'JWT_KEY = "please-set-me"\nSIGNING_KEY = os.environ["SIGNING_KEY"]\n',
        },
    )
    report = assess_code_quality(cb)
    assert [(f.kind, f.location) for f in report.findings] == [
        ("hardcoded_secret", "settings.py:1"),
        ("query_in_loop", "jobs.py:8"),
    ]


def test_shell_strings_built_from_input(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "shell",
        {
            "ops.py": (
                "import os\nimport subprocess\n\n\n"
                "def backup(name):\n"
                "    os.system(f'tar czf /tmp/{name}.tgz data')\n\n\n"
                "def backup_safe(name):\n"
                "    subprocess.run(['tar', 'czf', f'/tmp/{name}.tgz', 'data'])\n"
            ),
            "ops.js": (
                "import child_process from 'child_process';\n\n"
                "export function ping(host) {\n"
                "  return child_process.execSync(`ping -c 1 ${host}`);\n"
                "}\n\n"
                "export function pingSafe(host) {\n"
                "  return child_process.execFileSync('ping', ['-c', '1', host]);\n"
                "}\n"
            ),
        },
    )
    assert [(f.kind, f.location) for f in assess_code_quality(cb).findings] == [
        ("shell_injection", "ops.js:4"),
        ("shell_injection", "ops.py:6"),
    ]
