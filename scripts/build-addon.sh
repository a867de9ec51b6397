#!/usr/bin/env bash
# The one build of the native addon, for every libtorch: node-gyp through binding.gyp, which asks
# native/locate-libtorch.cjs for includes, libraries, the C++ ABI define and (for a CUDA libtorch) the CUDA
# libraries. `npm install` runs the same node-gyp on binding.gyp; this script adds what a machine without npm
# needs (scripts/device-check.sh on a GPU machine) and lets a test build into a scratch directory.
#
# Usage: scripts/build-addon.sh [--out DIR] [--kit DIR] [--jobs N]
#   LIBTORCH=/dir         libtorch to build against: an unpacked libtorch or a pip torch's package directory
#                         (python3 -c 'import torch,os; print(os.path.dirname(torch.__file__))'); unset: Debian's
#   LIBTORCH_CXX11_ABI    0|1, overrides the ABI the locator detects
#   --out DIR             build in DIR (binding.gyp and native/ are copied there) instead of the repository;
#                         the addon is DIR/build/Release/sketchprune_native.node
#   --kit DIR             an unpacked device kit (scripts/make-device-kit.sh): its node, Node headers, node-gyp,
#                         make and node_modules are used instead of the machine's
# Prints the addon's path on the last line.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=""; kit=""; jobs=max
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --kit) kit=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "build-addon: unknown argument $1 (usage: scripts/build-addon.sh [--out DIR] [--kit DIR] [--jobs N])" >&2; exit 2 ;;
  esac
done

if [ -n "$kit" ]; then
  export PATH="$kit/bin:$PATH"           # node (binding.gyp's <!(node ...) commands) and make
  nodedir=$kit                           # $kit/include/node/common.gypi, node_api.h, ...
  node_gyp=$kit/npm/node_modules/node-gyp/bin/node-gyp.js
  modules=$kit/node_modules
else
  nodedir=${npm_config_nodedir:-}
  [ -z "$nodedir" ] && [ -f /usr/include/node/common.gypi ] && nodedir=/usr
  node_gyp=""
  for candidate in "$(dirname "$(readlink -f "$(command -v npm 2>/dev/null || echo /nonexistent)")")/../node_modules/node-gyp/bin/node-gyp.js" \
                   /usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js /usr/share/nodejs/node-gyp/bin/node-gyp.js; do
    [ -f "$candidate" ] && { node_gyp=$candidate; break; }
  done
  modules=$repo/node_modules
fi
command -v node >/dev/null || { echo "build-addon: no node on PATH (pass --kit DIR)" >&2; exit 3; }
[ -n "$node_gyp" ] && [ -f "$node_gyp" ] || { echo "build-addon: node-gyp not found (npm's copy, or --kit DIR)" >&2; exit 3; }
[ -d "$modules/node-addon-api" ] || { echo "build-addon: $modules/node-addon-api missing" >&2; exit 3; }
command -v make >/dev/null || { echo "build-addon: make not found (node-gyp needs it; the device kit carries one)" >&2; exit 3; }
python=${PYTHON:-$(command -v python3)}

if [ -n "$out" ]; then
  mkdir -p "$out"
  cp "$repo/binding.gyp" "$out/"
  rm -rf "$out/native" && cp -r "$repo/native" "$out/native"
  [ -e "$out/node_modules" ] || ln -s "$modules" "$out/node_modules"
  dir=$(cd "$out" && pwd)
else
  dir=$repo
  [ -e "$repo/node_modules/node-addon-api" ] || { mkdir -p "$repo/node_modules" && ln -s "$modules/node-addon-api" "$repo/node_modules/node-addon-api"; }
fi

echo "build-addon: $(node --version) $(node -p 'process.execPath'), node-gyp $(node "$node_gyp" --version 2>/dev/null), nodedir ${nodedir:-default}"
echo "build-addon: libtorch $(cd "$dir" && node native/locate-libtorch.cjs json)"
started=$(date +%s)
(
  cd "$dir"
  node "$node_gyp" rebuild --jobs "$jobs" --python "$python" ${nodedir:+--nodedir "$nodedir"} --loglevel warn
)
addon=$dir/build/Release/sketchprune_native.node
[ -f "$addon" ] || { echo "build-addon: no addon at $addon" >&2; exit 1; }
echo "build-addon: built in $(( $(date +%s) - started )) s"
echo "$addon"
