"""The "Enrichment results" page in the Airflow UI after real runs, in Debian's Chromium.

company_sentiment runs on three dates (one to three sentences of each intro, so the
texts and some sentiments differ between dates) and image_labels crawls the sample site
for today (it refuses past dates), both through the real scheduler with their default
tables, bucket and prefixes. Then a
user signs in, opens Browse -> Enrichment results, sees every company with its chart,
opens a company, the gallery, filters it by a label, opens an image and the results tab
of a run of each DAG. Screenshots of each view go to ``test-artifacts/results_*.png``.

Here, in the network namespace of ``tests/e2e/isolated``, because image_labels crawls
the sample site, which links to refused addresses.
"""

from __future__ import annotations

import time

import pytest
import requests

from dev.airflow_api import PASSWORD, USERNAME, ApiClient
from dev.airflow_runs import unpause, wait_for_run
from tests.support import ARTIFACTS

SENTIMENT_DAG = "company_sentiment"
IMAGE_DAG = "image_labels"
# Date -> sentences of each intro analysed on that date.
SENTENCES = {"2026-11-20": 1, "2026-11-21": 3, "2026-11-22": 2}
PLUGIN = "enrichment_results"


def trigger(api: ApiClient, dag_id: str, ds: str, conf: dict) -> dict:
    run = api.post(f"dags/{dag_id}/dagRuns", {"logical_date": f"{ds}T00:00:00Z", "conf": conf})
    return wait_for_run(api, dag_id, run["dag_run_id"])


@pytest.fixture(scope="module")
def runs(api: ApiClient, figures) -> dict[str, dict]:
    """The runs the page shows, all finished: the scheduled ones unpausing starts (today),
    three company_sentiment dates; image_labels crawls today's web only, so its run is
    the scheduled one of today."""
    started = time.monotonic()
    finished = {}
    assert unpause(api, SENTIMENT_DAG)["state"] == "success"
    finished[IMAGE_DAG] = unpause(api, IMAGE_DAG)
    for ds, sentences in SENTENCES.items():
        finished[ds] = trigger(api, SENTIMENT_DAG, ds, {"sentences": sentences})
    assert {run["state"] for run in finished.values()} == {"success"}
    figures["results_page_runs_s"] = round(time.monotonic() - started, 1)
    return finished


@pytest.fixture(scope="module")
def company_names(dynamodb) -> list[str]:
    items = dynamodb.Table("fang").scan(
        ProjectionExpression="#n", ExpressionAttributeNames={"#n": "name"}
    )
    return sorted(item["name"] for item in items["Items"])


def test_airflow_loads_the_plugin(api):
    plugins = {plugin["name"]: plugin for plugin in api.get("plugins")["plugins"]}

    assert api.get("plugins/importErrors")["import_errors"] == []
    assert PLUGIN in plugins
    routes = {view["url_route"] for view in plugins[PLUGIN]["external_views"]}
    assert routes == {"enrichment-results", "enrichment-results-run"}


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"results_{name}.png")


def images_loaded(page, url_part: str) -> None:
    """Until the UI's frame shows a URL with ``url_part`` and every image in it is loaded
    (streamed from S3 through the plugin) and decoded."""
    (frame,) = page.main_frame.child_frames
    frame.wait_for_url(lambda url: url_part in url)
    frame.wait_for_function(
        "() => [...document.images].every(img => img.complete && img.naturalWidth > 0)"
    )


