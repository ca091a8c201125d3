"""Benchmark: how right are the call graph's edges on real repositories? Precision and recall per repository.

Each repository is checked out at a pinned commit (``bench/realworld.py``), indexed cold, and its call edges
are compared with an oracle:

- Python: jedi (``Script.goto(follow_imports=True)`` at the callee's name). A site counts when jedi answers;
  jedi's answer inside the checkout is the truth, an answer outside it (stdlib, site-packages) means "no
  project definition". Up to ``--per-repo`` sites are drawn at random (seeded) from every call site.
- TypeScript/JavaScript: the TypeScript compiler's language service (``bench/ts_oracle/oracle.js``,
  ``getDefinitionAtPosition`` at the callee's name, with the checkout's ``tsconfig.json``). npm ``typescript``
  (pinned in ``bench/ts_oracle/package-lock.json``) is installed for the bench only, by ``npm ci`` into
  ``$SEMGRAPH_BENCH_CACHE/ts_oracle-<lock hash>`` on first use (node and npm must be on PATH); nothing is
  installed into the checkout, so a receiver typed from one of its packages is ``any`` and counts as "no
  project definition". Every call site is judged (``--per-repo`` caps it).
- Rust, Go, Java: labelled samples in ``bench/labels/resolution/<owner+name>.json`` (call site
  ``path:line:callee-text`` → the definition ``path:line`` it reaches, or ``null`` for a definition outside
  the project), judged by reading the code and committed before the changed resolver ran on that repository.
  ``--sample N`` prints N candidate sites (call sites whose callee name is also the name of a project
  function/method, so a wrong link is possible) to label.

Precision = correct links / links made (over judged sites); recall = correct links / sites whose truth is a
project definition. Figures are given for every edge and for ``certain`` edges only (what the tools show by
default). For Rust, the share of ``use`` imports of workspace crates that resolve is printed too.

    python bench/resolution.py                     # every repository whose mirror is present
    python bench/resolution.py --only psf/requests --per-repo 300
    python bench/resolution.py --sample 25 --only knadh/listmonk
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.realworld import CACHE, Pinned, available, checkout
from semgraph.graph.indexer import index_repository
from semgraph.graph.store import GraphStore
from semgraph.paths import PathGuard

try:
    from semgraph.graph.model import is_certain
except ImportError:  # a semgraph from before edges had a certainty (first-run figures): name matches are not sure

    def is_certain(resolution: str) -> bool:
        return resolution not in ("name_match", "unresolved")


# the file languages a bench language covers
LANGUAGES = {"typescript": ("typescript", "tsx", "javascript")}
LANGUAGES.update({k: (k,) for k in ("python", "rust", "go", "java")})
TS_ORACLE = Path(__file__).resolve().parent / "ts_oracle"
LABELS = Path(__file__).resolve().parent / "labels" / "resolution"

REPOS: dict[str, list[Pinned]] = {
    "python": [
        Pinned("psf/requests", "1f6589ec3a1ee910f9a65cc3ceac60b26677bc0e"),
        Pinned("encode/starlette", "cb8f84f5284dc301ca7a31eb732b9e140769dd48"),
        Pinned("pallets/click", "2c8cd3ac958a7eb316d67f2d316c27086c4c0369"),
    ],
    "rust": [
        Pinned("kitsune-soc/kitsune", "e2553ad4b62b36094698b95a7fb51c25db9495a8"),
        Pinned("mozilla-services/syncstorage-rs", "0d4b14c30992f8074dcddba90612bdd7b1ceaa8c"),
        Pinned("atuinsh/atuin", "824c8716d82bed774ee6a83c683087ae77715814"),  # hold-out (issue 11, round 2)
    ],
    "typescript": [
        Pinned("brocoders/nestjs-boilerplate", "9620f159eefe38f47747d02ab162852367c5472c"),
        Pinned("Sairyss/domain-driven-hexagon", "5c2d15a7e2d69e83dfddf28468ee9f30e02c30de"),  # hold-out
    ],
    "go": [
        Pinned("knadh/listmonk", "911e0b774abad4fbf7b534be43a34a80fb6ace5b"),
        Pinned("qiangxue/go-rest-api", "c3101332148b4aa45f637605e394cb0d033dae97"),  # hold-out
    ],
    "java": [
        Pinned("callicoder/spring-security-react-ant-design-polls-app", "362fad90cab17e76453b3b9e273c594de6ee3d7f"),
    ],
}


@dataclass(slots=True)
class Site:
    path: str
    line: int
    col: int
    target: str
    name: str
    resolution: str
    candidates: int
    meta: str
    dst: tuple[str, int, int, str] | None  # (path, start_line, end_line, name) of the linked symbol

    @property
    def key(self) -> str:
        return f"{self.path}:{self.line}:{self.target}"


@dataclass
class Score:
    judged: int = 0
    linked: int = 0
    correct: int = 0
    truth_in_project: int = 0
    linked_certain: int = 0
    correct_certain: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    possible: list[str] = field(default_factory=list)  # right, but only a possible edge (left out by default)

    def add(self, site: Site, truth: tuple[str, int] | None) -> None:
        self.judged += 1
        if truth is not None:
            self.truth_in_project += 1
        if site.dst is None:
            if truth is not None:
                self.missed.append(f"{site.key} → {truth[0]}:{truth[1]} ({site.resolution}, {site.candidates})")
            return
        ok = truth is not None and _same(site.dst, truth)
        certain = is_certain(site.resolution)
        self.linked += 1
        self.linked_certain += certain
        self.correct += ok
        self.correct_certain += ok and certain
        if not ok:
            where = f"{truth[0]}:{truth[1]}" if truth else "outside the project"
            self.wrong.append(f"{site.key} → linked {site.dst[0]}:{site.dst[1]} ({site.resolution}), truth {where}")
        elif not certain:
            self.possible.append(f"{site.key} → {site.dst[0]}:{site.dst[1]} ({site.resolution}, {site.candidates})")

    def figures(self) -> dict[str, float | int]:
        def ratio(a: int, b: int) -> float:
            return round(a / b, 3) if b else 1.0

        return {
            "sites": self.judged,
            "P": ratio(self.correct, self.linked),
            "R": ratio(self.correct, self.truth_in_project),
            "P_certain": ratio(self.correct_certain, self.linked_certain),
            "R_certain": ratio(self.correct_certain, self.truth_in_project),
            "links": self.linked,
            "certain_links": self.linked_certain,
        }


def _same(dst: tuple[str, int, int, str], truth: tuple[str, int]) -> bool:
    """The linked symbol is the true definition: same file, and the truth's line is the symbol's first lines
    (attributes/decorators come first) — never a line of its body past that."""
    path, start, end, _name = dst
    return path == truth[0] and start <= truth[1] <= min(end, start + 12)


def index(root: Path, db: Path) -> float:
    t0 = time.perf_counter()
    index_repository(root, db, PathGuard([root]))
    return time.perf_counter() - t0


def call_sites(db: Path, language: str) -> list[Site]:
    with GraphStore.open(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT f.path, e.line, e.col, e.target, e.name, e.resolution, e.candidates, e.meta, "
            "df.path, d.start_line, d.end_line, d.name "
            "FROM edges e JOIN files f ON f.id = e.file_id "
            "LEFT JOIN symbols d ON d.id = e.dst_id LEFT JOIN files df ON df.id = d.file_id "
            f"WHERE e.kind = 'calls' AND f.language IN ({','.join('?' * len(LANGUAGES[language]))}) "
            "AND e.resolution != 'alternative' ORDER BY f.path, e.line, e.col",
            LANGUAGES[language],
        ).fetchall()
    return [Site(*r[:8], (r[8], r[9], r[10], r[11]) if r[8] is not None else None) for r in rows]


# -- Python: jedi ----------------------------------------------------------------------
def jedi_truth(root: Path, sites: list[Site]) -> dict[str, tuple[str, int] | None]:
    """Per site key: jedi's definition inside ``root`` (path, line), None for one outside; sites jedi cannot
    answer are left out."""
    import jedi  # a bench/test dependency (pyproject: test extra)

    # the checkout and the standard library only: an installed copy of the same project (click is a dependency
    # of this venv) or of its dependencies must not answer for the checkout's own code
    paths = sysconfig.get_paths()
    std = [paths["stdlib"], str(Path(paths["stdlib"]) / "lib-dynload")]
    project = jedi.Project(root, sys_path=[*([str(root / "src")] if (root / "src").is_dir() else []), str(root), *std])
    out: dict[str, tuple[str, int] | None] = {}
    scripts: dict[str, jedi.Script] = {}
    for s in sites:
        full = root / s.path
        script = scripts.get(s.path)
        if script is None:
            script = scripts[s.path] = jedi.Script(path=full, project=project)
        lines = script._code_lines  # the same text jedi parsed
        text = lines[s.line - 1] if s.line - 1 < len(lines) else ""
        col = _name_column(text, s.col - 1, s.target, s.name)
        if col is None:
            continue
        try:
            defs = script.goto(s.line, col, follow_imports=True)
        except Exception:  # an oracle crash is a site it cannot judge
            continue
        if not defs:
            continue
        d = defs[0]
        if d.module_path is None or d.line is None:
            out[s.key] = None
            continue
        try:
            rel = Path(d.module_path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            out[s.key] = None  # stdlib / site-packages / typeshed
            continue
        if rel.endswith(".pyi"):
            out[s.key] = None
            continue
        if d.type not in ("function", "class"):
            continue  # a call through a variable, parameter or attribute (`self.app(...)`): no static callee
        out[s.key] = (rel, d.line)
    return out


# -- TypeScript / JavaScript: the TypeScript language service -------------------------------
def ts_oracle_dir() -> Path:
    """``bench/ts_oracle`` installed (``npm ci``) into the bench cache, once per lock file."""
    lock = (TS_ORACLE / "package-lock.json").read_bytes()
    dest = CACHE / f"ts_oracle-{hashlib.sha256(lock).hexdigest()[:12]}"
    if (dest / "node_modules" / "typescript" / "package.json").exists():
        return dest
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise SystemExit("the TypeScript oracle needs node and npm on PATH")
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(TS_ORACLE / name, dest / name)
    subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=dest, check=True)
    return dest


def ts_truth(root: Path, sites: list[Site]) -> tuple[dict[str, tuple[str, int] | None], Counter]:
    """Per site key: the language service's definition inside ``root`` (path, line), None for none in the
    project; sites it cannot judge are left out (their reasons counted)."""
    env = {**os.environ, "NODE_PATH": str(ts_oracle_dir() / "node_modules")}
    payload = {
        "root": str(root),
        "sites": [{"key": s.key, "path": s.path, "line": s.line, "col": s.col, "name": s.name} for s in sites],
    }
    proc = subprocess.run(
        ["node", str(TS_ORACLE / "oracle.js")], input=json.dumps(payload), capture_output=True, text=True, env=env
    )
    if proc.returncode != 0:
        raise SystemExit(f"the TypeScript oracle failed: {proc.stderr[-2000:]}")
    out: dict[str, tuple[str, int] | None] = {}
    why: Counter = Counter()
    for line in proc.stdout.splitlines():
        row = json.loads(line)
        if "skip" in row:
            why["skip: " + row["skip"]] += 1
            continue
        why[row["why"]] += 1
        if row["def"] is None:
            out[row["key"]] = None
        else:
            path, ln = row["def"].rsplit(":", 1)
            out[row["key"]] = (path, int(ln))
    return out, why


def _name_column(text: str, start: int, target: str, name: str) -> int | None:
    """0-based column of the callee's last name in ``text`` (the call starts at ``start``)."""
    if not name:
        return None
    at = text.find(name, start)
    seg = text[start:]
    head = target.split("(")[0]
    if seg.startswith(head.split(".")[0]) or head.startswith(seg[: len(head)]):
        idx = text.rfind(name, start, start + len(target) + 1) if target.endswith(name) else at
        if idx >= 0:
            at = idx
    # the name must be a whole identifier
    while at >= 0:
        end = at + len(name)
        if (at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")) and (
            end >= len(text) or not (text[end].isalnum() or text[end] == "_")
        ):
            return at
        at = text.find(name, at + 1)
    return None


