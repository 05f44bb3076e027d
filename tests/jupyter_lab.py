"""JupyterLab on loopback and Debian's Chromium under Playwright, for the browser tests
(tests/test_browser.py: the student's path; tests/test_formgrader.py: the grader's)."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright downloads no browser here
# As root, Chromium needs --no-sandbox; without the network flags it keeps trying to reach Google's
# hosts, and this machine's closed network refuses its connections. Playwright gives it a fresh profile.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START = 180  # s: JupyterLab takes 5-20 s to answer on a busy 2-core machine


@dataclass(frozen=True)
class Lab:
    base_url: str
    token: str
    root: Path  # the server's root folder

    def url(self, notebook: str, workspace: str) -> str:
        # A workspace of its own per page, so that no page reopens the notebooks of the one before.
        return f"{self.base_url}/lab/workspaces/{workspace}/tree/{notebook}?token={self.token}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(f"{self.base_url}/{path}", method=method)
        request.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_environment(home: Path) -> dict[str, str]:
    """Jupyter's per-user folders inside `home`: the machine's user settings do not count. Extensions
    stay as pip installed them: nbgrader's server extensions are enabled in the environment's
    etc/jupyter, its lab extension in share/jupyter/labextensions."""
    env = dict(os.environ)
    for name, folder in [
        ("JUPYTER_CONFIG_DIR", "config"),
        ("JUPYTER_DATA_DIR", "data"),
        ("JUPYTER_RUNTIME_DIR", "runtime"),
        ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
        ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
    ]:
        env[name] = str(home / folder)
    # No "would you like news?" notice over the page, and no update check.
    settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return env


def wait_until_up(lab: Lab, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {server.returncode}:\n{log.read_text()[-3000:]}", pytrace=False)
        try:
            lab.api("api/status")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {SERVER_START} s:\n{log.read_text()[-3000:]}", pytrace=False)


@contextlib.contextmanager
def running_lab(root: Path, cwd: Path, home: Path):
    """JupyterLab serving `root`, started in `cwd` (where nbgrader's extensions read
    nbgrader_config.py), with a token and Jupyter's user folders in `home`; stopped on exit."""
    env = jupyter_environment(home)
    port, token = free_port(), os.urandom(16).hex()
    lab = Lab(f"http://127.0.0.1:{port}", token, root)
    log = home / "jupyterlab.log"
    command = [
        *(sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser"),
        *("--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0"),
        *(f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", f"--ServerApp.root_dir={root}"),
    ]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(lab, server, log)
        yield lab
    finally:
        try:
            lab.api("api/shutdown", "POST")  # stops the kernels too
            server.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):  # URLError is an OSError
            server.kill()
            server.wait()


@contextlib.contextmanager
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Install it with `make system-packages` (apt-get install chromium, as root).",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Steps:
    """Numbered screenshots of one test: `<test>-<n>-<step>.png`."""

    def __init__(self, page: Page, folder: Path, name: str):
        self.page, self.folder, self.name, self.count = page, folder, name, 0

    def shot(self, step: str) -> None:
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.name}-{self.count}-{step}.png")
