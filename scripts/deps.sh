#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only those missing.
# Not root: prints the exact command to run instead.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git
      libjansson-dev libyaml-dev libsqlite3-dev libcurl4-openssl-dev libsodium-dev
      libcmocka-dev python3 python3-pytest python3-yaml python3-venv clang libclang-rt-dev procps)
if [ "${1:-}" = "--bench" ]; then PKGS+=(wrk nginx-light hyperfine); fi
if [ "${1:-}" = "--valgrind" ]; then PKGS+=(valgrind); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages; run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
