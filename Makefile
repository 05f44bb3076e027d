# make demo: set up, then grade the demo class with the autograder.  make test: set up, then every check.
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader starts alembic by name, so the environment's bin/ goes first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test build check sandbox

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# Build matplotlib's font cache now, so that no notebook cell writes its notice to stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

# The autograder's sandbox: bubblewrap from Debian (the autograder also runs without it, loudly weaker).
sandbox:
	@command -v bwrap >/dev/null || { apt-get update -qq -o DPkg::Lock::Timeout=600 && apt-get install -y -qq -o DPkg::Lock::Timeout=600 bubblewrap; }

demo: $(VENV)/.installed sandbox
	python -m autograder demo

test: $(VENV)/.installed sandbox
	ruff check .
	ruff format --check .
	python -m pytest

build: $(VENV)/.installed
	python -m course build

check: $(VENV)/.installed
	python -m course check
