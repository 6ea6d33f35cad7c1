"""The browser suite (`make e2e`): a real `weibao serve` on a fresh embedded database with the
demo data, driven by Debian's Chromium through Playwright, at a phone's width (390 px) and a
desktop's (1366 px). Every step's screenshot goes to var/e2e/<test>/, which CI keeps when a
test fails.

The suite is not part of `make test`: tests/conftest.py leaves this folder out unless
WEIBAO_E2E=1 (which `make e2e` sets)."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("WEIBAO_E2E_SHOTS", ROOT / "var" / "e2e"))
CHROMIUM = os.environ.get("WEIBAO_CHROMIUM", "/usr/bin/chromium")
WIDTHS = {"phone": 390, "desktop": 1366}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _weibao(*args: str, env: dict, log) -> None:
    command = [sys.executable, "-m", "weibao.cli", *args]
    subprocess.run(command, env=env, check=True, stdout=log, stderr=log)  # noqa: S603 - ours


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> str:
    """The address of a `weibao serve` with the demo data, as `make run` starts it (or, while
    writing a test, of one already running: WEIBAO_E2E_SERVER=http://127.0.0.1:8000)."""
    if os.environ.get("WEIBAO_E2E_SERVER"):
        yield os.environ["WEIBAO_E2E_SERVER"]
        return
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["WEIBAO_VAR_DIR"] = str(var)
    port = _free_port()
    log = (var / "server.log").open("w")
    _weibao("migrate", "--noinput", env=env, log=log)
    _weibao("demo", env=env, log=log)
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [sys.executable, "-m", "weibao.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=2)  # noqa: S310 - local
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail((var / "server.log").read_text()[-3000:])
            time.sleep(0.5)
    yield base
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.exit(
            f"No Chromium at {CHROMIUM}. Install Debian's: apt-get install chromium "
            "(or set WEIBAO_CHROMIUM to its path).",
            returncode=4,
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_call = report.failed


class Steps:
    """Screenshots of a test's steps: var/e2e/<test>/<nn>-<step>.png."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page, self.folder, self.count = page, folder, 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def __call__(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=self.folder / f"{self.count:02d}-{name}.png", full_page=True)


def _context(browser, width: int):
    phone = width < 720
    return browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
    )


@pytest.fixture(params=list(WIDTHS))
def width(request) -> str:
    return request.param


def _folder(request) -> Path:
    return SHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)


@pytest.fixture
def page(browser, width, request):
    context = _context(browser, WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.steps = Steps(page, _folder(request))
    yield page
    if getattr(request.node, "failed_call", False):
        page.screenshot(path=_folder(request) / "failure.png", full_page=True)
    context.close()


@pytest.fixture
def open_page(browser, request):
    """open_page(width) → a new page at that width (for a test that needs several people or
    widths at once); each is closed at the end of the test."""
    contexts = []

    def make(width_px: int = WIDTHS["phone"]) -> Page:
        context = _context(browser, width_px)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.steps = Steps(page, _folder(request) / f"w{width_px}-{len(contexts)}")
        return page

    yield make
    for context in contexts:
        context.close()
