#!/usr/bin/env bash
# bench/pruning on a device machine (16 cores, one GPU, no Node.js): builds the addon against the machine's
# PyTorch (CPU + CUDA libtorch inside the pip torch), then runs the bench on the CPU with every core and on
# the GPU. Node comes from .cache/gpu-kit.tar.xz when the machine has none (see scripts/gpu-check.sh).
# Needs dist/ (compiled here), .cache/gpu-kit.tar.xz and node_modules/node-addon-api carried along.
# Usage: bash bench/pruning-device.sh [OUTDIR] [extra bench arguments...]
set -uo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${1:-${OUT:-/tmp/bench-pruning}}; shift || true
mkdir -p "$OUTDIR"
PY=python3
LIBTORCH=$($PY -c 'import torch,os; print(os.path.dirname(torch.__file__))')
echo "LIBTORCH=$LIBTORCH"; nvidia-smi -L || true; nproc
NODE=node; HEADERS=""
if ! command -v node >/dev/null; then
  mkdir -p /tmp/kit && tar -xJf .cache/gpu-kit.tar.xz -C /tmp/kit || exit 4
  NODE=/tmp/kit/node; HEADERS=/tmp/kit/node-headers
fi
ABI=$($PY -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
CUDA_LIBS=""; [ -f "$LIBTORCH/lib/libtorch_cuda.so" ] && CUDA_LIBS="-Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed"
mkdir -p build/Release
flags="-std=c++17 -O2 -fPIC -fexceptions -frtti -w -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -D_GLIBCXX_USE_CXX11_ABI=$ABI"
inc="-I$HEADERS -Inode_modules/node-addon-api -I$LIBTORCH/include -I$LIBTORCH/include/torch/csrc/api/include"
start=$(date +%s)
for f in addon convert ops autograd; do g++ $flags $inc -c native/$f.cc -o build/$f.o & done; wait
g++ -shared -o build/Release/sketchprune_native.node build/*.o -L$LIBTORCH/lib -Wl,-rpath,$LIBTORCH/lib \
  $CUDA_LIBS -ltorch -ltorch_cpu -lc10 || exit 5
echo "addon built in $(( $(date +%s) - start )) s"
THREADS=$(nproc)
$NODE dist/bench/pruning.js --python $PY --threads "$THREADS" --device cpu --json "$OUTDIR/pruning-cpu.json" "$@" 2>&1 | tee "$OUTDIR/pruning-cpu.txt"
if $PY -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
  $NODE dist/bench/pruning.js --python $PY --threads "$THREADS" --device cuda --json "$OUTDIR/pruning-cuda.json" "$@" 2>&1 | tee "$OUTDIR/pruning-cuda.txt"
fi
