#!/usr/bin/env bash
# The whole test suite: lint, then pytest (slow benchmarks excluded).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$REPO"
echo "==> ruff check" >&2
ruff check semgraph tests bench
ruff format --check --quiet semgraph tests bench
echo "==> pytest" >&2
exec python -m pytest -q "$@"
