# make demo: set up, then grade the demo class with the autograder.  make test: set up, then every check.
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader starts alembic by name, so the environment's bin/ goes first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test build check sandbox system-packages

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# Build matplotlib's font cache now, so that no notebook cell writes its notice to stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

# Debian packages, installed with apt-get (as root) when missing; apt's lock is waited for.
APT = apt-get update -qq -o DPkg::Lock::Timeout=600 && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600

# bubblewrap: the autograder's sandbox (the autograder also runs without it, loudly weaker).
sandbox:
	@command -v bwrap >/dev/null || { $(APT) bubblewrap; }

# For the tests also postgresql (the real gradebook server they start), Chromium (driven by
# Playwright in tests/test_browser.py, which fails and says so when it is missing), and Debian's
# python3-numpy: the tests of the sandbox without bubblewrap run student code as an unprivileged
# user, who cannot run a venv kept under /root.
system-packages: sandbox
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(APT) postgresql; }
	@test -d /usr/lib/python3/dist-packages/numpy || { $(APT) python3-numpy; }
	@test -x /usr/bin/chromium || { $(APT) chromium; } || echo "Could not install Debian's chromium: tests/test_browser.py will fail." >&2

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
