#!/usr/bin/env bash
# Builds OpenTofu from its Go module into .tools/bin so that the Terraform
# emitter's test can run `tofu fmt -check` on what build writes. Only `fmt`
# is used: `tofu validate` needs the azapi provider, which cannot be
# downloaded here. Idempotent. Tests find it at .tools/bin/tofu (or TOFU_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."

# An empty CLI configuration: tofu warns when ~/.terraformrc is missing.
export TF_CLI_CONFIG_FILE=/dev/null
version="${TOFU_VERSION:-v1.10.6}"
bin=.tools/bin/tofu
if [[ -x "$bin" ]] && "$bin" version 2>/dev/null | grep -q "OpenTofu ${version}"; then
  exit 0
fi
echo "building OpenTofu ${version} into .tools/bin" >&2
mkdir -p .tools/bin
# OpenTofu's go.mod has a replace directive, so `go install pkg@version`
# refuses it; build inside its module instead (the module cache is
# read-only, the output goes to .tools/bin).
dir=$(go mod download -json "github.com/opentofu/opentofu@${version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [[ -z "$dir" ]]; then
  echo "scripts/setup-tofu.sh: could not download github.com/opentofu/opentofu@${version}" >&2
  exit 1
fi
out="$PWD/$bin"
(cd "$dir" && GOFLAGS=-mod=mod go build -trimpath -o "$out" ./cmd/tofu)
"$bin" version >/dev/null
