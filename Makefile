# The workbook's commands. `make lab` to learn, `make test` to prove it all works.
# Both create the Python environment in .venv on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra flags for `make lab`, e.g. LAB_FLAGS="--no-browser --port=9999".
LAB_FLAGS ?=
# The folder JupyterLab serves (the browser test serves a throwaway copy of the notebooks).
LAB_ROOT ?= $(CURDIR)
# Jupyter refuses to run as root unless told to (containers, CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test grade bench exercises outputs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@# No "news" pop-up asking to fetch announcements from the internet.
	$(BIN)/jupyter labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements" >/dev/null
	touch $@

## lab: start JupyterLab on the start page (notebooks/00_start_here.ipynb)
lab: $(STAMP)
	$(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 \
	  --ServerApp.root_dir="$(LAB_ROOT)" \
	  --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb \
	  --LabApp.news_url=None \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  $(ROOT_FLAG) $(LAB_FLAGS)

## test: lint, unit tests, notebooks and solutions under nbval, exercises in sync and failing when unsolved
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest --nbval --nbval-sanitize-with tests/sanitize.cfg tests notebooks solutions

## grade: run your exercises/ in fresh kernels and print your score (GRADE=solutions to grade another folder)
GRADE ?= exercises
grade: $(STAMP)
	$(BIN)/smworkbook grade $(GRADE)

## bench: measure speed and memory against baselines (writes bench/results.md and bench/results.json)
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_FLAGS)

## exercises: regenerate exercises/ from solutions/
exercises: $(STAMP)
	$(BIN)/smworkbook exercises

## outputs: re-run notebooks/ and solutions/ and store their outputs, then regenerate exercises/
outputs: $(STAMP)
	$(BIN)/smworkbook outputs notebooks/*.ipynb solutions/*.ipynb
	$(BIN)/smworkbook exercises

clean:
	rm -rf $(VENV) build helpers/*.egg-info
