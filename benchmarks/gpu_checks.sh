#!/usr/bin/env bash
# The GPU checks in one script, for a machine with a CUDA device: the CUDA tests, then the GPU
# rows of the benchmarks (docs/benchmarks.md names the numbers each one gives). Run it from the
# repository root with the project installed, or with PYTHONPATH=src where torch is already
# there. Logs go to $OUT (default results/gpu-checks), one per step; exits 1 if any step fails.
set -uo pipefail
out=${OUT:-results/gpu-checks}
python=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
status=0

step() {
    local name=$1
    shift
    echo "== $name: $*"
    local began=$SECONDS
    "$@" 2>&1 | tee "$out/$name.log" || status=1
    echo "== $name: $((SECONDS - began)) s"
}

step device "$python" -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"; print(torch.__version__, torch.cuda.get_device_name())'
[ "$status" = 0 ] || exit 1  # no GPU: nothing else would measure one
step test_gpu "$python" -m pytest -q -p no:cacheprovider tests/test_gpu.py
step fractal_sweep "$python" benchmarks/fractal_sweep.py --device cuda --fig2c 20 --fig2d 20
step geometry_sweep "$python" benchmarks/geometry_sweep.py --device cuda
step gpt_throughput "$python" benchmarks/gpt_throughput.py --device cuda
exit $status