# -- labels --------------------------------------------------------------------------------
def label_file(pin: Pinned) -> Path:
    return LABELS / f"{pin.repo.replace('/', '+')}.json"


def labelled_truth(pin: Pinned) -> dict[str, tuple[str, int] | None]:
    data = json.loads(label_file(pin).read_text())
    if data["commit"] != pin.commit:
        raise SystemExit(f"{label_file(pin)} was written at {data['commit']}, the bench pins {pin.commit}")
    out: dict[str, tuple[str, int] | None] = {}
    for site in data["sites"]:
        d = site["def"]
        if d is None:
            out[site["site"]] = None
        else:
            path, line = d.rsplit(":", 1)
            out[site["site"]] = (path, int(line))
    return out


def sample(db: Path, language: str, n: int, seed: int) -> list[Site]:
    """Call sites whose callee name is also a project function/method name: where a wrong link is possible."""
    with GraphStore.open(db, readonly=True) as store:
        names = {r[0] for r in store.conn.execute("SELECT name FROM symbols WHERE kind IN ('function','method')")}
    sites = [s for s in call_sites(db, language) if s.name in names]
    rng = random.Random(seed)
    return sorted(rng.sample(sites, min(n, len(sites))), key=lambda s: (s.path, s.line))


def workspace_imports(db: Path) -> tuple[int, int]:
    """(resolved, total) ``use`` imports whose first segment names a crate of the indexed workspace."""
    try:
        from semgraph.graph.cargo import crate_names  # the workspace's crate names as the resolver sees them
    except ImportError:  # a semgraph from before Cargo workspaces were read (first-run figures)
        crate_names = _manifest_crate_names

    with GraphStore.open(db, readonly=True) as store:
        crates = crate_names(store.root) if store.root else set()
        rows = store.conn.execute(
            "SELECT e.target, e.dst_id FROM edges e JOIN files f ON f.id = e.file_id "
            "WHERE e.kind = 'imports' AND f.language = 'rust'"
        ).fetchall()
    mine = [(t, d) for t, d in rows if t.split("::")[0] in crates]
    return sum(d is not None for _t, d in mine), len(mine)


