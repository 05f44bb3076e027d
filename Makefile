# make demo: set up, then grade the demo class with the autograder.  make test: set up, then every check.
VENV := .venv
BIN := $(abspath $(VENV))/bin
# nbgrader starts alembic by name, so the environment's bin/ goes first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: demo test build check system-packages

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# Build matplotlib's font cache now, so that no notebook cell writes its notice to stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

# Debian packages: bubblewrap, the autograder's sandbox (it runs without it, loudly weaker), and
# postgresql, the real gradebook server the tests start. Installed only when missing (needs root).
system-packages:
	@missing=""; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		apt-get update -qq -o DPkg::Lock::Timeout=600 && \
		apt-get install -y -qq -o DPkg::Lock::Timeout=600 $$missing; \
	fi

demo: $(VENV)/.installed system-packages
	python -m autograder demo

test: $(VENV)/.installed system-packages
	ruff check .
	ruff format --check .
	python -m pytest

build: $(VENV)/.installed
	python -m course build

check: $(VENV)/.installed
	python -m course check
