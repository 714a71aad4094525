"""The web UI as a user drives it, in Debian's Chromium through Playwright: log in, open
company_sentiment, trigger it from the trigger form with a changed Param, watch the run
succeed, open the mapped task and keep a screenshot of it in ``test-artifacts/``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from enrichment.local.airflow_local import PASSWORD, USERNAME
from tests.e2e.conftest import ARTIFACTS, RUN_TIMEOUT, wait_for_run

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's hosts, which
# this machine's closed network refuses; nothing here may leave 127.0.0.1.
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
SCREENSHOT = ARTIFACTS / "company_sentiment_mapped_enrich.png"


@pytest.fixture(scope="module")
def page() -> Iterator:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} not found: the browser test drives Debian's Chromium "
            "(`apt-get install chromium`; `make test` installs it when run as root)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.set_default_timeout(30_000)
        yield context.new_page()
        browser.close()


def test_trigger_from_the_ui_with_a_changed_param(page, airflow, api, unpaused, s3, company_names):
    from playwright.sync_api import expect

    page.goto(f"{airflow.url}/dags/company_sentiment")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dags/company_sentiment")

    page.get_by_role("button", name="Trigger Dag").click()
    form = page.get_by_role("dialog")
    expect(form.get_by_text("Run Parameters")).to_be_visible()
    prefix = form.locator("#element_prefix")
    expect(prefix).to_have_value("sentiment/")
    prefix.fill("e2e-browser/")
    form.get_by_role("button", name="Trigger", exact=True).click()

    # The UI moves to the new run; its header badge follows the run to the end.
    page.wait_for_url("**/dags/company_sentiment/runs/**")
    run_id = unquote(page.url.rsplit("/runs/", 1)[1])
    header = page.get_by_role("heading", name=run_id).locator("xpath=..")
    expect(header.get_by_test_id("state-badge")).to_have_text("Success", timeout=RUN_TIMEOUT * 1000)

    # The mapped task of this run: one row per company, named by its map index template.
    page.goto(f"{page.url}/tasks/enrich/mapped")
    expect(page.get_by_text(f"{len(company_names)} Task Instances")).to_be_visible()
    expect(page.get_by_role("link", name="Netflix", exact=True)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOT)

    run = wait_for_run(api, "company_sentiment", run_id)
    assert (run["state"], run["triggered_by"], run["conf"]["prefix"]) == (
        "success",
        "ui",
        "e2e-browser/",
    )
    ds = run["logical_date"][:10]
    key = f"e2e-browser/ds={ds}/fang_sentiment.csv"
    assert s3.head_object(Bucket="fangsentiment", Key=key)["ContentLength"] > 0
