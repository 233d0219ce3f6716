#!/usr/bin/env bash
# Makes sure the Debian packages named on the command line are installed, installing the missing
# ones with apt-get: the browser test needs chromium, and `npm run screenshots` also needs tmux
# and newsboat (each package's command has the package's name).
#   scripts/ensure-tools.sh chromium [tmux newsboat]
# Idempotent: does nothing when every command is already on PATH, so tests call it on every run.
# Installing needs root (or password-less sudo) and apt-get; without them it exits 1 and says
# which packages are missing and how to install them. apt-get's own output goes to stderr.
set -euo pipefail

missing=()
for tool in "$@"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "missing: ${missing[*]}; installing needs root. Run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${missing[*]}, and there is no apt-get here to install them with; install them with this system's package manager" >&2
  exit 1
fi

echo "installing ${missing[*]} with apt-get (once)" >&2
# The package lists may be absent or stale (a fresh container): update them first.
"${as_root[@]}" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >&2

for tool in "${missing[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "apt-get installed ${tool}, but there is still no ${tool} command on PATH" >&2
    exit 1
  fi
done
