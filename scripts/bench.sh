#!/usr/bin/env bash
# The benchmark (bench/): seed SQLite and PostgreSQL, serve the API with one and two workers,
# load it with wrk, print throughput and latency per endpoint against a bare route. Takes
# about twenty minutes and the whole machine; not part of CI. Arguments go to `python -m bench`
# (`bash scripts/bench.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "The benchmark needs wrk: sudo apt-get install -y wrk" >&2
    exit 1
  fi
fi
bash scripts/setup.sh
exec .venv/bin/python -m bench "$@"
