#!/usr/bin/env bash
# Install what checks the OpenAPI document as mobile teams' tools read it
# (tests/e2e/test_contract_tools.py): Java for openapi-generator (the generator itself comes
# with the dev extras, from PyPI), Debian's kotlinc to compile the generated moshi models, and
# Redocly CLI and Spectral, pinned in tools/contract.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v java >/dev/null || missing+=(default-jre-headless)
command -v kotlinc >/dev/null || missing+=(kotlin)
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
npm ci --prefix tools/contract --no-audit --no-fund --loglevel=error