def test_browse_enrichment_results_after_runs(page, stack, airflow, runs, company_names, figures):
    from playwright.sync_api import expect

    page.goto(airflow.url)
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Enrichment results").click()
    page.wait_for_url("**/plugin/enrichment-results")
    frame = page.frame_locator("iframe").first

    # Overview: every company of the table, each with its chart, over the dates run.
    started = time.monotonic()
    expect(frame.get_by_role("heading", name="Company sentiment over the last")).to_be_visible()
    figures["results_overview_in_browser_s"] = round(time.monotonic() - started, 2)
    for name in company_names:
        expect(frame.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(frame.locator("svg.spark")).to_have_count(len(company_names))
    expect(frame.get_by_text("2026-11-20 to")).to_be_visible()
    shoot(page, "overview")

    # A company: one row per date, its article on the wiki the connection names (here
    # the stand-in, which serves the page).
    frame.get_by_role("link", name="Netflix", exact=True).click()
    expect(frame.get_by_role("heading", name="Netflix")).to_be_visible()
    article = frame.get_by_role("link", name="Netflix", exact=True)
    expect(article).to_have_attribute("href", f"{stack.url('wikipedia')}/wiki/Netflix")
    assert "<h1>Netflix</h1>" in requests.get(article.get_attribute("href"), timeout=10).text
    for ds in SENTENCES:
        expect(frame.get_by_role("cell", name=ds, exact=True)).to_be_visible()
    expect(frame.locator("svg.chart")).to_be_visible()
    shoot(page, "company")

    # The gallery, then one label only.
    frame.get_by_role("link", name="Image labels").click()
    expect(frame.get_by_role("heading", name="Labelled images")).to_be_visible()
    cards = frame.locator(".card")
    expect(cards.first).to_be_visible()
    every = cards.count()
    images_loaded(page, "/images")
    shoot(page, "gallery")
    choose_label = frame.locator("select[name=label]")
    choose_label.select_option(index=1)  # the label most images have
    label = choose_label.input_value()
    frame.get_by_role("button", name="Filter").click()
    images_loaded(page, f"label={label}")
    expect(choose_label).to_have_value(label)
    filtered = cards.count()
    assert 0 < filtered <= every
    for n in range(filtered):
        expect(cards.nth(n).locator(".labels")).to_contain_text(label)
    shoot(page, "gallery_filtered")

    # One image: the full image, streamed through the plugin, and all its labels.
    cards.first.locator("a").first.click()
    expect(frame.get_by_role("heading", name="Labels")).to_be_visible()
    images_loaded(page, "/images/")
    assert frame.locator("img").first.evaluate("img => img.naturalWidth") > 0
    expect(frame.get_by_role("cell", name=label, exact=True)).to_be_visible()
    shoot(page, "image")


def open_results_tab(page) -> None:
    """Click the run page's *Results* tab (the plugin's ``dag_run`` view)."""
    tab = page.get_by_role("tab", name="Results").or_(
        page.get_by_role("link", name="Results", exact=True)
    )
    tab.first.click()
    page.wait_for_url("**/plugin/enrichment-results-run**")


def test_results_tab_of_each_run(page, airflow, runs, company_names):
    from playwright.sync_api import expect

    sentiment_run = runs["2026-11-21"]["dag_run_id"]
    page.goto(f"{airflow.url}/dags/{SENTIMENT_DAG}/runs/{sentiment_run}")
    open_results_tab(page)
    frame = page.frame_locator("iframe").first
    expect(frame.get_by_role("heading", name=f"{SENTIMENT_DAG} for 2026-11-21")).to_be_visible()
    expect(frame.get_by_text("ds=2026-11-21/fang_sentiment.csv")).to_be_visible()
    expect(frame.get_by_text(f"{len(company_names)} companies:")).to_be_visible()
    shoot(page, "run_company_sentiment")

    image_run = runs[IMAGE_DAG]["dag_run_id"]
    images_ds = runs[IMAGE_DAG]["logical_date"][:10]
    page.goto(f"{airflow.url}/dags/{IMAGE_DAG}/runs/{image_run}")
    open_results_tab(page)
    frame = page.frame_locator("iframe").first
    expect(frame.get_by_role("heading", name=f"{IMAGE_DAG} for {images_ds}")).to_be_visible()
    expect(frame.get_by_text("refused: link-local address 169.254.169.254").first).to_be_visible()
    expect(frame.get_by_text("disallowed by robots.txt").first).to_be_visible()
    shoot(page, "run_image_labels")
