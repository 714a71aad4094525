"""company_review as users run it, on the Airflow test_company_sentiment.py starts: this
module runs after that one, in the same test stream and on the same Airflow, with
company_sentiment unpaused (the two, then test_task_logs_cloudwatch.py, are one xdist
group, in that order: tests/conftest.py). Apart, it would start a second Airflow (half a
minute or more of both cores); alone, it starts that Airflow itself and unpauses
company_sentiment first.

A company_sentiment run on a table of its own files two ambiguous and two missing
companies; the review run that follows asks about each with its candidates; people
answer through the REST API (and one in the web UI's *Required actions*, in Debian's
Chromium through Playwright, with a screenshot in ``test-artifacts/``); the next
company_sentiment run reads what they chose. A review left unanswered takes its default
when its timeout passes, and a company is never asked about twice at once.

company_review is paused again at the end, so the company_sentiment runs of the other
modules sharing this Airflow start no reviews.
"""

from __future__ import annotations

import re
import time

import pytest

from dev.airflow_api import PASSWORD, USERNAME, ApiClient
from dev.airflow_runs import RUN_TIMEOUT, task_instances, unpause, wait_for_run
from tests.support import ARTIFACTS
from tests.support.reviews import DAG_ID, answer, new_review_run, review_runs, waiting_reviews
from tests.support.sentiment_runs import DEADLINE_AT_ONCE, companies_table, read_rows

SENTIMENT = "company_sentiment"
TABLE = "fang_review"
PREFIX = "e2e-review/"
COMPANIES = ["Delta", "Globex Corporation", "Mercury", "Netflix", "Zyxwv Holdings"]
FIRST_DATE, NEXT_DATE = "2026-11-25", "2026-11-26"
SCREENSHOT = ARTIFACTS / "company_review.png"  # docs/screenshots/ has its copy
# A timeout short enough to wait for: ~17 s, then the scheduler's sweep (every 15 s).
SHORT_TIMEOUT_DAYS = 0.0002


@pytest.fixture(scope="module")
def airflow_settings() -> dict[str, str]:
    """The shared Airflow's (test_alerts.py starts it): company_sentiment's deadline on."""
    return DEADLINE_AT_ONCE


@pytest.fixture(scope="module")
def review_table(stack) -> str:
    return companies_table(TABLE, COMPANIES)


@pytest.fixture(scope="module")
def reviewing(api: ApiClient):
    """company_review unpaused for this module only, after company_sentiment (whose
    scheduled run must not start a review of the seeded table)."""
    if api.get(f"dags/{SENTIMENT}")["is_paused"]:
        unpause(api, SENTIMENT)
    api.patch(f"dags/{DAG_ID}", {"is_paused": False})
    yield
    api.patch(f"dags/{DAG_ID}", {"is_paused": True})


def sentiment_run(api: ApiClient, ds: str) -> dict:
    conf = {"companies_table": TABLE, "prefix": PREFIX}
    run = api.post(f"dags/{SENTIMENT}/dagRuns", {"logical_date": f"{ds}T00:00:00Z", "conf": conf})
    run = wait_for_run(api, SENTIMENT, run["dag_run_id"])
    assert run["state"] == "success"
    return run


def item(dynamodb, name: str) -> dict:
    return dynamodb.Table(TABLE).get_item(Key={"name": name})["Item"]


@pytest.fixture(scope="module")
def first_review(api, review_table, reviewing) -> dict:
    before = review_runs(api)
    sentiment_run(api, FIRST_DATE)
    return new_review_run(api, before)


