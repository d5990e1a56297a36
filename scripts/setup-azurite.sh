#!/usr/bin/env bash
# Installs Azurite (the Azure Storage emulator, npm package "azurite") into
# .tools/azurite so that the tests that list a container run against a real
# Blob endpoint instead of a mock. Idempotent: a second run with the pinned
# version already installed does nothing. Tests find the binary at
# .tools/azurite/node_modules/.bin/azurite (or AZURITE_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."

version="${AZURITE_VERSION:-3.37.0}"
dir=.tools/azurite
bin="$dir/node_modules/.bin/azurite"

if [[ -x "$bin" ]] && [[ "$(node -p "require('./$dir/node_modules/azurite/package.json').version" 2>/dev/null)" == "$version" ]]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "scripts/setup-azurite.sh: npm not found; install Node.js to run the Azurite tests" >&2
  exit 1
fi
mkdir -p "$dir"
# A private package.json keeps the install out of any parent project.
[[ -f "$dir/package.json" ]] || echo '{"name":"aizone-tools-azurite","private":true}' >"$dir/package.json"
echo "installing azurite@$version into $dir" >&2
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "azurite@$version" >&2
"$bin" --version >/dev/null
