#!/usr/bin/env bash
# Set up and serve the API on the embedded default (SQLite file ./attune.db, migrated).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m api serve "$@"
