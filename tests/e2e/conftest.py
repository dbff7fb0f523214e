"""Browser fixtures: Debian's Chromium driven by Playwright, against `minutes serve`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from live_server import LiveServer

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str:
    path = os.environ.get("MINUTES_TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        message = (
            "Debian's chromium is not installed: the browser tests need it "
            "(make test installs it with scripts/test-browser.sh when run as root)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the tests leave screenshots of the main pages (look at them)."""
    path = Path(os.environ.get("MINUTES_SCREENSHOTS", "test-screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def web(tmp_path_factory, model_cache, registry) -> Iterator[LiveServer]:
    registry.whisper_dir("base")
    server = LiveServer(
        tmp_path_factory.mktemp("web"),
        f"sqlite:///{tmp_path_factory.mktemp('webdb') / 'm.db'}",
        model_cache,
    )
    server.cli(
        "admin", "create-user", "wing", "--admin", "--password-stdin", stdin="wing-password\n"
    )
    server.cli("admin", "create-user", "ken", "--password-stdin", stdin="ken-password\n")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()
