"""The Wikipedia client against the MediaWiki API stand-in, over real HTTP: statuses,
sentences, etiquette (User-Agent, maxlag, Retry-After) and batching, read at a moment
after every revision of the corpus (the daily case: the latest revisions)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from enrichment import aws
from enrichment.company_sentiment.article_leads import Sources, Summary, leads_at
from enrichment.request_slots import RequestSlots
from enrichment.wikipedia.client import (
    MAX_IN_FLIGHT,
    USER_AGENT,
    WikipediaClient,
    WikipediaThrottled,
    request_slots_in,
)
from enrichment.wikipedia.queries import WikipediaError
from tests.support.history import history_table_objects

# After the corpus's last revision: every page's latest revision is in effect.
MOMENT = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def slots(request_slots_table) -> RequestSlots:
    """The deployment's Wikipedia request slots, on the AWS stand-in."""
    return request_slots_in(aws.dynamodb_table(request_slots_table), MAX_IN_FLIGHT)


class Asking:
    """A client, the slots it sends in and tables of its own: one title's answer."""

    def __init__(self, client: WikipediaClient, slots: RequestSlots) -> None:
        self.sources = Sources(client, slots, *history_table_objects())

    def __call__(self, title: str, sentences: int = 1) -> Summary:
        return leads_at(self.sources, [title], MOMENT, sentences)[title]


@pytest.fixture
def ask(wikipedia_control, slots):
    """The client as a task builds it, on the stand-in (faults reset around each test)."""
    with WikipediaClient() as client:
        yield Asking(client, slots)


@pytest.mark.parametrize(
    ("title", "status", "resolved"),
    [
        pytest.param("Netflix", "ok", "Netflix", id="article"),
        pytest.param("Tesla Motors", "ok", "Tesla, Inc.", id="redirect"),
        pytest.param("netflix", "ok", "Netflix", id="normalised-first-letter"),
        pytest.param("Amazon (company)", "ok", "Amazon (company)", id="pinned-title"),
        pytest.param("Amazon", "ambiguous", "Amazon", id="disambiguation"),
        pytest.param("Globex Corporation", "not_found", "Globex Corporation", id="missing"),
        pytest.param("Foo[bar]", "not_found", "Foo[bar]", id="invalid-title"),
    ],
)
def test_statuses(ask, title, status, resolved):
    summary = ask(title)
    assert (summary.status, summary.title) == (status, resolved)
    assert bool(summary.snippet) == (status == "ok")
    assert (summary.revision is not None) == (status in ("ok", "ambiguous"))


def test_sentences_are_counted_by_the_pipeline(ask):
    one = ask("Enron", sentences=1)
    two = ask("Enron", sentences=2)
    assert one.snippet.startswith("Enron Corporation was an American energy company")
    assert one.snippet.endswith("scandal.")
    assert two.snippet.startswith(one.snippet + " ")
    assert two.snippet.endswith("criminal charges.")


def test_requests_name_the_project_and_ask_for_maxlag(ask, wikipedia_control):
    ask("Sony")
    (request,) = wikipedia_control.requests()  # the latest revision carries its lead
    assert request["user_agent"] == USER_AGENT
    assert request["params"]["maxlag"] == "5"
    assert request["params"]["titles"] == "Sony"


def test_the_connection_can_name_its_own_contact(wikipedia_control, stack, slots, monkeypatch):
    agent = "acme-enrichment/2.1 (https://acme.example/data; data-team@acme.example)"
    conn = {"conn_type": "http", "host": stack.url("wikipedia"), "extra": {"User-Agent": agent}}
    monkeypatch.setenv("AIRFLOW_CONN_WIKIPEDIA_DEFAULT", json.dumps(conn))
    with WikipediaClient() as client:  # built after the connection changed
        Asking(client, slots)("Sony")
    assert [r["user_agent"] for r in wikipedia_control.requests()] == [agent]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"status": 429, "retry_after": 1}, id="429"),
        pytest.param({"status": 503, "retry_after": 1}, id="503"),
        pytest.param({"status": 200, "kind": "maxlag", "retry_after": 1}, id="maxlag"),
    ],
)
def test_retry_after_is_honoured(ask, wikipedia_control, fault):
    wikipedia_control.fault("Sony", count=1, **fault)
    started = time.monotonic()
    summary = ask("Sony")
    waited = time.monotonic() - started
    assert summary.status == "ok"
    assert waited >= 1.0
    assert len(wikipedia_control.requests()) == 2


