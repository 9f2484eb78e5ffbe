#!/usr/bin/env bash
# Set up, lint, type-check, and run the whole test suite on SQLite and on PostgreSQL.
# PostgreSQL is expected on 127.0.0.1:5432 (user postgres, trust auth); set
# ATTUNE_TEST_ENGINES=sqlite to run on SQLite alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bash scripts/contract-tools.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
status=0
for engine in ${ATTUNE_TEST_ENGINES:-sqlite postgresql}; do
  echo "=== tests on ${engine} ==="
  ATTUNE_TEST_DB="${engine}" .venv/bin/python -m pytest -q -p no:cacheprovider "$@" || status=$?
done
exit "${status}"
