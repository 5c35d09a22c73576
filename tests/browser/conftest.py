"""Browser tests: a live CKAN server and Playwright driving the system's Chromium.

Fixtures:

``live_server`` (tests/conftest.py)
    CKAN's WSGI app (``make_app`` with the test config of this pytest run, plugins loaded,
    clean database and search index) served by werkzeug on 127.0.0.1 and a free port, in a
    background thread, against the real PostgreSQL, Redis and search service.
    ``live_server.url`` is its base URL; ``live_server.url_for("/dataset/")`` a full URL.
    Data made in the test (CKAN factories, ``call_action``, tests/factories.py) is committed
    by the actions, so the server's threads (each with its own SQLAlchemy session) see it.
``page``
    A Playwright (sync API) page in a fresh browser context whose ``base_url`` is the live
    server, so ``page.goto("/dataset/")`` works; requests to any other address are answered
    404 in the browser, never sent. ``page.console_errors`` collects script errors.
    Chromium is Debian's /usr/bin/chromium (``scripts/setup.sh`` installs it; another one
    with MIGRATION_CHROMIUM=/path); Playwright's own browser download is never used.
``screenshot``
    ``screenshot("search.png")`` writes a full-page PNG of ``page`` to
    ``.run/test/screenshots/`` and returns its path. A failing test leaves
    ``failed-<test name>.png`` there too.
``create_dataset``
    ``create_dataset(name=..., countries=[...])``: a migration dataset (tests/factories.py)
    made by a sysadmin in one organization, visible to the live server.
``assert_accessible`` (in ``a11y.py``)
    axe-core from ``vendor/axe-core``: fails on serious or critical violations.
"""
from __future__ import annotations

import os
import re

import pytest

from ..conftest import REPO_ROOT

CHROMIUM = os.environ.get("MIGRATION_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = os.path.join(REPO_ROOT, ".run", "test", "screenshots")
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run (each test gets its own context)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("The browser tests need Chromium at %s (Debian package 'chromium'). "
                    "Run: bash scripts/setup.sh   (or: apt-get install -y chromium)"
                    % CHROMIUM, pytrace=False)
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("The browser tests need Playwright for Python: "
                    "pip install -e '.[test]' (or bash scripts/setup.sh)", pytrace=False)
    # expect(...) waits as long as any other step (its own default, 5 s, is short on a
    # loaded 2-core CI machine)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _failed_png(request) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:120]
    return os.path.join(SCREENSHOTS, "failed-%s.png" % name)


@pytest.fixture
def page(browser, live_server, request):
    failed_png = _failed_png(request)
    if os.path.exists(failed_png):
        os.remove(failed_png)  # left by an earlier run: this run decides anew
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT,
                                  locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    # the page may load only from the live server: anything else (CKAN's licence badges,
    # a factory's image URL) is answered 404 here, never sent out
    prefix = live_server.url + "/"
    context.route(lambda url: not (url + "/").startswith(prefix) and not url.startswith("data:"),
                  lambda route: route.fulfill(status=404, body=""))
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not pg.is_closed():
        os.makedirs(SCREENSHOTS, exist_ok=True)
        try:
            pg.screenshot(path=failed_png, full_page=True)
        except Exception:  # noqa: BLE001 - the test's own failure is what matters
            pass
    context.close()


@pytest.fixture
def screenshot(page):
    def take(name: str) -> str:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, name if name.endswith(".png") else name + ".png")
        page.screenshot(path=path, full_page=True)
        return path
    return take


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


@pytest.fixture
def create_dataset(live_server):
    """``create_dataset(**changes)``: a dataset of tests/factories.py (the full migration
    schema, changes applied) created through ``package_create`` by a sysadmin in one
    organization, committed, indexed and so visible to the live server. Returns the dict."""
    from ckan.tests import factories, helpers
    from ..factories import dataset

    made = {}

    def create(**changes):
        if not made:
            made["user"] = factories.Sysadmin()
            # no image: CKAN's factory would point at an outside address
            made["org"] = factories.Organization(image_url="", title="Eurostat publications")
        data = dataset(**changes)
        data.setdefault("owner_org", made["org"]["id"])
        return helpers.call_action("package_create", context={"user": made["user"]["name"]},
                                   **data)
    return create
