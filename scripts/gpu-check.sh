#!/usr/bin/env bash
# Proves the CUDA path on a GPU machine with a CUDA libtorch (LIBTORCH, or the one inside a pip torch):
# builds the addon against it and runs bench/gpu-check (CUDA == CPU results, autograd, step timing).
# Where the GPU machine has no Node.js, .cache/gpu-kit.tar.xz (node binary + Node-API headers) supplies it
# and the addon is compiled with g++ directly.
set -uo pipefail
cd "$(dirname "$0")/.."
nvidia-smi -L || true
if [ -z "${LIBTORCH:-}" ]; then
  for py in python3 /usr/bin/python3 /opt/torch/.venv/bin/python3; do
    dir=$($py -c 'import torch,os; print(os.path.dirname(torch.__file__))' 2>/dev/null) && [ -f "$dir/lib/libtorch_cuda.so" ] && { LIBTORCH=$dir; PY=$py; break; }
  done
fi
echo "LIBTORCH=${LIBTORCH:-none}"
[ -n "${LIBTORCH:-}" ] || { echo "no CUDA libtorch found"; exit 3; }
export LIBTORCH
NODE=node; HEADERS=""
if ! command -v node >/dev/null; then
  mkdir -p /tmp/kit && tar -xJf .cache/gpu-kit.tar.xz -C /tmp/kit || exit 4
  NODE=/tmp/kit/node; HEADERS=/tmp/kit/node-headers
fi
ABI=$(${PY:-python3} -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)
echo "node $($NODE --version), torch ABI=$ABI"
mkdir -p build/Release
flags="-std=c++17 -O2 -fPIC -fexceptions -frtti -w -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -D_GLIBCXX_USE_CXX11_ABI=$ABI"
inc="-I$HEADERS -Inode_modules/node-addon-api -I$LIBTORCH/include -I$LIBTORCH/include/torch/csrc/api/include"
start=$(date +%s)
for f in addon convert ops autograd; do g++ $flags $inc -c native/$f.cc -o build/$f.o & done; wait
g++ -shared -o build/Release/sketchprune_native.node build/*.o -L$LIBTORCH/lib -Wl,-rpath,$LIBTORCH/lib \
  -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed -ltorch -ltorch_cpu -lc10 || exit 5
echo "addon built against $LIBTORCH in $(( $(date +%s) - start )) s"
$NODE dist/bench/gpu-check.js
