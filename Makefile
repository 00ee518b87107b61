# Every target creates .venv on first use (and refreshes it when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PRESET ?= quick
OUT    ?= data/runs

.PHONY: run report test serve-flask serve-fastapi clean-venv help

help:
	@echo "make run       measure the article's experiment (PRESET=$(PRESET)) and report it"
	@echo "make test      run the test suite"
	@echo "make report    report the latest run again (RUN=path/to/run to pick one)"
	@echo "make serve-flask | serve-fastapi   the article's two terminals"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(PY) -m bench run --preset $(PRESET) --out $(OUT)
	$(PY) -m bench report --latest --out $(OUT)

report: $(VENV)/.installed
	$(PY) -m bench report $(if $(RUN),$(RUN),--latest --out $(OUT))

test: $(VENV)/.installed
	$(PY) -m pytest

serve-flask: $(VENV)/.installed
	$(PY) -m servers flask

serve-fastapi: $(VENV)/.installed
	$(PY) -m servers fastapi

clean-venv:
	rm -rf $(VENV)
