# Every target creates .venv on first use (and refreshes it when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PRESET ?= quick
OUT    ?= data/runs
LOAD_PRESET ?= quick
FRAMEWORK ?= fastapi
USERS ?= 4
SECONDS ?= 20

.PHONY: article run report test lab load load-locust serve-flask serve-fastapi clean-venv help

help:
	@echo "make article   run the article notebook (PRESET=$(PRESET)) into build/article.html"
	@echo "make run       measure the article's experiment (PRESET=$(PRESET)) and report it, no notebook"
	@echo "make test      run the test suite"
	@echo "make lab       open JupyterLab on notebooks/ with the project's environment"
	@echo "make load      many clients: blocking probe and concurrency sweep (LOAD_PRESET=$(LOAD_PRESET))"
	@echo "make load-locust   Locust headless against a local server, beside bench's and wrk's numbers"
	@echo "make report    report the latest run again (RUN=path/to/run to pick one)"
	@echo "make serve-flask | serve-fastapi   the article's two terminals"

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# The executable article: fails loudly if any cell fails; the run's data goes to $(OUT).
article: $(VENV)/.installed
	mkdir -p build
	$(PY) -m papermill notebooks/article.ipynb build/article.ipynb --cwd notebooks \
		-p preset $(PRESET) -p out $(OUT) --progress-bar --request-save-on-cell-execute
	$(VENV)/bin/jupyter nbconvert --to html build/article.ipynb --output article.html
	$(VENV)/bin/jupyter nbconvert --to html --no-input build/article.ipynb --output article-reader.html
	@echo "built build/article.html (with code) and build/article-reader.html (for readers)"

lab: $(VENV)/.installed
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

load: $(VENV)/.installed
	$(PY) -m bench load --preset $(LOAD_PRESET) --out $(OUT)

load-locust: $(VENV)/.installed
	$(PY) -m bench external --framework $(FRAMEWORK) --clients $(USERS) --duration $(SECONDS) --out $(OUT)

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
