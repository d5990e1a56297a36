#!/usr/bin/env bash
# Installs Debian's Chromium for the HTML report's browser test (chromedp
# drives it headless). Idempotent: nothing happens when a Chromium is already
# on PATH or named by CHROMIUM_BIN. Needs root or sudo for apt-get.
set -euo pipefail

if [[ -n "${CHROMIUM_BIN:-}" && -x "${CHROMIUM_BIN}" ]]; then
  exit 0
fi
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null; then exit 0; fi
done
sudo=""
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "scripts/setup-chromium.sh: not root and no sudo; install the chromium package or set CHROMIUM_BIN" >&2
    exit 1
  fi
fi
echo "installing Debian chromium" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends chromium >&2
command -v chromium >/dev/null
