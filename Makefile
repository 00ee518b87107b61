# Every target creates .venv on first use, from the exact versions of a lock, and installs it
# again when the lock or pyproject.toml changes. Two locks: requirements.lock is what the article,
# the lab and the runs need (servers, bench, notebooks); requirements-dev.lock is the same
# versions and what the tests, lint, types, the browser, fuzzing, load cross-checks and scipy
# add. make article, lab, run, report, load and the servers install the first only; make test,
# test-fast, test-deep, lint, lock and load-locust the second.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
UV_VERSION := 0.13.9
PRESET ?= quick
OUT    ?= data/runs
GIL_RUN ?=
RUN ?=
LOAD_RUN ?=
BUILD  ?= build
LOAD_PRESET ?= quick
FRAMEWORK ?= fastapi
USERS ?= 4
SECONDS ?= 20

.PHONY: notebook-filter help article article-html article-reader-html run report test test-deep test-fast lint lock lab load load-locust serve-flask serve-fastapi clean-venv

help:
	@echo "make article     run the article notebook (PRESET=$(PRESET)) into $(BUILD)/article.html; RUN=, LOAD_RUN=: from runs made before"
	@echo "make run         measure the article's experiment (PRESET=$(PRESET)) and report it, no notebook"
	@echo "make report      report the newest run again (RUN=path/to/run for another)"
	@echo "make test        the whole test suite, once; make test-fast: the fast tests only"
	@echo "make test-deep   the generated-input and lifecycle tests at their full sizes (before a release-sized change)"
	@echo "make lint        ruff format --check, ruff check, mypy"
	@echo "make lock        resolve requirements.lock and requirements-dev.lock again from pyproject.toml"
	@echo "make lab         JupyterLab on your copies of the notebooks (in $(LAB)/), with the project's environment"
	@echo "make load        many clients: blocking probe and concurrency sweep (LOAD_PRESET=$(LOAD_PRESET))"
	@echo "make load-locust bench, wrk and Locust side by side (FRAMEWORK=, USERS=, SECONDS=)"
	@echo "make serve-flask | serve-fastapi   the article's two terminals"
	@echo "make freethreaded  a free-threaded CPython (no GIL, built once per machine) and .venv-ft/ with the servers"

# The venv has no pip of its own (creating one costs 6 s): uv comes from the pip of the Python
# that made it, or, where that Python has none, from a pip put in the venv first.
# Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on this project's
# machines), every process would otherwise compile what it imports, every time.
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-dev
define new_venv
	test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	test -x $(UV) || $(PYTHON) -m pip --python $(PY) install --quiet --disable-pip-version-check uv==$(UV_VERSION) 2>/dev/null \
		|| { $(PY) -m ensurepip --default-pip >/dev/null && $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }
endef

# The runtime lock is installed, not synced: a venv that has the development lock keeps it.
$(RUNTIME): requirements.lock pyproject.toml
	$(new_venv)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --no-deps -e .
	$(MAKE) --no-print-directory notebook-filter
	touch $@

# The development lock holds every version of the runtime lock (a test checks it), so a venv
# synced to it has the runtime too.
$(DEV): requirements-dev.lock requirements.lock pyproject.toml
	$(new_venv)
	$(UV) pip sync --quiet --compile-bytecode --python $(PY) requirements-dev.lock
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --no-deps -e .
	$(MAKE) --no-print-directory notebook-filter
	touch $@ $(RUNTIME)

# Notebooks keep their outputs in your working copy (JupyterLab saves them there); git sees
# them stripped: outputs, execution counts and what a kernel or JupyterLab rewrite in their
# metadata (nbstripout, run as a git filter by .gitattributes). Set in this clone's
# .git/config by every install; nothing happens outside a git checkout.
NB_STRIP_KEYS := metadata.language_info
NB_STRIP = '$(realpath $(VENV))/bin/python' '$(realpath scripts/nbstrip.py)' --keep-id --extra-keys '$(NB_STRIP_KEYS)'
notebook-filter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git config filter.nbstripout.clean "$(NB_STRIP)" && \
		git config filter.nbstripout.smudge cat && \
		git config diff.ipynb.textconv "$(NB_STRIP) -t" && \
		echo "notebooks: outputs stay in your files, commits get them stripped (git filter nbstripout)"; \
	fi

