#!/usr/bin/env bash
# The GPU check, run once on a machine with an NVIDIA GPU, a C++ compiler and a pip torch with CUDA, Node.js
# optional. Builds the addon through binding.gyp (scripts/build-addon.sh) against the pip torch's libtorch, then:
#   1. parity      CUDA == CPU within tolerance: every scorer's scores and masks, training steps from pinned,
#                  prefetched batches, and an experiment run through the executor (bench/device-parity.ts)
#   2. pruning     SynFlow, 100 iterations, VGG-19 and ResNet-20 on the GPU vs the PyTorch reference script
#                  (bench/reference/pruning.py) on the same GPU; goal: VGG-19 reference/ours >= 5
#   3. throughput  ResNet-20 CIFAR-shaped training img/s vs PyTorch on the same GPU; goal: ours/PyTorch >= 1.0
# Each stage is logged to $OUT/<stage>.txt and runs even if an earlier one failed (except after a failed build);
# $OUT/summary.md and $OUT/results.json gather the results and the goals. The whole run keeps to BUDGET seconds.
#
# Without Node.js on the machine, the kit from scripts/make-device-kit.sh (.cache/device-kit.tar.xz, carried
# along) supplies node, the Node headers, node-gyp, make, node_modules and the compiled dist/.
# Usage: OUT=/some/dir [BUDGET=340] [PYTHON=/path/python3] bash scripts/device-check.sh
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
OUT=${OUT:-/tmp/device-check}
BUDGET=${BUDGET:-340}
mkdir -p "$OUT"
t0=$(date +%s)
elapsed() { echo $(( $(date +%s) - t0 )); }
stages=""
note() { echo "[$(elapsed) s] $*" | tee -a "$OUT/env.txt"; }
# run_stage NAME LIMIT command...: at most LIMIT seconds and never past the budget; output to $OUT/NAME.txt
run_stage() {
  local name=$1 limit=$2; shift 2
  local left=$(( BUDGET - $(elapsed) - 10 ))
  if [ "$left" -lt 15 ]; then
    echo "skipped: time budget spent" > "$OUT/$name.txt"; stages="$stages $name=skipped"; note "$name: skipped (budget)"; return 1
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  note "$name: starting (limit $limit s)"
  local started=$(date +%s)
  timeout --kill-after=5 "$limit" "$@" 2>&1 | tee "$OUT/$name.txt"
  local rc=${PIPESTATUS[0]}
  local status=ok
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && status=timeout
  [ $rc -ne 0 ] && [ $status = ok ] && status="failed(rc=$rc)"
  stages="$stages $name=$status"
  note "$name: $status after $(( $(date +%s) - started )) s"
  [ $rc -eq 0 ]
}

# ---- environment: the Python with a CUDA torch, its libtorch and ABI ----
: > "$OUT/env.txt"
note "device-check at $(git rev-parse --short HEAD 2>/dev/null || echo '?'), budget $BUDGET s"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1 | tee -a "$OUT/env.txt"
PY=""
for candidate in ${PYTHON:-} /opt/torch/.venv/bin/python3 python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then PY=$candidate; break; fi
done
[ -n "$PY" ] || { note "no Python with a CUDA torch found"; PY=python3; }
LIBTORCH=${LIBTORCH-$("$PY" -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null)}
LIBTORCH_CXX11_ABI=$("$PY" -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)
export LIBTORCH LIBTORCH_CXX11_ABI
"$PY" -c 'import torch; print(f"python torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}")' 2>&1 | tee -a "$OUT/env.txt"
note "python $PY; LIBTORCH=$LIBTORCH; CXX11 ABI $LIBTORCH_CXX11_ABI; $(nproc) cores; $(g++ --version | head -1)"

# ---- Node: the machine's, or the kit's ----
kit_args=()
if [ -f .cache/device-kit.tar.xz ]; then
  kit=${KIT_DIR:-/tmp/sketchprune-device-kit}
  rm -rf "$kit" && mkdir -p "$kit"
  tar -xJf .cache/device-kit.tar.xz -C "$kit" --strip-components=1 && note "kit: $(tr '\n' ';' < "$kit/KIT-INFO")"
  export PATH="$kit/bin:$PATH"
  kit_args=(--kit "$kit")
  [ -d dist ] || cp -r "$kit/dist" dist
  [ -e node_modules ] || { rm -f node_modules; ln -s "$kit/node_modules" node_modules; }
elif ! command -v node >/dev/null; then
  note "no node and no .cache/device-kit.tar.xz (make it with scripts/make-device-kit.sh and carry it)"
fi
[ -d dist ] || { note "no dist/: compile with npx tsc -p . (the kit carries one)"; }
note "node $(node --version 2>&1)"

# ---- 0. build the addon against the pip torch (binding.gyp through node-gyp; no hand-written compile lines) ----
if ! run_stage build 240 bash scripts/build-addon.sh "${kit_args[@]}"; then
  note "build failed: see build.txt; retrying without the c10d/Gloo part (SKETCHPRUNE_GLOO=0)"
  SKETCHPRUNE_GLOO=0 run_stage build-noc10d 200 bash scripts/build-addon.sh "${kit_args[@]}" || note "build without c10d failed too"
fi
if [ -f build/Release/sketchprune_native.node ]; then
  node -e "import('./dist/src/torch/index.js').then((t) => console.log('addon:', JSON.stringify(t.buildInfo())))" 2>&1 | tee -a "$OUT/env.txt"
fi
node bin/sketchprune.js info 2>&1 | tee -a "$OUT/env.txt"
threads=$(nproc)
work=$(mktemp -d)

# ---- 1. CUDA == CPU ----
run_stage parity 80 node dist/bench/device-parity.js --device cuda --json "$work/parity.json"

# ---- 2. SynFlow 100 iterations vs the reference on the same GPU ----
run_stage pruning 100 node dist/bench/pruning.js --python "$PY" --threads "$threads" --device cuda --models vgg19,resnet20 \
  --methods synflow --iterations 100 --json "$work/pruning.json"

# ---- 3. ResNet-20 training throughput vs PyTorch on the same GPU ----
run_stage throughput 80 node dist/bench/train-throughput.js --python "$PY" --threads "$threads" --device cuda --steps 60 --warmup 10 \
  --rounds 2 --json "$work/throughput.json"

# ---- summary ----
node dist/bench/device-summary.js --dir "$work" --stages "$stages" --out "$OUT" 2>&1 | tee -a "$OUT/env.txt"
note "done in $(elapsed) s:$stages"
rm -rf "$work"
