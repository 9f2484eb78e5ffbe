#!/usr/bin/env bash
# Install what checks the OpenAPI document as mobile teams' tools read it
# (tests/e2e/test_contract_tools.py): Java for openapi-generator (the generator itself comes
# with the dev extras, from PyPI), and Redocly CLI and Spectral, pinned in tools/contract.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v java >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless
fi
npm ci --prefix tools/contract --no-audit --no-fund --loglevel=error
