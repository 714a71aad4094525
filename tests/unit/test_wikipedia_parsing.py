"""How MediaWiki API answers about revisions become pages, revisions and leads, or errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests

from enrichment.wikipedia.client import retry_after_seconds
from enrichment.wikipedia.queries import (
    Page,
    WikipediaError,
    history_request,
    invalid_title,
    latest_request,
    parse_history,
    parse_latest,
    parse_texts,
    texts_request,
)
from enrichment.wikipedia.revisions import Revision, RevisionText, parse_time


def query(*pages, **extra):
    return {"batchcomplete": True, "query": {"pages": list(pages), **extra}}


def revision(revid: int, parentid: int, timestamp: str, content: str | None = None) -> dict:
    raw = {"revid": revid, "parentid": parentid, "timestamp": timestamp}
    if content is not None:
        raw["slots"] = {
            "main": {"contentmodel": "wikitext", "contentformat": "text/x-wiki", "content": content}
        }
    return raw


def page(title: str, *revisions: dict, pageid: int = 1) -> dict:
    return {"pageid": pageid, "ns": 0, "title": title, "revisions": list(revisions)}


def at(text: str) -> datetime:
    return parse_time(text)


NETFLIX_LEAD = "'''Netflix''' is a service."
NETFLIX_REVISION = Revision(at("2026-11-19T08:00:00Z"), 1002, 1001)
NETFLIX = Page(
    "Netflix",
    NETFLIX_REVISION,
    RevisionText(1002, "Netflix", NETFLIX_REVISION.timestamp, NETFLIX_LEAD),
)
HIDDEN = {
    "revid": 9,
    "parentid": 8,
    "timestamp": "2026-05-01T00:00:00Z",
    "slots": {"main": {"texthidden": True}},
}


@pytest.mark.parametrize(
    ("payload", "requested", "expected"),
    [
        pytest.param(
            query(page("Netflix", revision(1002, 1001, "2026-11-19T08:00:00Z", NETFLIX_LEAD))),
            "Netflix",
            NETFLIX,
            id="latest-revision-with-its-lead",
        ),
        pytest.param(
            query(
                page("Tesla, Inc.", revision(7, 6, "2026-01-01T00:00:00Z", "x")),
                redirects=[{"from": "Tesla Motors", "to": "Tesla, Inc."}],
            ),
            "Tesla Motors",
            Page(
                "Tesla, Inc.",
                Revision(at("2026-01-01T00:00:00Z"), 7, 6),
                RevisionText(7, "Tesla, Inc.", at("2026-01-01T00:00:00Z"), "x"),
            ),
            id="redirect-reports-the-target-title",
        ),
        pytest.param(
            query({"ns": 0, "title": "Globex Corporation", "missing": True}),
            "Globex Corporation",
            Page("Globex Corporation", problem="no such page"),
            id="missing",
        ),
        pytest.param(
            query({"title": "A|B", "invalidreason": "illegal characters", "invalid": True}),
            "A|B",
            Page("A|B", problem="invalid title: illegal characters"),
            id="invalid-title",
        ),
        pytest.param(
            query(page("Hidden", HIDDEN)),
            "Hidden",
            Page(
                "Hidden",
                Revision(at("2026-05-01T00:00:00Z"), 9, 8),
                RevisionText(9, "Hidden", at("2026-05-01T00:00:00Z"), None),
            ),
            id="hidden-text-is-none-not-empty",
        ),
    ],
)
def test_parse_the_latest_revision_of_one_title(payload, requested, expected):
    assert parse_latest(payload, [requested]) == {requested: expected}


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"error": {"code": "badvalue", "info": "nope"}}, id="api-error"),
        pytest.param({"batchcomplete": True, "query": {}}, id="no-pages"),
        pytest.param(query({"pageid": 1, "ns": 0, "title": "Netflix"}), id="no-revision"),
    ],
)
def test_unusable_answers_raise_for_a_retry(payload):
    with pytest.raises(WikipediaError):
        parse_latest(payload, ["Netflix"])


def test_each_title_of_a_batch_finds_its_page_through_normalisation_and_redirects():
    payload = query(
        page("Netflix", revision(1002, 1001, "2026-11-19T08:00:00Z", NETFLIX_LEAD)),
        page("Tesla, Inc.", revision(7, 6, "2026-01-01T00:00:00Z", "x"), pageid=2),
        {"ns": 0, "title": "Globex Corporation", "missing": True},
        normalized=[{"fromencoded": False, "from": "netflix", "to": "Netflix"}],
        redirects=[
            {"from": "Tesla Motors", "to": "Tesla Motors Inc"},
            {"from": "Tesla Motors Inc", "to": "Tesla, Inc."},
        ],
    )
    requested = ["netflix", "Netflix", "Tesla Motors", "Globex Corporation"]

    answers = parse_latest(payload, requested)

    assert list(answers) == requested
    assert answers["netflix"] == answers["Netflix"] == NETFLIX
    assert answers["Tesla Motors"].title == "Tesla, Inc."
    assert answers["Globex Corporation"].problem == "no such page"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        pytest.param(
            query(page("Netflix", revision(1, 0, "2026-01-01T00:00:00Z", "x"))),
            "no page for 'Sony'",
            id="a-title-without-page",
        ),
        pytest.param(
            {"continue": {"rvcontinue": "x"}, **query(page("Netflix"))},
            "cut short",
            id="more-than-one-answer-holds",
        ),
    ],
)
def test_a_batch_answer_that_leaves_a_title_out_raises(payload, message):
    with pytest.raises(WikipediaError, match=message):
        parse_latest(payload, ["Netflix", "Sony"])


def test_a_history_answer_gives_revisions_newest_first_and_where_to_continue():
    payload = {
        "continue": {"rvcontinue": "20250101000000|1000", "continue": "||"},
        **query(
            page(
                "Netflix",
                revision(1002, 1001, "2026-11-19T08:00:00Z"),
                revision(1001, 1000, "2026-11-01T00:00:00Z"),
            )
        ),
    }
    revisions, more = parse_history(payload, "Netflix")
    assert [r.revid for r in revisions] == [1002, 1001]
    assert revisions[1] == Revision(datetime(2026, 11, 1, tzinfo=UTC), 1001, 1000)
    assert more == "20250101000000|1000"
    last = query(page("Netflix", revision(1, 0, "2020-01-01T00:00:00Z")))
    assert parse_history(last, "Netflix")[1] == ""  # the page's first revision: no more


def test_a_history_of_several_pages_is_refused_by_the_api():
    refusal = {"error": {"code": "invalidparammix", "info": "may only be used with one page"}}
    with pytest.raises(WikipediaError, match="invalidparammix"):
        parse_history(refusal, "Netflix")


def test_texts_by_revision_id_and_a_revision_gone_since_raises():
    payload = query(
        page("Netflix", revision(1001, 1000, "2026-11-01T00:00:00Z", "old lead")),
        page("Tesla, Inc.", revision(7, 6, "2026-01-01T00:00:00Z", "x"), pageid=2),
    )
    texts = parse_texts(payload, [1001, 7])
    assert texts[1001] == RevisionText(1001, "Netflix", at("2026-11-01T00:00:00Z"), "old lead")
    gone = {**payload, "query": {**payload["query"], "badrevids": {"99": {"revid": 99}}}}
    with pytest.raises(WikipediaError, match=r"\[99\]"):
        parse_texts(gone, [7, 99])


@pytest.mark.parametrize("title", ["A|B", "  ", "Foo[bar]", "#top"])
def test_titles_that_cannot_go_into_a_query_are_answered_without_one(title):
    assert invalid_title(title).problem.startswith("invalid title")
    assert invalid_title("Amazon (company)") is None


def test_requests_ask_for_section_0_wikitext_redirects_and_maxlag():
    latest = latest_request(["Netflix", "Tesla Motors"])
    assert latest["titles"] == "Netflix|Tesla Motors"
    assert (latest["prop"], latest["rvprop"]) == ("revisions", "ids|timestamp|content")
    assert (latest["rvslots"], latest["rvsection"]) == ("main", "0")
    assert "maxlag" in latest
    assert "redirects" not in latest  # a redirect page's own revision says where it went
    assert "rvlimit" not in latest  # the API refuses it with several titles

    history = history_request("Netflix", datetime(2026, 11, 20, tzinfo=UTC), more="x|1")
    assert (history["titles"], history["rvlimit"], history["rvdir"]) == ("Netflix", "500", "older")
    assert (history["rvstart"], history["rvcontinue"]) == ("2026-11-20T00:00:00Z", "x|1")
    assert "content" not in history["rvprop"]
    assert "rvstart" not in history_request("Netflix", None)

    texts = texts_request([1001, 7])
    assert (texts["revids"], texts["rvsection"]) == ("1001|7", "0")


def response(status: int, body: dict, **headers) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made._content = json.dumps(body).encode()
    made.headers.update({"content-type": "application/json; charset=utf-8", **headers})
    return made


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        pytest.param(response(200, query()), None, id="ok-is-not-throttled"),
        pytest.param(response(429, {}, **{"Retry-After": "2"}), 2.0, id="429-retry-after"),
        pytest.param(response(503, {}, **{"Retry-After": "0.5"}), 0.5, id="503-retry-after"),
        pytest.param(response(429, {}), 1.0, id="429-without-header-waits-a-second"),
        pytest.param(response(503, {}, **{"Retry-After": "3600"}), 30.0, id="capped"),
        pytest.param(
            response(429, {}, **{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),
            1.0,
            id="http-date",
        ),
        pytest.param(
            response(200, {"error": {"code": "maxlag", "info": "lagged"}}, **{"Retry-After": "5"}),
            5.0,
            id="maxlag-refusal",
        ),
        pytest.param(response(500, {}), None, id="500-is-an-error-not-throttling"),
    ],
)
def test_retry_after_seconds(made, expected):
    assert retry_after_seconds(made) == expected