# Both locks again from pyproject.toml, the newest versions that fit; the development lock is
# resolved within the runtime lock's versions.
lock: $(DEV)
	$(UV) pip compile --quiet --universal --python-version 3.11 --extra notebooks --upgrade pyproject.toml -o requirements.lock
	$(UV) pip compile --quiet --universal --python-version 3.11 --extra dev --upgrade -c requirements.lock pyproject.toml \
		-o requirements-dev.lock

# The executable article: fails loudly if any cell fails; the run's data goes to $(OUT). The
# terminal shows each section as it starts, the long cells' progress, and where the article went.
# GIL_RUN=path/to/a/gil/run gives its section "Without the GIL" that run's data (by default the
# newest run under data/gil-reference/, if there is one).
# RUN=path/to/a/run and LOAD_RUN=path/to/a/load/run build it from runs made before instead of
# measuring them (a committed reference run, or what make run and make load made): seconds.
article: $(RUNTIME)
	@mkdir -p $(BUILD)
	@$(PY) -m bench.frontends.notebook notebooks/article.ipynb $(BUILD)/article.ipynb --cwd notebooks \
		-p preset $(PRESET) -p out $(abspath $(OUT)) $(if $(GIL_RUN),-p gil_run $(abspath $(GIL_RUN))) \
		$(if $(RUN),-p run $(abspath $(RUN))) $(if $(LOAD_RUN),-p load_run $(abspath $(LOAD_RUN)))
	@$(MAKE) --no-print-directory -j2 article-html article-reader-html
	@$(PY) -m bench.frontends.reading_check $(BUILD)/article-reader.html
	@echo "built $(BUILD)/article.html (with code) and $(BUILD)/article-reader.html (for readers)"

# The executed article as HTML, with its code and without (side by side: make article runs both);
# nbconvert says only what goes wrong; notebooks/article.html.j2 gives each figure its alt text.
article-html:
	@$(VENV)/bin/jupyter nbconvert --log-level=WARN --to html --template-file notebooks/article.html.j2 $(BUILD)/article.ipynb --output article.html

article-reader-html:
	@$(VENV)/bin/jupyter nbconvert --log-level=WARN --to html --template-file notebooks/article.html.j2 --no-input --TagRemovePreprocessor.remove_cell_tags=raw $(BUILD)/article.ipynb --output article-reader.html

run: $(RUNTIME)
	$(PY) -m bench run --preset $(PRESET) --out $(OUT)
	$(PY) -m bench report --latest --out $(OUT)

report: $(RUNTIME)
	$(PY) -m bench report $(if $(RUN),$(RUN),--latest --out $(OUT))

