# Everything runs inside ./.venv, which `make install` creates (idempotent).
PY := .venv/bin/python
DEMO_DIR := work_dirs/demo_ccl

.PHONY: install lint test demo
install:
	bash tools/install.sh

lint: install
	.venv/bin/ruff check .

test: install
	$(PY) -m pytest tests -q

# Synthetic demo data, train CCL on it, evaluate top / bottom / mean (CPU, a few minutes).
demo: install
	$(PY) tools/dataset_converters/make_demo_data.py --out data/ccl_demo
	$(PY) tools/train.py configs/ccl/demo_ccl.py --work-dir $(DEMO_DIR)
	$(PY) tools/test.py configs/ccl/demo_ccl.py $$(cat $(DEMO_DIR)/last_checkpoint) --work-dir $(DEMO_DIR)/test
	@$(PY) tools/analysis_tools/print_metrics.py $(DEMO_DIR)/test
