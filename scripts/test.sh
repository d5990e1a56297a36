#!/usr/bin/env bash
# Runs every check the project holds itself to, from a fresh clone:
# formatting, vet, staticcheck and the full test suite. It installs what the
# tests need first, so nothing else has to be set up by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

# ../shared holds the reference corpora the tests read; say so early.
if [[ ! -d "${AIZONE_SHARED:-../shared}/corpora" ]]; then
  echo "scripts/test.sh: ${AIZONE_SHARED:-../shared}/corpora not found; clone the project beside ../shared or set AIZONE_SHARED" >&2
  exit 2
fi

# Azurite (the Azure Storage emulator) is started by the tests that need it;
# install it once into .tools so those tests never skip.
if [[ -f scripts/setup-azurite.sh ]]; then
  bash scripts/setup-azurite.sh
fi
# OpenTofu (for `tofu fmt -check` on the Terraform output) and Chromium (for
# the HTML report's browser test), likewise installed once.
bash scripts/setup-tofu.sh
bash scripts/setup-chromium.sh
# DuckDB for node (npm @duckdb/node-api): the simulator's answer must equal
# DuckDB's SQL answer at every day (simulation.TestDuckDBAgrees).
bash scripts/bench-duckdb.sh install

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*'))
if [[ -n "$unformatted" ]]; then
  echo "not gofmt-clean:" >&2
  echo "$unformatted" >&2
  exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

echo "== go test"
CI=true go test -count=1 ./...
