#!/usr/bin/env bash
# Installs what sketchprune needs on Debian 12 (as root) and builds it: libtorch, a fast BLAS, the real
# Fashion-MNIST, PyTorch for the reference scripts, fonts for plots, Gloo headers (c10d data-parallel training),
# Slurm and munge (the cluster test, scripts/slurm-local.sh), Chromium (the report page's browser test),
# clang-format (npm run check), then npm ci (builds the addon) and tsc.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(libtorch-dev libgloo-dev libopenblas0-pthread dataset-fashion-mnist python3-torch fonts-dejavu-core slurm-wlm munge chromium clang-format)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -f build/Release/sketchprune_native.node ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "setup: npm ci (builds the libtorch addon)"
  npm ci --no-audit --no-fund
fi
echo "setup: compiling TypeScript"
npx tsc -p .
echo "setup: ready ($(node bin/sketchprune.js info))"