def _manifest_crate_names(root: Path) -> set[str]:
    import tomllib

    names = set()
    for manifest in root.rglob("Cargo.toml"):
        data = tomllib.loads(manifest.read_text(encoding="utf-8", errors="replace"))
        pkg = data.get("package") or {}
        lib = data.get("lib") or {}
        if isinstance(pkg.get("name"), str):
            names.add(str(lib.get("name") or pkg["name"]).replace("-", "_"))
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="owner/name (repeatable); default every pinned repository")
    ap.add_argument(
        "--per-repo", type=int, help="sites drawn per repository: Python 400 by default (jedi is slow), TS/JS all"
    )
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--sample", type=int, default=0, help="print N candidate sites to label instead of scoring")
    ap.add_argument("--show", type=int, default=8, help="wrong and missed sites printed per repository")
    ap.add_argument("--json", action="store_true", help="print one JSON object per repository")
    args = ap.parse_args(argv)
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average)")
    totals: dict[str, Score] = {}
    for language, pins in REPOS.items():
        for pin in pins:
            if args.only and pin.repo not in args.only:
                continue
            if not available(pin):
                print(f"skip {pin.repo}: no mirror (fetch github:{pin.repo})")
                continue
            if language not in ("python", "typescript") and not args.sample and not label_file(pin).exists():
                print(f"skip {pin.repo}: no labels at {label_file(pin)}")
                continue
            root = checkout(pin)
            with tempfile.TemporaryDirectory(prefix="semgraph-resolution-") as tmp:
                db = Path(tmp) / "index.db"
                secs = index(root, db)
                if args.sample:
                    for s in sample(db, language, args.sample, args.seed):
                        print(json.dumps({"site": s.key, "def": None, "semgraph": s.dst and f"{s.dst[0]}:{s.dst[1]}"}))
                    continue
                sites = call_sites(db, language)
                oracle: Counter = Counter()
                if language == "python":
                    rng = random.Random(args.seed)
                    picked = sorted(rng.sample(sites, min(args.per_repo or 400, len(sites))), key=lambda s: s.key)
                    truth = jedi_truth(root, picked)
                elif language == "typescript":
                    rng = random.Random(args.seed)
                    picked = sites if (args.per_repo or len(sites)) >= len(sites) else rng.sample(sites, args.per_repo)
                    truth, oracle = ts_truth(root, picked)
                else:
                    truth = labelled_truth(pin)
                    picked = sites
                by_key = {s.key: s for s in picked}
                score = Score()
                for key, t in truth.items():
                    site = by_key.get(key)
                    if site is None:
                        print(f"  label {key} matches no call site of the index")
                        continue
                    score.add(site, t)
                agg = totals.setdefault(language, Score())
                for attr in ("judged", "linked", "correct", "truth_in_project", "linked_certain", "correct_certain"):
                    setattr(agg, attr, getattr(agg, attr) + getattr(score, attr))
                fig = score.figures()
                extra = ""
                if language == "rust":
                    ok, total = workspace_imports(db)
                    fig["workspace_imports"] = f"{ok}/{total}"
                    extra = f" workspace-crate imports resolved {ok}/{total}"
                    extra += f" ({ok / total:.1%})" if total else ""
                res = Counter(s.resolution for s in sites)
                if args.json:
                    print(json.dumps({"repo": pin.repo, "commit": pin.commit, "language": language, **fig}))
                else:
                    print(
                        f"{language:6} {pin.repo}@{pin.commit[:12]}: {fig['sites']} sites, P {fig['P']:.3f} "
                        f"R {fig['R']:.3f} | certain only: P {fig['P_certain']:.3f} R {fig['R_certain']:.3f} "
                        f"({fig['certain_links']}/{fig['links']} links certain) [index {secs:.1f}s]{extra}"
                    )
                    print(f"       resolutions of all {len(sites)} call sites: {dict(res.most_common())}")
                    if oracle:
                        print(f"       oracle answers: {dict(oracle.most_common())}")
                    for line in score.wrong[: args.show]:
                        print(f"       wrong:  {line}")
                    for line in score.missed[: args.show]:
                        print(f"       missed: {line}")
                    for line in score.possible[: args.show]:
                        print(f"       right but possible: {line}")
    if not args.sample:
        for language, agg in totals.items():
            fig = agg.figures()
            print(
                f"TOTAL {language:6}: {fig['sites']} sites, P {fig['P']:.3f} R {fig['R']:.3f} | certain only: "
                f"P {fig['P_certain']:.3f} R {fig['R_certain']:.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
