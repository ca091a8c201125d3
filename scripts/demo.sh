#!/usr/bin/env bash
# The main job on the embedded default: index the bundled fixture project into
# SQLite and print what semgraph found (symbols, call graph, workflows).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$REPO"
exec semgraph demo "$@"
