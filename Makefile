# The workbook's commands. `make lab` to learn, `make test` to prove it all works.
# Both create the Python environment in .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# uv installs the lock (uv.lock) in seconds. It lives in the project's own .venv/.uv, never in the system Python and
# never from a download script: tools/setup_venv.py takes the copy kept in the user's cache folder, a uv on PATH of
# this version, or PyPI through pip run from its own wheel. `make lab INSTALLER=pip` uses pip and requirements/*.txt
# (the same lock, with hashes) instead.
UV_VERSION := 0.13.9
UV := $(VENV)/.uv/bin/uv
INSTALLER ?= uv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
# Extra flags for `make lab`, e.g. LAB_FLAGS="--no-browser --port=9999".
LAB_FLAGS ?=
# JupyterLab says only warnings and the address to open (LAB_LOG_LEVEL=INFO: its whole log).
LAB_LOG_LEVEL ?= WARN
# The folder JupyterLab serves (the browser test serves a throwaway copy of the notebooks).
LAB_ROOT ?= $(CURDIR)
# Jupyter refuses to run as root unless told to (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# pytest's workers (pytest-xdist): the suite is CPU-bound (kernels, mocks, Chromium), but some tests wait (a grader's
# time limit, a cache's jitter): on 2 cores, 4 workers took 483 s (the CPUs 2% idle), 3 workers 514 s, in the same
# clone one run after the other (docs/maintainer.md). --dist loadfile keeps a file's tests on one worker (a
# notebook's cells run in order, a module's fixtures start once), except in files marked `spread` (tests/conftest.py).
TEST_WORKERS ?= 4

# JupyterHub's proxy (configurable-http-proxy, from npm, as tests/hub/package-lock.json pins it) for the hub test
# (tests/test_hub.py) and the classroom benchmark; installed into tests/hub/node_modules, never globally.
HUB_PROXY := tests/hub/node_modules/.bin/configurable-http-proxy

.PHONY: lab test test-lite lite docs check-lesson grade bench bench-quick mutate exercises outputs update lock test-pythons clean

# The virtual environment, made by the Python you run make with, after checking it is one the workbook supports.
# Without pip: uv installs into it (ensurepip alone took longer than installing the whole lock from uv's cache).
$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 14) else f"The workbook needs Python 3.11 to 3.14; $(PYTHON) is {v[0]}.{v[1]}. Run make again with one of those, e.g. make lab PYTHON=python3.13")'
	@echo "Making $(VENV), the workbook's own Python environment (once)."
	@$(PYTHON) -m venv $(VENV) --without-pip >/dev/null 2>&1 || { rm -rf $(VENV); \
	  echo "Python's venv module is missing: install it with sudo apt install python3-venv (Debian, Ubuntu), then run make again."; exit 1; }

# uv for this environment, outside its packages (in a notebook, `!.venv/.uv/bin/uv pip install NAME` installs a
# package of your own).
$(UV): | $(BIN)/python
	@$(BIN)/python tools/setup_venv.py uv $(UV_VERSION) $(VENV)/.uv

# The learner's set (make lab), and the learner's set plus the test tools (make test), exactly as uv.lock has them.
# --locked: stop when pyproject.toml and uv.lock disagree (run `make lock`).
$(VENV)/.lab: uv.lock pyproject.toml helpers/smworkbook_kernel/__main__.py | $(BIN)/python
ifeq ($(INSTALLER),pip)
	@echo "Installing requirements/lab.txt (uv.lock's pins, with hashes) into $(VENV) with pip (once: minutes)."
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/lab.txt
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
else
	@$(MAKE) --no-print-directory $(UV)
	@echo "Installing the learner's packages from uv.lock into $(VENV) (once: seconds from uv's cache, a minute or more the first time on a machine)."
	@# A fresh environment gets the learner's set exactly; test tools that `make test` added are kept.
	@$(UV) sync --locked --no-dev $(if $(wildcard $(VENV)/.test),--inexact,) 2>$(VENV)/.install.log \
	  || { cat $(VENV)/.install.log; exit 1; }
	@sed -n -e 's/^Installed /  installed /p' -e '/^warning/p' $(VENV)/.install.log
endif
	@# No "news" pop-up asking to fetch announcements from the internet.
	@$(BIN)/python tools/setup_venv.py lab-settings
	@# Every kernel loads the workbook's IPython extension (after a restart, a NameError says which cell to run).
	@$(BIN)/python -m smworkbook_kernel >/dev/null
	@touch $@

