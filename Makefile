# make demo: set up and grade a sample class.  make test: set up and run every check.
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader starts alembic by name, so the environment's bin/ goes first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test build check

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# Build matplotlib's font cache now, so that no notebook cell writes its notice to stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

demo: $(VENV)/.installed
	python -m course demo

test: $(VENV)/.installed
	ruff check .
	ruff format --check .
	python -m pytest

build: $(VENV)/.installed
	python -m course build

check: $(VENV)/.installed
	python -m course check
