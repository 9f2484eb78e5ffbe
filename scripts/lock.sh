#!/usr/bin/env bash
# Rewrite the lock files from pyproject.toml: the newest releases its ranges allow, pinned with
# their hashes, for Python 3.11 on Linux (the image and CI). Run after changing a dependency,
# or to take upgrades (`bash scripts/lock.sh --upgrade`, `--upgrade-package NAME`); commit
# both files. Only PyPI is asked, whatever this machine's pip is configured with.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "${tools}"' EXIT
export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh" PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS="" PIP_EXTRA_INDEX_URL="" PIP_CONSTRAINT=""
python3 -m venv "${tools}"
"${tools}/bin/pip" install --quiet "pip-tools==7.6.2"
compile() {
  "${tools}/bin/pip-compile" --quiet --generate-hashes --strip-extras --allow-unsafe \
    --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
    "$@" pyproject.toml
}
# Development first, then runtime within it: the packages both install have one version.
compile --extra dev --output-file requirements/dev.txt "$@"
compile --constraint requirements/dev.txt --output-file requirements/runtime.txt "$@"
