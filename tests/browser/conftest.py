"""A real server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Without Chromium a developer's run skips these tests with the reason; under CI=true they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from api.deps import get_today
from api.main import create_app
from goldenthread.demo import DEMO_PASSWORD
from goldenthread.settings import Settings
from tests.api.conftest import TODAY, build_world

CHROMIUM = os.environ.get("GOLDENTHREAD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"Chromium is required under CI: {reason}")
    pytest.skip(reason)


@dataclass
class Server:
    url: str
    settings: Settings


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    settings = build_world(tmp_path_factory.mktemp("browser"))
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: TODAY
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "the server started"
        time.sleep(0.05)
    import httpx

    while httpx.get(f"http://127.0.0.1:{port}/health/projections").json()["projection_lag"]:
        assert time.monotonic() < deadline + 30, "the views caught up"
        time.sleep(0.1)
    yield Server(f"http://127.0.0.1:{port}", settings)
    uvicorn_server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(page, server: Server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}/sign-in")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{server.url}/")


def check_page(page) -> None:  # type: ignore[no-untyped-def]
    """What every page owes its users: one h1 that starts the title, unique ids, and forms that
    say where they post and carry the form token."""
    headings = page.locator("h1").all_inner_texts()
    assert len(headings) == 1, f"{page.url}: {len(headings)} h1 elements"
    assert page.title().startswith(headings[0].strip()), f"{page.url}: title {page.title()!r}"
    ids = page.eval_on_selector_all("[id]", "els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), f"{page.url}: duplicate ids {sorted(ids)}"
    for form in page.locator("form").all():
        assert form.get_attribute("action"), f"{page.url}: a form without an action"
        method = (form.get_attribute("method") or "get").lower()
        if method == "post":
            assert form.locator("input[name=csrf_token]").count() == 1, f"{page.url}: no token"


def check_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core against WCAG 2.2 AA; any violation fails, listed by rule and element."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    violations = [
        f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
        for v in result["violations"]
    ]
    assert not violations, f"{page.url}:\n" + "\n".join(violations)
