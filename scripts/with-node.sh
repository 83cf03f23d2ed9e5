#!/usr/bin/env bash
# Runs a command on a Node.js that Sluice supports (22 or later). The machine's own node when it
# is one; else (or with SLUICE_NODE_LTS=1, as CI does) the pinned current LTS, fetched once from
# the npm registry (the node-<platform>-<arch> package, just the binary) into .tools/, and put
# first on PATH so that npm, npx and every child process run on it too.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LTS="${SLUICE_NODE_VERSION:-26.12.1}"
MIN_MAJOR=22

# npm reads its global config (a CA file, a registry, a proxy) from <node prefix>/etc/npmrc: under
# another Node, or with --prefix, that is another file. Keep the machine's, for every npm below.
if [ -z "${NPM_CONFIG_GLOBALCONFIG:-}" ] && command -v npm >/dev/null; then
  machine_npmrc="$(npm config get globalconfig 2>/dev/null || true)"
  if [ -n "$machine_npmrc" ] && [ -f "$machine_npmrc" ]; then export NPM_CONFIG_GLOBALCONFIG="$machine_npmrc"; fi
fi

major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "${SLUICE_NODE_LTS:-0}" != 1 ] && [ "$major" -ge "$MIN_MAJOR" ]; then exec "$@"; fi
if [ "${SLUICE_NODE_LTS:-0}" = 1 ] && [ "$(node --version 2>/dev/null)" = "v$LTS" ]; then exec "$@"; fi

platform="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
package="node-$platform-$arch"
home="$ROOT/.tools/node-$LTS"
if [ ! -x "$home/node_modules/$package/bin/node" ]; then
  echo "with-node: this machine's node is $(node --version 2>/dev/null || echo missing); fetching Node $LTS ($package) from the npm registry into .tools/" >&2
  mkdir -p "$home"
  # npm itself may be run by an old node here: that is fine for installing one package.
  npm install --prefix "$home" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$package@$LTS" >&2
  "$home/node_modules/$package/bin/node" --version >/dev/null
fi
export PATH="$home/node_modules/$package/bin:$PATH"
exec "$@"
