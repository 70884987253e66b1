# The workbook's commands. `make lab` to learn, `make test` to prove it all works.
# Both create the Python environment in .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# uv installs the lock (uv.lock) in seconds; it is bootstrapped from PyPI into the project's own .venv/.uv
# (never a download script, never the system Python). `make lab INSTALLER=pip` uses pip and requirements/*.txt
# (the same lock, with hashes) instead.
UV_VERSION := 0.13.9
UV := $(VENV)/.uv/bin/uv
INSTALLER ?= uv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
# Extra flags for `make lab`, e.g. LAB_FLAGS="--no-browser --port=9999".
LAB_FLAGS ?=
# The folder JupyterLab serves (the browser test serves a throwaway copy of the notebooks).
LAB_ROOT ?= $(CURDIR)
# Jupyter refuses to run as root unless told to (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# pytest's workers (pytest-xdist): tests mostly wait on kernels, mocks and databases, so one more than the cores
# pays off. --dist loadfile keeps a file's tests on one worker: a notebook's cells run in order in one kernel.
TEST_WORKERS ?= 3

# JupyterHub's proxy (configurable-http-proxy, from npm, as tests/hub/package-lock.json pins it) for the hub test
# (tests/test_hub.py) and the classroom benchmark; installed into tests/hub/node_modules, never globally.
HUB_PROXY := tests/hub/node_modules/.bin/configurable-http-proxy

.PHONY: lab test docs check-lesson grade bench mutate exercises outputs update lock test-pythons clean

# The virtual environment, made by the Python you run make with, after checking it is one the workbook supports.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 14) else f"The workbook needs Python 3.11 to 3.14; $(PYTHON) is {v[0]}.{v[1]}. Run make again with one of those, e.g. make lab PYTHON=python3.13")'
	@$(PYTHON) -m venv $(VENV) >/dev/null 2>&1 || { rm -rf $(VENV); \
	  echo "Python's venv module is missing: install it with sudo apt install python3-venv (Debian, Ubuntu), then run make again."; exit 1; }

# pip only bootstraps uv; uv installs the rest, so pip and setuptools leave the environment afterwards
# (in a notebook, `!.venv/.uv/bin/uv pip install NAME` installs a package of your own).
$(UV): | $(BIN)/python
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --target $(VENV)/.uv "uv==$(UV_VERSION)"
	$(BIN)/python -m pip uninstall --quiet --yes pip setuptools 2>/dev/null

# The learner's set (make lab), and the learner's set plus the test tools (make test), exactly as uv.lock has them.
# --locked: stop when pyproject.toml and uv.lock disagree (run `make lock`).
$(VENV)/.lab: uv.lock pyproject.toml | $(BIN)/python
ifeq ($(INSTALLER),pip)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/lab.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
else
	$(MAKE) --no-print-directory $(UV)
	@# A fresh environment gets the learner's set exactly (pip, which only bootstrapped uv, goes); test tools
	@# that `make test` added are kept.
	$(UV) sync --locked --no-dev $(if $(wildcard $(VENV)/.test),--inexact,) --quiet
endif
	@# No "news" pop-up asking to fetch announcements from the internet.
	$(BIN)/jupyter labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements" >/dev/null 2>&1
	touch $@

$(VENV)/.test: uv.lock pyproject.toml | $(BIN)/python
ifeq ($(INSTALLER),pip)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
else
	$(MAKE) --no-print-directory $(UV)
	$(UV) sync --locked --quiet
endif
	$(BIN)/jupyter labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements" >/dev/null 2>&1
	touch $@ $(VENV)/.lab

## lab: make my-work/ (your copies of the exercises) on first use, then start JupyterLab on the start page
# Kernels talk over Unix sockets in Jupyter's private runtime folder (~/.local/share/jupyter/runtime, 0700), not
# loopback TCP, whose ports any user of the machine can connect to (tests/test_kernel_channels.py).
lab: $(VENV)/.lab
	-$(BIN)/smworkbook my-work --root "$(LAB_ROOT)"
	$(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 \
	  --ServerApp.root_dir="$(LAB_ROOT)" \
	  --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
	  --LabApp.news_url=None \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --KernelManager.transport=ipc \
	  $(ROOT_FLAG) $(LAB_FLAGS)

$(HUB_PROXY): tests/hub/package.json tests/hub/package-lock.json
	@command -v npm >/dev/null || { echo "The hub test needs Node.js 20+ and npm: sudo apt install nodejs npm (Debian, Ubuntu)."; exit 1; }
	npm ci --prefix tests/hub --no-audit --no-fund --loglevel=error
	touch $@

## test: the website, lint, unit tests, notebooks and solutions under nbval, exercises in sync and failing when unsolved
test: $(VENV)/.test $(HUB_PROXY) docs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --nbval --nbval-sanitize-with tests/sanitize.cfg tests notebooks solutions

## docs: build the website (the guides in docs/, every lesson and exercise notebook with its stored outputs, never
## run) into build/site, offline; a warning fails it, so does a link to a guide, notebook or section that is not there
docs: $(VENV)/.test
	$(BIN)/sphinx-build -c docs -E -W --keep-going -n -q -b html -d build/doctrees . build/site

## check-lesson: for authors: one lesson's quick loop, L=3 (lint, its checks' tests, its notebooks under nbval and in
## kernels, the exercises in sync, the authoring rules: tests/test_conventions.py, docs/authoring-rules.md)
L ?=
check-lesson: $(VENV)/.test
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

## bench: measure speed and memory against baselines (writes bench/results.md and bench/results.json)
bench: $(VENV)/.test $(HUB_PROXY)
	$(BIN)/python bench/run.py $(BENCH_FLAGS)

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
outputs: $(VENV)/.test
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
	$(BIN)/jupyter labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements" >/dev/null 2>&1
	touch $(VENV)/.test $(VENV)/.lab
	$(BIN)/python tools/lockfiles.py

clean:
	rm -rf $(VENV) build helpers/*.egg-info

## test-pythons: `make test` on every Python 3.11-3.14 this machine has, each in its own .venv-3.X, with no
## PostgreSQL on PATH (slow: not part of CI; .github/workflows/pythons.yml runs the same on Linux and macOS)
test-pythons:
	$(PYTHON) tools/test_pythons.py $(PYTHONS)