def test_persistent_throttling_is_left_to_the_task_retry(ask, wikipedia_control):
    wikipedia_control.fault("Sony", status=429, count=10, retry_after=0)
    with pytest.raises(WikipediaThrottled):
        ask("Sony")
    assert len(wikipedia_control.requests()) == 3


def test_a_patient_client_waits_out_an_outage(wikipedia_control, slots):
    """The triggerer's client: every request answers 503 for 4 s, and the answer comes
    once the outage is over, backing off 1, 2, 4 s. Patience is 30 s here; the shipped
    OUTAGE_PATIENCE (180 s) against a 60 s outage is bench/recovery.py's Wikipedia fault
    (docs/operations.md#recovery)."""
    wikipedia_control.outage(4.0)
    started = time.monotonic()
    with WikipediaClient(patience=30.0) as client:
        summary = Asking(client, slots)("Sony")
    assert summary.status == "ok"
    assert time.monotonic() - started >= 4.0
    # At 0, 1, 3 and 7 s; 3 when the first went out late enough (a loaded machine) for
    # the one at 3 s to find the outage over.
    assert len(wikipedia_control.requests()) in (3, 4)


def test_patience_runs_out_and_refused_connections_wait_only_with_it(
    wikipedia_control, slots, monkeypatch
):
    import requests

    from dev.ports import free_port

    wikipedia_control.outage(30.0)
    with WikipediaClient(patience=2.0) as client, pytest.raises(WikipediaThrottled):
        Asking(client, slots)("Sony")
    assert len(wikipedia_control.requests()) == 3  # at 0, 1 and 3 s: past 2 s, it gives up

    nobody = {"conn_type": "http", "host": f"http://127.0.0.1:{free_port()}"}
    monkeypatch.setenv("AIRFLOW_CONN_WIKIPEDIA_DEFAULT", json.dumps(nobody))
    for patience, least in ((0.0, 0.0), (2.0, 2.0)):
        started = time.monotonic()
        with (
            WikipediaClient(patience=patience) as client,
            pytest.raises(requests.ConnectionError),
        ):
            Asking(client, slots)("Sony")
        assert time.monotonic() - started >= least


def test_server_errors_raise(ask, wikipedia_control):
    wikipedia_control.fault("Sony", status=500, count=1)
    with pytest.raises(WikipediaError, match="HTTP 500"):
        ask("Sony")
    assert ask("Sony").status == "ok"


def test_one_request_answers_a_batch_of_titles_each_under_its_own_name(wikipedia_control, slots):
    titles = ["netflix", "Tesla Motors", "Delta", "Globex Corporation", "A|B"]
    titles += [f"Synthetic Company {n}" for n in range(16)]  # 20 titles to ask, and A|B

    with WikipediaClient() as client:
        answers = leads_at(Sources(client, slots, *history_table_objects()), titles, MOMENT, 1)

    assert list(answers) == titles
    assert (answers["netflix"].status, answers["netflix"].title) == ("ok", "Netflix")
    assert answers["Tesla Motors"].title == "Tesla, Inc."
    assert answers["Delta"].status == "ambiguous"
    assert answers["Globex Corporation"].status == "not_found"
    assert answers["A|B"].status == "not_found"  # never sent: "|" would split it in two
    assert all(answers[f"Synthetic Company {n}"].status == "ok" for n in range(16))
    # One request for the batch; the page "Tesla Motors" was a redirect at the moment, so
    # its target is asked for once more (with every other redirect of the batch).
    batch, redirect_targets = wikipedia_control.requests()
    assert len(batch["params"]["titles"].split("|")) == 20
    assert redirect_targets["params"]["titles"] == "Tesla, Inc."


def test_more_titles_than_one_answer_holds_are_refused_before_asking(wikipedia_control, slots):
    with WikipediaClient() as client, pytest.raises(ValueError, match="at most 20"):
        client.latest([f"Synthetic Company {n}" for n in range(21)], slots)
    assert wikipedia_control.requests() == []
