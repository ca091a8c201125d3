"""Parse + extract speed per language against raw ``parser.parse`` (the baseline).

    python bench/extract.py [DIR ...]

``LANGS=python,rust`` restricts the languages; each figure is the best of
``REPEAT`` (default 3) runs, in CPU seconds of this process (``time.process_time``)
so that other work on shared cores disturbs the figures less. Without arguments it measures the Python sources of the installed Django
package. Prints, per language: files, non-blank LOC, seconds for parse only
(the baseline), seconds of the one query traversal alone on the parsed trees (a
floor of any query-based extractor), seconds for parse + extract, LOC/s for
parse and parse + extract, and the ratio (parse + extract) / parse.
"""

from __future__ import annotations

import argparse
import os
import sysconfig
import time
from pathlib import Path

import tree_sitter as ts

from semgraph.graph import languages
from semgraph.graph.extractors import _extractor_class, extract
from semgraph.graph.extractors._engine import combined_query


def default_dirs() -> list[Path]:
    # the installed Django sources (not imported: bench/ has a django.py of its own)
    return [Path(sysconfig.get_paths()["purelib"]) / "django"]


REPEAT = int(os.environ.get("REPEAT", "3"))


def collect(dirs: list[Path]) -> dict[str, list[tuple[str, bytes]]]:
    by_lang: dict[str, list[tuple[str, bytes]]] = {}
    for d in dirs:
        for root, _dirs, files in os.walk(d):
            for f in files:
                lang = languages.language_for_path(f)
                if lang is None:
                    continue
                p = Path(root, f)
                data = p.read_bytes()
                if len(data) > 1_000_000:
                    continue
                by_lang.setdefault(lang, []).append((str(p.relative_to(d)), data))
    return by_lang


def measure(lang: str, files: list[tuple[str, bytes]]) -> None:
    parser = languages.parser(lang)
    for _, data in files[:20]:  # warm caches (grammar, queries)
        extract(data, "warm" + languages_ext(lang), lang)
    loc = sum(sum(1 for line in data.split(b"\n") if line.strip()) for _, data in files)
    query = combined_query(lang, _extractor_class(lang).queries)
    t_parse = t_query = t_extract = float("inf")
    for _ in range(REPEAT):  # best of REPEAT: the 2 cores are shared, the minimum is the least disturbed run
        t0 = time.process_time()
        trees = [parser.parse(data) for _, data in files]
        t_parse = min(t_parse, time.process_time() - t0)
        t0 = time.process_time()
        for tree in trees:
            ts.QueryCursor(query).captures(tree.root_node)
        t_query = min(t_query, time.process_time() - t0)
        del trees
        t0 = time.process_time()
        symbols = calls = errors = 0
        for path, data in files:
            r = extract(data, path, lang)
            symbols += len(r.symbols)
            calls += len(r.calls)
            errors += len(r.errors)
        t_extract = min(t_extract, time.process_time() - t0)
    print(
        f"{lang:<11} files={len(files):>5} loc={loc:>8} parse={t_parse:6.2f}s ({loc / t_parse:>9,.0f} LOC/s) "
        f"query pass={t_query:5.2f}s "
        f"parse+extract={t_extract:6.2f}s ({loc / t_extract:>9,.0f} LOC/s) ratio={t_extract / t_parse:4.2f}x "
        f"symbols={symbols} calls={calls} syntax_errors={errors}"
    )


def languages_ext(lang: str) -> str:
    return next(ext for ext, name in languages.EXTENSIONS.items() if name == lang)


def main() -> None:
    parser = argparse.ArgumentParser(description="Extractor throughput per language (LOC/s, CPU time, vs raw parse).")
    parser.add_argument("dirs", nargs="*", type=Path, help="source directories (default: the bundled corpus)")
    dirs = parser.parse_args().dirs or default_dirs()
    only = os.environ.get("LANGS", "").split(",") if os.environ.get("LANGS") else None
    for lang, files in sorted(collect(dirs).items()):
        if only is None or lang in only:
            measure(lang, files)


if __name__ == "__main__":
    main()
