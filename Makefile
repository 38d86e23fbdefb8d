# `make install` / `make test`: the newest tested set in ./.venv (Python 3.11, torch 2.13).
# `make install-compat` / `make test-compat`: the oldest in ./.venv-compat (Python 3.8, torch 2.1.2).
# Both installs are idempotent (tools/install.sh).
PY := .venv/bin/python
COMPAT_PY := .venv-compat/bin/python
DEMO_DIR := work_dirs/demo_ccl

.PHONY: install install-compat lint test test-fast test-gpu test-compat demo
install:
	bash tools/install.sh

install-compat:
	PYENV_VERSION=3.8.18 VENV=.venv-compat PYTHON=python CONSTRAINTS=requirements/constraints/oldest.txt \
		EXTRAS=tests bash tools/install.sh

lint: install
	.venv/bin/ruff check .

# One test worker per core (pytest-xdist); a config family's tests (xdist_group) on one worker, which
# trains its model once. `pytest tests/...` alone runs in one process.
test: install
	$(PY) -m pytest tests -q -n logical --dist loadgroup -m "not gpu"

# Everything but the tests marked `slow` (end to end through the tools, installs, packaging,
# distributed runs, kill and resume, study runs): a few minutes, for the edit-test loop.
test-fast: install
	$(PY) -m pytest tests -q -n logical --dist loadgroup -m "not slow and not gpu"

# The tests marked `gpu`, one at a time, with their prints (iteration time, peak memory): the paper's
# VOC model on CUDA in fp32 and with --amp, resumed and tested, and tools/dist_train.sh over every
# visible GPU. Without a visible CUDA GPU it says so and fails. On a machine whose packages are
# installed otherwise: make test-gpu PY=python3 INSTALL=
INSTALL ?= install
test-gpu: $(INSTALL)
	@$(PY) -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else \
		'make test-gpu: no visible CUDA GPU (torch.cuda.is_available() is False)')"
	$(PY) -m pytest tests -q -s -m gpu -p no:xdist

# The compatibility suite (tests marked `compat`) on the oldest tested set.
test-compat: install-compat
	$(COMPAT_PY) -m pytest tests -q -n logical -m compat

# Synthetic demo data, train CCL on it, evaluate top / bottom / mean (CPU, a few minutes).
demo: install
	$(PY) tools/dataset_converters/make_demo_data.py --out data/ccl_demo
	$(PY) tools/train.py configs/ccl/demo_ccl.py --work-dir $(DEMO_DIR)
	$(PY) tools/test.py configs/ccl/demo_ccl.py $$(cat $(DEMO_DIR)/last_checkpoint) --work-dir $(DEMO_DIR)/test
	@$(PY) tools/analysis_tools/print_metrics.py $(DEMO_DIR)/test