# Every test once: on four workers (two cores: many tests wait on servers, browsers and kernels),
# each test file on one of them, longest first in the order tests/conftest.py gives (the README's
# commands share the article's fixed ports, one at a time); then the tests marked alone, which time work on
# both cores, with nothing else running. It ends with how long the tests took (the install
# before them not counted) and the counts of both calls on the last line; a failure fails it.
TEST_RESULTS := $(BUILD)/test-results
#: The test files, in every folder of tests/, that have tests marked alone (collecting only them:
#: seconds less than the whole suite).
ALONE_FILES = $(sort $(shell grep -rl --include="test_*.py" "mark\.alone" tests))
#: The files whose every test is slow: make test-fast does not even import them (hypothesis and
#: schemathesis take 2.6 s to import, in each worker), nor load hypothesis's pytest plugin. Its
#: short tests spend much of their time waiting on servers they start: four workers on two cores.
SLOW_FILES = $(sort $(shell grep -rl --include="test_*.py" "^pytestmark = pytest\.mark\.slow" tests))
# The tests write bytecode (PYTHONDONTWRITEBYTECODE set empty, where a machine sets it): pytest
# keeps each test file with its asserts rewritten, and each of the many Python processes the
# tests start reads bench and servers compiled, instead of doing both again every time.
test test-fast test-deep: export PYTHONDONTWRITEBYTECODE :=
test: $(DEV)
	@mkdir -p $(TEST_RESULTS) && rm -f $(TEST_RESULTS)/*.xml
	@start=$$(date +%s); status=0; \
	$(PY) -m pytest -n 4 --dist loadfile --no-loadscope-reorder -m "not alone" --junitxml=$(TEST_RESULTS)/others.xml || status=1; \
	$(PY) -m pytest -m alone --junitxml=$(TEST_RESULTS)/alone.xml $(ALONE_FILES) || status=1; \
	$(PY) -m tests.tally --seconds $$(( $$(date +%s) - start )) $(TEST_RESULTS)/others.xml $(TEST_RESULTS)/alone.xml \
		|| status=1; \
	exit $$status

# The tests that repeat something many times, at their full sizes (make test runs reduced
# ones): 500 generated requests per route and framework, 200 thread and 20 process start/stop
# cycles per framework. Run it before a change to the servers, their launch or their checks.
test-deep: $(DEV)
	$(PY) -m pytest -n 2 --dist loadfile --deep -m "deep and not alone"
	$(PY) -m pytest --deep -m "deep and alone"

test-fast: $(DEV)
	$(PY) -m pytest -n 4 --dist loadfile --no-loadscope-reorder -m "not slow" -p no:hypothesispytest $(addprefix --ignore=,$(SLOW_FILES))

lint: $(DEV)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# JupyterLab works on copies in $(LAB)/ (git ignores them), so that what you run, change and
# save there leaves the committed notebooks as they are; a copy is made when it is missing.
# It refuses to run as root unless told to: a container or a workshop VM is root.
LAB ?= lab
LAB_ARGS ?=
lab: $(RUNTIME)
	@mkdir -p $(LAB)
	@for nb in notebooks/*.ipynb; do \
		copy=$(LAB)/$$(basename $$nb); \
		if [ ! -e $$copy ]; then cp $$nb $$copy && echo "make lab: $$copy is a fresh copy of $$nb"; \
		elif [ $$nb -nt $$copy ]; then echo "make lab: $$nb changed since your copy was made: delete $$copy to get the new one"; fi; \
	done
	@echo "make lab: JupyterLab works on your copies in $(LAB)/; git ignores them and the committed notebooks stay as they are"
	@if [ "$$(id -u)" = 0 ]; then echo "make lab: running as root (as in a container): --allow-root lets JupyterLab start; it listens on 127.0.0.1 only" >&2; fi
	$(VENV)/bin/jupyter lab --notebook-dir=$(LAB) --ServerApp.ip=127.0.0.1 $(LAB_ARGS) $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi)

load: $(RUNTIME)
	$(PY) -m bench load --preset $(LOAD_PRESET) --out $(OUT)

load-locust: $(DEV)
	$(PY) -m bench external --framework $(FRAMEWORK) --clients $(USERS) --duration $(SECONDS) --out $(OUT)

serve-flask: $(RUNTIME)
	$(PY) -m servers flask

serve-fastapi: $(RUNTIME)
	$(PY) -m servers fastapi

clean-venv:
	rm -rf $(VENV)

# A free-threaded CPython (no GIL), made once per machine in a user cache outside the clone, and
# .venv-ft/: a venv of it with the server side (requirements-ft.lock) and this project. Servers
# run under it with `python -m servers flask --python .venv-ft/bin/python`. Does nothing when
# .venv-ft is up to date; see scripts/freethreaded.sh for the routes it takes.
.PHONY: freethreaded
freethreaded: $(RUNTIME)
	@UV=$(UV) bash scripts/freethreaded.sh
