# Everything runs inside ./.venv, which `make install` creates (idempotent).
PY := .venv/bin/python

.PHONY: install test
install:
	bash tools/install.sh

test: install
	$(PY) -m pytest tests -q
