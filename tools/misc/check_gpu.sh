#!/usr/bin/env bash
# Say so, and how to fix it, when this machine has an NVIDIA GPU that the torch of an environment
# cannot use (such a GPU trains nothing). Part of tools/install.sh.
#
#   bash tools/misc/check_gpu.sh PYTHON VENV
set -euo pipefail
PY=$1
VENV=$2
if command -v nvidia-smi >/dev/null 2>&1 &&
   GPU=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1) && [ -n "$GPU" ]; then
    TORCH=$("$PY" -c 'import torch; print(torch.__version__)')
    if "$PY" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())' 2>/dev/null; then
        echo "torch $TORCH uses the GPU ($GPU)"
    else
        BUILD=$("$PY" -c 'import torch; print("CUDA " + torch.version.cuda if torch.version.cuda else "CPU only")')
        DRIVER_CUDA=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -n 1)
        cat >&2 <<MSG
WARNING: this machine has an NVIDIA GPU (${GPU}; its driver runs CUDA up to ${DRIVER_CUDA:-?}), but
torch $TORCH in $VENV ($BUILD) cannot use it, so training would run on the CPU. Install a torch
build for a CUDA version the driver runs, then run tools/install.sh again (it keeps that torch), e.g.
    $PY -m pip uninstall -y torch torchvision mmcv
    $PY -m pip install torch==2.1.2 torchvision==0.16.2 --index-url https://download.pytorch.org/whl/cu118
or start over with a tested pair from such an index:
    rm -rf $VENV && TORCH_INDEX_URL=https://download.pytorch.org/whl/cu121 bash tools/install.sh
(pytorch.org/get-started/previous-versions lists the builds). Continuing with the CPU.
MSG
    fi
fi
