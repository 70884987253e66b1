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

.PHONY: lab test grade bench exercises outputs update clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@# No "news" pop-up asking to fetch announcements from the internet.
	$(BIN)/jupyter labextension disable --level=sys_prefix "@jupyterlab/apputils-extension:announcements" >/dev/null
	touch $@

## lab: make my-work/ (your copies of the exercises) on first use, then start JupyterLab on the start page
lab: $(STAMP)
	-$(BIN)/smworkbook my-work --root "$(LAB_ROOT)"
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

## grade: run your my-work/ in fresh kernels and print your score (GRADE=solutions to grade another folder)
GRADE ?= my-work
grade: $(STAMP)
	$(if $(filter my-work,$(GRADE)),$(BIN)/smworkbook my-work)
	$(BIN)/smworkbook grade $(GRADE)

## bench: measure speed and memory against baselines (writes bench/results.md and bench/results.json)
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_FLAGS)

## exercises: regenerate exercises/ from solutions/ (a notebook with edits is left alone, never overwritten)
exercises: $(STAMP)
	$(BIN)/smworkbook exercises

## outputs: for authors: re-run notebooks/ and solutions/, store their outputs, regenerate exercises/
# (OUTPUTS=PATH... re-runs only those; my-work/ is never touched)
OUTPUTS ?= notebooks/*.ipynb solutions/*.ipynb
outputs: $(STAMP)
	$(BIN)/smworkbook outputs $(OUTPUTS)
	$(BIN)/smworkbook exercises

## update: git pull the workbook's new version, then add new and corrected exercises to your my-work/
update: $(STAMP)
	$(BIN)/smworkbook update

clean:
	rm -rf $(VENV) build helpers/*.egg-info