def test_the_review_asks_about_each_ambiguous_and_missing_company(api, s3, dynamodb, first_review):
    rows = {r["name"]: r for r in read_rows(s3, f"{PREFIX}ds={FIRST_DATE}/{TABLE}_sentiment.csv")}
    assert {name: row["status"] for name, row in rows.items()} == {
        "Delta": "ambiguous",
        "Globex Corporation": "not_found",
        "Mercury": "ambiguous",
        "Netflix": "ok",
        "Zyxwv Holdings": "not_found",
    }
    reviews = waiting_reviews(api, first_review["dag_run_id"], TABLE, 4)
    assert sorted(reviews) == ["Delta", "Globex Corporation", "Mercury", "Zyxwv Holdings"]
    delta = reviews["Delta"]
    assert delta["subject"] == "Which Wikipedia article is the company 'Delta'?"
    assert delta["options"][0] == "Delta Air Lines"  # an airline before a landform
    assert "River delta" in delta["options"]
    assert delta["options"][-2:] == ["None of these", "Ask again later"]
    assert delta["defaults"] == ["Ask again later"]
    assert "Delta Air Lines is" in delta["body"]
    assert "/wiki/Delta_Air_Lines)" in delta["body"]
    assert "Mercury Records" in reviews["Mercury"]["options"]
    assert "CME Globex" in reviews["Globex Corporation"]["options"]
    # Nothing on Wikipedia looks like Zyxwv Holdings: the person can still say so.
    assert reviews["Zyxwv Holdings"]["options"] == ["None of these", "Ask again later"]
    for company in reviews:
        assert "review_open" in item(dynamodb, company)


def test_a_second_review_while_one_is_open_asks_about_nobody(api, first_review):
    run = api.post(f"dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": {}})
    run = wait_for_run(api, DAG_ID, run["dag_run_id"])
    assert run["state"] == "success"
    asks = task_instances(api, DAG_ID, run["dag_run_id"], "review.ask")
    assert [ti["state"] for ti in asks] in ([], ["skipped"])


def test_answers_are_written_to_the_companies_and_a_second_answer_is_refused(
    api, dynamodb, first_review
):
    run_id = first_review["dag_run_id"]
    reviews = waiting_reviews(api, run_id, TABLE, 4)
    answered = answer(api, run_id, reviews["Delta"], "Delta Air Lines")
    assert answered["responded_by"]["name"] == USERNAME
    answer(api, run_id, reviews["Globex Corporation"], "CME Globex")
    answer(api, run_id, reviews["Zyxwv Holdings"], "Ask again later")
    with pytest.raises(RuntimeError, match="HTTP 409"):
        answer(api, run_id, reviews["Delta"], "River delta")
    deadline = time.monotonic() + RUN_TIMEOUT
    answered = ["Delta", "Globex Corporation", "Zyxwv Holdings"]
    while any("review_open" in item(dynamodb, name) for name in answered):
        assert time.monotonic() < deadline, "the answers were not recorded"
        time.sleep(1)
    delta = item(dynamodb, "Delta")
    assert delta["wikipedia_title"] == "Delta Air Lines"
    assert (delta["reviewed_by"], delta["review_status"]) == (USERNAME, "title_chosen")
    assert delta["reviewed_at"].endswith("Z")
    assert "review_open" not in delta
    assert item(dynamodb, "Globex Corporation")["wikipedia_title"] == "CME Globex"
    assert item(dynamodb, "Zyxwv Holdings") == {"name": "Zyxwv Holdings"}


def results_page(api: ApiClient, path: str, **params: str) -> str:
    response = api.session.get(f"{api.base_url}/enrichment-results{path}", params=params)
    response.raise_for_status()
    return response.text


@pytest.fixture(scope="module")
def timeout_review(api, first_review) -> str:
    """A review run whose reviews wait 17 s, started once Zyxwv Holdings' first review is
    answered "Ask again later" (it asks about Zyxwv Holdings again, and only about it);
    it runs while the tests after it do."""
    conf = {"timeout_days": SHORT_TIMEOUT_DAYS}
    return api.post(f"dags/{DAG_ID}/dagRuns", {"logical_date": None, "conf": conf})["dag_run_id"]


