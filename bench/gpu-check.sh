#!/usr/bin/env bash
# The GPU check (issue 17), one unattended script for a machine with an NVIDIA GPU, under 8 minutes:
#
#   1. sgc gpu setup     the CUDA provider of onnxruntime-gpu==<onnxruntime-node's version> and the
#                        NVIDIA wheels, from PyPI (several GB the first time; pip caches them)
#   2. sgc doctor        every engine × backend with one timed step, the GPUs, the connections
#   3. the D3 staircase  examples/train-d3-staircase.yaml on cuda and on cpu: same acquisition order
#                        and plateaus, final losses within 1e-3 relative (bench/gpu-staircase.ts)
#   4. the step bench    the three largest sizes of bench/train-step on cuda beside cpu and PyTorch on
#                        the CPU (SGC_REF_PYTHON, .venv-ref or python3 with torch), with ratios
#
# On a machine without a driver or device every step still runs: the cuda parts say "no device".
# Needs the npm registry (when node_modules is missing) and PyPI. Output also goes to $OUT (default
# gpu-check-out/): one log per step and doctor.json. Exit code: 1 when a step failed (cuda and cpu
# disagreeing is a failure), else 0.
#
#   bash bench/gpu-check.sh [--device N]
set -uo pipefail
cd "$(dirname "$0")/.."
device=()
if [[ "${1:-}" == "--device" ]]; then device=(--device "$2"); fi
OUT=${OUT:-gpu-check-out}
mkdir -p "$OUT"
failed=0
started=$SECONDS

step() {
  local name=$1
  shift
  echo
  echo "== $name ($((SECONDS - started)) s in) =="
  if "$@" 2>&1 | tee "$OUT/$name.log"; then return 0; fi
  echo "!! $name failed"
  failed=1
}

echo "gpu-check on $(hostname), $(date -u +%FT%TZ)"
uptime
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv 2>/dev/null || echo "nvidia-smi: none"
[[ -d node_modules ]] || step npm-ci npm ci
step build npm run -s build
step gpu-setup node bin/sgc.js gpu setup
step doctor node bin/sgc.js doctor "${device[@]}"
node bin/sgc.js doctor --json "${device[@]}" >"$OUT/doctor.json" 2>/dev/null
step staircase npx tsx bench/gpu-staircase.ts "${device[@]}"
step step-bench npx tsx bench/gpu-step.bench.ts --seconds "${SECONDS_PER_SIZE:-3}" "${device[@]}"
echo
echo "gpu-check: $((SECONDS - started)) s, $([[ $failed == 0 ]] && echo 'every step passed' || echo 'a step FAILED (see above)'); logs in $OUT/"
uptime
exit $failed
