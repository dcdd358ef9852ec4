# Everything runs from a virtual environment at .venv, created on first use.
# Bytecode is compiled at install time: where PYTHONDONTWRITEBYTECODE is set (as on our CI
# machines), Python would otherwise compile every imported module again in every process it
# starts (the flow, each Dask worker, the Prefect server): about 4 s of CPU each.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: setup run ui test bench perf clean-venv

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -U pip uv
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -e '.[pipeline,dev]'
	$(PY) -m compileall -q cleaners flows schemas
	touch $(STAMP)

setup: $(STAMP)

# The main job on the embedded defaults: the flow over the fixture inbox into data/articles.db.
run: setup
	$(PY) -m flows run

# A local Prefect server with its UI, serving the scheduled and the rerun deployment.
ui: setup
	$(PY) -m flows ui

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# Cleaning quality against plain trafilatura on ../shared/bench (pass ARGS="--limit 50" to shorten).
bench: setup
	$(PY) bench/quality.py $(ARGS)

# Speed, throughput and memory against plain trafilatura (pass ARGS="--limit 60 --articles 500" to shorten).
perf: setup
	$(PY) bench/perf.py $(ARGS)

clean-venv:
	rm -rf $(VENV)
