"""E2E fixtures: a real `osteon serve --demo` on loopback and a headless Debian Chromium (Playwright)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD, IN_CI

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
STATIC_INDEX = Path(__file__).resolve().parents[2] / "src" / "osteon" / "static" / "index.html"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream", "--allow-loopback-in-peer-connection",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything in tests/e2e is an E2E test."""
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require(condition: bool, why: str) -> None:
    """With CI=true a missing component fails the run; locally it skips with the reason."""
    if not condition:
        if IN_CI:
            pytest.fail(why)
        pytest.skip(why)


DATA_DIRS: dict[str, Path] = {}  # base URL of a running test server -> its data dir (SQLite file, logs)


def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `osteon serve --demo` process with its own data dir, on a free loopback port."""
    _require(STATIC_INDEX.exists(), "front end not built (make frontend)")
    data = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    env = {**os.environ, "OSTEON_DEMO_PASSWORD": DEMO_PASSWORD}
    env.pop("OSTEON_DATABASE_URL", None)
    base = f"http://127.0.0.1:{port}"
    DATA_DIRS[base] = data
    with open(data / "server.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "osteon.cli", "serve", "--demo", "--data-dir", str(data),
                                 "--port", str(port), "--dicom-port", "0"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(150):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None:
                    raise RuntimeError((data / "server.log").read_text())
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            DATA_DIRS.pop(base, None)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shared demo server. A test that uses up demo state others rely on (the doctor's waiting queue)
    overrides this fixture in its module with a server of its own: ``yield from serve(tmp_path_factory)``."""
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    _require(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies) in zh-CN."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 850})
    pg = context.new_page()
    yield pg
    context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
