#!/usr/bin/env bash
# The test suite again on another Node.js major version (`scripts/test-on-node.sh 22`).
# The binary, with its headers, comes from the npm registry's node-linux-<arch> package
# (nothing is downloaded from anywhere else); better-sqlite3 is rebuilt against it; the
# tests run (the build, typecheck and lint already ran on the machine's Node); then the
# machine's own build of better-sqlite3 is put back, so `npm test` works as before.
#
# Every unit and integration suite runs (the server, its database layer, Baileys against
# the emulator, the CLI and demo). The browser journeys (e2e/) run once, on the machine's
# Node, unless WASLA_NODE_E2E=1: they drive the same dashboard build, and the server
# under them is what the integration suites run here. That keeps CI under 30 minutes.
set -euo pipefail
major=${1:?usage: scripts/test-on-node.sh <major version, e.g. 22>}
cd "$(dirname "$0")/.."

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) echo "no Node.js package for $(uname -m)" >&2; exit 1 ;;
esac

work=$(mktemp -d)
addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
cp "$addon" "$work/machine.node"
restore() {
  cp "$work/machine.node" "$addon"
  rm -rf "$work"
}
trap restore EXIT

(cd "$work" && npm pack --silent "node-linux-$arch@$major" >/dev/null && tar xzf node-linux-*.tgz)
node_dir="$work/package"
echo "▶ Node.js $("$node_dir/bin/node" --version): better-sqlite3 rebuilt against its headers"
PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" npm rebuild better-sqlite3 >/dev/null
suites=(packages apps scripts)
[ "${WASLA_NODE_E2E:-0}" = 1 ] && suites+=(e2e)
PATH="$node_dir/bin:$PATH" WASLA_TEST_SKIP_CHECKS=1 node scripts/test.mjs "${suites[@]}"
