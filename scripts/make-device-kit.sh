#!/usr/bin/env bash
# Packs what scripts/device-check.sh needs on a GPU machine that has a compiler and a pip torch but no Node.js:
# this machine's node binary (self-contained), the Node headers (/usr/include/node), npm's node-gyp (with npm's
# own node_modules, which node-gyp resolves its dependencies from), make (node-gyp drives it; it needs only
# glibc), the runtime node_modules (node-addon-api and the production dependencies) and dist/ compiled here.
# Writes .cache/device-kit.tar.xz (about 40 MB): pass it to the GPU machine as a carried path.
# Usage: scripts/make-device-kit.sh [OUTFILE]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
outfile=${1:-$repo/.cache/device-kit.tar.xz}
node=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # .../node_modules/npm
[ -f "$npm_dir/node_modules/node-gyp/bin/node-gyp.js" ] || { echo "make-device-kit: no node-gyp under $npm_dir" >&2; exit 1; }
headers=""
for dir in /usr/include/node "$(dirname "$(dirname "$node")")/include/node"; do
  [ -f "$dir/node_api.h" ] && [ -f "$dir/common.gypi" ] && { headers=$dir; break; }
done
[ -n "$headers" ] || { echo "make-device-kit: no Node headers with common.gypi (apt-get install libnode-dev, or nodejs's include/node)" >&2; exit 1; }

echo "make-device-kit: compiling TypeScript"
npx tsc -p .
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
kit=$stage/kit
mkdir -p "$kit/bin" "$kit/include"
cp "$node" "$kit/bin/node"
cp "$(readlink -f "$(command -v make)")" "$kit/bin/make"
cp -r "$headers" "$kit/include/node"
cp -r "$npm_dir" "$kit/npm"
# Production dependencies, at their places under node_modules (npm ls lists nested ones too).
mkdir -p "$kit/node_modules"
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while read -r dir; do
  rel=${dir#"$(readlink -f node_modules)/"}
  rel=${rel#"$repo/node_modules/"}
  [ -e "$kit/node_modules/$rel" ] && continue
  mkdir -p "$(dirname "$kit/node_modules/$rel")"
  cp -rL "$dir" "$kit/node_modules/$rel"
done
[ -d "$kit/node_modules/node-addon-api" ] || cp -rL node_modules/node-addon-api "$kit/node_modules/node-addon-api"
cp -r dist "$kit/dist"
{
  echo "node $("$node" --version) from $node"
  echo "node-gyp $("$node" "$npm_dir/node_modules/node-gyp/bin/node-gyp.js" --version)"
  echo "make: $(make --version | head -1)"
  echo "commit $(git rev-parse HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "made $(date -u +%FT%TZ)"
} > "$kit/KIT-INFO"
mkdir -p "$(dirname "$outfile")"
echo "make-device-kit: compressing"
tar -C "$stage" -cf - kit | xz -T0 -4 > "$outfile.tmp"
mv "$outfile.tmp" "$outfile"
cat "$kit/KIT-INFO"
echo "make-device-kit: $outfile ($(du -h "$outfile" | cut -f1))"