def test_the_results_page_shows_the_reviews_and_who_answered(api, first_review, timeout_review):
    """Mercury still waits for an answer; Delta's title was chosen by the admin."""
    waiting_reviews(api, first_review["dag_run_id"], TABLE, 1)
    data = {"companies_table": TABLE, "prefix": PREFIX}
    overview = results_page(api, "/", **data)
    assert re.search(r"\d+ (review is|reviews are) waiting", overview)
    assert 'href="/required_actions?response_received=false" target="_top"' in overview
    reviews = results_page(api, "/reviews")
    assert "Delta Air Lines" in reviews
    assert "waiting: answer" in reviews
    assert "/tasks/review.ask/mapped/" in reviews
    company = results_page(api, "/company", name="Delta", **data)
    assert f"chosen by <strong>{USERNAME}</strong>" in company


def test_a_person_answers_in_required_actions(page, airflow, api, dynamodb, first_review):
    """Mercury is answered as a user does: its review's form in Required actions, where
    more than four options are a list to choose from."""
    from playwright.sync_api import expect

    run_id = first_review["dag_run_id"]
    mercury_index = waiting_reviews(api, run_id, TABLE, 1)["Mercury"]["task_instance"]["map_index"]
    form = f"/dags/{DAG_ID}/runs/{run_id}/tasks/review.ask/mapped/{mercury_index}/required_actions"
    page.goto(f"{airflow.url}{form}")
    username = page.get_by_label("Username")
    candidate = page.get_by_text("Mercury Records is an American record label")
    expect(username.or_(candidate)).to_be_visible()
    if username.is_visible():  # not signed in yet in this browser: the login page first
        username.fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
    expect(candidate).to_be_visible()
    page.screenshot(path=SCREENSHOT)
    page.get_by_role("combobox").first.click()
    page.get_by_role("option", name="None of these").click()
    page.get_by_role("button", name="Respond").click()
    deadline = time.monotonic() + RUN_TIMEOUT
    while item(dynamodb, "Mercury").get("review_status") != "no_article":
        assert time.monotonic() < deadline, "the answer given in the UI was not recorded"
        time.sleep(1)
    assert item(dynamodb, "Mercury")["reviewed_by"] == USERNAME
    ask = f"dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/review.ask/{mercury_index}"
    while api.get(ask)["state"] != "success":
        assert time.monotonic() < deadline, "Mercury's review did not end"
        time.sleep(1)


def test_an_unanswered_review_takes_ask_again_later_when_its_timeout_passes(
    api, dynamodb, timeout_review
):
    """Zyxwv Holdings was answered "Ask again later": the next review asks again, and
    nobody answers."""
    run = wait_for_run(api, DAG_ID, timeout_review)
    assert run["state"] == "success"
    details = api.get(f"dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/hitlDetails")["hitl_details"]
    assert [d["task_instance"]["rendered_map_index"] for d in details] == ["Zyxwv Holdings"]
    assert details[0]["chosen_options"] == ["Ask again later"]
    assert details[0]["responded_by_user"] is None
    assert item(dynamodb, "Zyxwv Holdings") == {"name": "Zyxwv Holdings"}


def test_the_next_sentiment_run_reads_what_people_chose(api, s3, reviewing, first_review):
    # Paused first: this run's file would start a review of Zyxwv Holdings again.
    api.patch(f"dags/{DAG_ID}", {"is_paused": True})
    sentiment_run(api, NEXT_DATE)
    rows = {r["name"]: r for r in read_rows(s3, f"{PREFIX}ds={NEXT_DATE}/{TABLE}_sentiment.csv")}
    assert {name: (row["status"], row["wikipedia_title"]) for name, row in rows.items()} == {
        "Delta": ("ok", "Delta Air Lines"),
        "Globex Corporation": ("ok", "CME Globex"),
        "Mercury": ("no_article", "Mercury"),
        "Netflix": ("ok", "Netflix"),
        "Zyxwv Holdings": ("not_found", "Zyxwv Holdings"),
    }
    assert rows["Delta"]["sentiment"]