$(VENV)/.test: uv.lock pyproject.toml helpers/smworkbook_kernel/__main__.py | $(BIN)/python
ifeq ($(INSTALLER),pip)
	@echo "Installing requirements/test.txt (uv.lock's pins, with hashes) into $(VENV) with pip (once: minutes)."
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/test.txt
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
else
	@$(MAKE) --no-print-directory $(UV)
	@echo "Installing the learner's packages and the test tools from uv.lock into $(VENV) (once)."
	@$(UV) sync --locked 2>$(VENV)/.install.log || { cat $(VENV)/.install.log; exit 1; }
	@sed -n -e 's/^Installed /  installed /p' -e '/^warning/p' $(VENV)/.install.log
endif
	@$(BIN)/python tools/setup_venv.py lab-settings
	@# Every kernel loads the workbook's IPython extension (after a restart, a NameError says which cell to run).
	@$(BIN)/python -m smworkbook_kernel >/dev/null
	@touch $@ $(VENV)/.lab

# make test's ~200 kernels and servers import boto3, moto and Jupyter from .pyc files compiled here, once. Where
# PYTHONDONTWRITEBYTECODE is set (CI machines), Python never writes them itself and each process compiles them again:
# 1.45 s of CPU for a kernel's imports instead of 0.63 s. (Not in make lab, whose install stays seconds: Python
# writes them as it goes where it may.)
$(VENV)/.compiled: $(VENV)/.test
	@echo "Compiling the environment's Python files (once: make test's kernels then start faster)."
	@# A file that does not compile (none today) is no reason to stop: Python reports it where it is imported.
	@$(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true
	@touch $@

## lab: make my-work/ (your copies of the exercises) on first use, then start JupyterLab on the start page
# Kernels talk over Unix sockets in Jupyter's private runtime folder (~/.local/share/jupyter/runtime, 0700), not
# loopback TCP, whose ports any user of the machine can connect to (tests/test_kernel_channels.py).
lab: $(VENV)/.lab
	@-$(BIN)/smworkbook my-work --root "$(LAB_ROOT)"
	@echo "Starting JupyterLab on notebooks/00_start_here.ipynb: it opens in your browser, or open the address below. Ctrl+C stops it."
	@$(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 \
	  --ServerApp.root_dir="$(LAB_ROOT)" \
	  --Application.log_level=$(LAB_LOG_LEVEL) \
	  --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
	  --LabApp.news_url=None \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --KernelManager.transport=ipc \
	  $(ROOT_FLAG) $(LAB_FLAGS)

$(HUB_PROXY): tests/hub/package.json tests/hub/package-lock.json
	@command -v npm >/dev/null || { echo "The hub test needs Node.js 20+ and npm: sudo apt install nodejs npm (Debian, Ubuntu)."; exit 1; }
	npm ci --prefix tests/hub --no-audit --no-fund --loglevel=error
	touch $@

## test: the website, lint, unit tests, notebooks and solutions under nbval (offline: tests/test_no_network.py),
## exercises in sync and failing when unsolved
test: $(VENV)/.compiled $(HUB_PROXY) docs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile tests --ignore=tests/test_lite.py

# The browser edition's build tools (the `lite` dependency group of uv.lock), on top of the test set.
$(VENV)/.lite: $(VENV)/.test
	$(UV) sync --locked --inexact --group lite --quiet
	touch $@

# Pyodide's core from npm, as tools/lite/package-lock.json pins it.
PYODIDE := tools/lite/node_modules/pyodide/pyodide.mjs
$(PYODIDE): tools/lite/package.json tools/lite/package-lock.json
	@command -v npm >/dev/null || { echo "The browser edition needs Node.js 20+ and npm: sudo apt install nodejs npm (Debian, Ubuntu)."; exit 1; }
	npm ci --prefix tools/lite --no-audit --no-fund --loglevel=error
	touch $@

## lite: build the browser edition of lessons 1-3 (JupyterLite, Python and the mock in the page) into build/lite,
## from uv.lock's wheels and npm's Pyodide only (tools/build_lite.py); serve it with any static web server
lite: $(VENV)/.lite $(PYODIDE)
	$(BIN)/python tools/build_lite.py

## test-lite: build the browser edition, then run lessons 1-3 and the exercises of lessons 2-3 in it in Chromium
## with nothing but 127.0.0.1 reachable (3-10 minutes here: each notebook starts a Pyodide kernel; not in `make test`)
test-lite: lite
	$(BIN)/pytest tests/test_lite.py

## docs: build the website (the guides in docs/, every lesson and exercise notebook with its stored outputs, never
## run) into build/site, offline; a warning fails it, so does a link to a guide, notebook or section that is not there
docs: $(VENV)/.test
	$(BIN)/sphinx-build -c docs -E -W --keep-going -n -q -b html -d build/doctrees . build/site

## check-lesson: for authors: one lesson's quick loop, L=3 (lint, its checks' tests, its notebooks under nbval and in
## kernels, the exercises in sync, the authoring rules: tests/test_conventions.py, docs/authoring-rules.md)
L ?=
check-lesson: $(VENV)/.compiled
	@TEST_WORKERS=$(TEST_WORKERS) $(BIN)/python tools/check_lesson.py "$(L)" --print >/dev/null
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@TEST_WORKERS=$(TEST_WORKERS) $(BIN)/python tools/check_lesson.py "$(L)"

## grade: run your my-work/ in fresh kernels and print your score (GRADE=solutions to grade another folder); it
## ends with what to do next and succeeds whatever the score, unless GRADE_FLAGS=--strict or CI=true (for CI)
GRADE ?= my-work
GRADE_FLAGS ?=
grade: $(VENV)/.lab
	$(if $(filter my-work,$(GRADE)),$(BIN)/smworkbook my-work)
	$(BIN)/smworkbook grade $(GRADE) $(GRADE_FLAGS)

## bench: measure speed and memory against baselines, saying which part runs; each part's figures go to
## bench/results.json and bench/results.md as it ends (BENCH_FLAGS="--only lab" measures one part)
bench: $(VENV)/.test $(HUB_PROXY)
	$(BIN)/python bench/run.py $(BENCH_FLAGS)

## bench-quick: the ratios to their baselines without the notebooks, the class, the hub and the fresh clone's suite:
## the set-up cell, calls, the server and `make lab` against its floor (a few minutes)
bench-quick: $(VENV)/.test
	$(BIN)/python bench/run.py --quick $(BENCH_FLAGS)

## mutate: mutation testing of the corrections, policy evaluation, access, rotation, grading and the checks, each
## module against its own tests (tools/mutate.py; ~1 hour on 2 cores); MODULES="toolkit/access checks/lesson02" runs some
## and updates only their results; writes bench/mutation/*.json and bench/mutation/report.md
MODULES ?=
mutate: $(VENV)/.test
	nice -n 10 $(BIN)/python tools/mutate.py $(MODULES) $(MUTATE_FLAGS)

## exercises: regenerate exercises/ from solutions/ (a notebook with edits is left alone, never overwritten)
exercises: $(VENV)/.lab
	$(BIN)/smworkbook exercises

## outputs: for authors: re-run notebooks/ and solutions/, store their outputs, regenerate exercises/
# (OUTPUTS=PATH... re-runs only those; my-work/ is never touched)
OUTPUTS ?= notebooks/*.ipynb solutions/*.ipynb
outputs: $(VENV)/.compiled
	$(BIN)/smworkbook outputs $(OUTPUTS)
	$(BIN)/smworkbook exercises

## update: git pull the workbook's new version, then add new and corrected exercises to your my-work/
update: $(VENV)/.lab
	$(BIN)/smworkbook update

## lock: re-resolve uv.lock after a change to pyproject.toml (LOCK_FLAGS=--upgrade for the newest releases),
## then regenerate requirements/, environment.yml and binder/environment.yml from it
# Not through .venv/.test: after an edit to pyproject.toml that target's `uv sync --locked` refuses the stale lock.
lock: | $(BIN)/python
	$(MAKE) --no-print-directory $(UV)
	$(UV) lock $(LOCK_FLAGS)
	$(UV) sync --locked --quiet
	$(BIN)/python tools/setup_venv.py lab-settings
	touch $(VENV)/.test $(VENV)/.lab
	$(BIN)/python tools/lockfiles.py

clean:
	rm -rf $(VENV) build helpers/*.egg-info

## test-pythons: `make test` on every Python 3.11-3.14 this machine has, each in its own .venv-3.X, with no
## PostgreSQL on PATH (slow: not part of CI; .github/workflows/pythons.yml runs the same on Linux and macOS)
test-pythons:
	$(PYTHON) tools/test_pythons.py $(PYTHONS)
