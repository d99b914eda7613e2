# Quick start: `make demo`, then `make test`. Both set up .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Compile the bundled example repository into a scratch copy and show what was written.
demo: install
	rm -rf out/demo && mkdir -p out && cp -r fixtures/example out/demo
	$(BIN)/infc compile out/demo
	@echo
	@echo "Output tree (out/demo/deploy):"
	@cd out/demo && find deploy -type f | sort | sed 's/^/  /'
	@echo
	$(BIN)/infc quota out/demo
	@echo
	$(BIN)/infc endpoints out/demo

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf out .pytest_cache
