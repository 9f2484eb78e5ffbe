#!/usr/bin/env bash
# Make .venv from the lock files: requirements/runtime.txt, or requirements/dev.txt when given
# "dev" (scripts/lock.sh writes them), then the project itself. Does nothing when .venv
# already holds what the lock files and pyproject.toml say (a dev .venv serves runtime too).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=runtime
[ "${1:-}" = "dev" ] && kind=dev
stamp() {
  { python3 -c 'import sys; print(sys.version)'; cat "requirements/$1.txt" pyproject.toml; } \
    | sha256sum | cut -d' ' -f1
}
marker=.venv/.attune-setup
if [ -x .venv/bin/python ] && [ -f "${marker}" ]; then
  installed=$(cat "${marker}")
  if [ "${installed}" = "${kind} $(stamp "${kind}")" ] || [ "${installed}" = "dev $(stamp dev)" ]; then
    echo "scripts/setup.sh: .venv is up to date"
    exit 0
  fi
fi
python3 -m venv .venv
rm -f "${marker}"
.venv/bin/python -m pip install --quiet --require-hashes -r "requirements/${kind}.txt"
.venv/bin/python -m pip install --quiet --no-deps -e .
echo "${kind} $(stamp "${kind}")" > "${marker}"
