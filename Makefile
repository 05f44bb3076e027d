# make demo: set up, then grade the demo class with the autograder.  make test: set up, then every check.
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader starts alembic by name, so the environment's bin/ goes first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test build check sandbox browser system-packages

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# Build matplotlib's font cache now, so that no notebook cell writes its notice to stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

# Debian packages, installed with apt-get (as root) when missing.
system-packages: sandbox browser

# The autograder's sandbox: bubblewrap (the autograder also runs without it, loudly weaker).
sandbox:
	@command -v bwrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; }

# The browser test's Chromium (Playwright drives /usr/bin/chromium and downloads no browser). Without it,
# tests/test_browser.py fails and says so; the other tests still run.
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "Could not install Debian's chromium: tests/test_browser.py will fail." >&2

demo: $(VENV)/.installed sandbox
	python -m autograder demo

test: $(VENV)/.installed system-packages
	ruff check .
	ruff format --check .
	python -m pytest

build: $(VENV)/.installed
	python -m course build

check: $(VENV)/.installed
	python -m course check
