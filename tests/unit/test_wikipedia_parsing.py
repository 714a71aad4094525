"""How MediaWiki API answers become statuses: ok, not_found, ambiguous, or an error."""

from __future__ import annotations

import json

import pytest
import requests

from enrichment.company_sentiment.wikipedia import (
    Summary,
    WikipediaError,
    invalid_title,
    parse_summaries,
    retry_after_seconds,
    summary_request,
)


def query(*pages, **extra):
    return {"batchcomplete": True, "query": {"pages": list(pages), **extra}}


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            query(
                {
                    "pageid": 175537,
                    "ns": 0,
                    "title": "Netflix",
                    "extract": " Netflix is a service. ",
                }
            ),
            Summary("ok", "Netflix", "Netflix is a service."),
            id="ok",
        ),
        pytest.param(
            query(
                {
                    "pageid": 1,
                    "ns": 0,
                    "title": "Acme",
                    "extract": "Acme is a firm.\nIt makes\tanvils.\n\nIt was founded in 1900.",
                }
            ),
            Summary("ok", "Acme", "Acme is a firm. It makes anvils. It was founded in 1900."),
            id="paragraphs-become-one-line",
        ),
        pytest.param(
            query(
                {
                    "pageid": 5533631,
                    "ns": 0,
                    "title": "Tesla, Inc.",
                    "extract": "Tesla, Inc. is...",
                },
                redirects=[{"from": "Tesla Motors", "to": "Tesla, Inc."}],
            ),
            Summary("ok", "Tesla, Inc.", "Tesla, Inc. is..."),
            id="redirect-reports-the-target-title",
        ),
        pytest.param(
            query({"ns": 0, "title": "Globex Corporation", "missing": True}),
            Summary("not_found", "Globex Corporation", reason="no such page"),
            id="missing",
        ),
        pytest.param(
            query({"title": "A|B", "invalidreason": "illegal characters", "invalid": True}),
            Summary("not_found", "A|B", reason="invalid title: illegal characters"),
            id="invalid-title",
        ),
        pytest.param(
            query(
                {
                    "pageid": 8321,
                    "ns": 0,
                    "title": "Delta",
                    "extract": "Delta may refer to:",
                    "pageprops": {"disambiguation": ""},
                }
            ),
            Summary("ambiguous", "Delta", reason="disambiguation page"),
            id="disambiguation",
        ),
        pytest.param(
            query({"pageid": 1, "ns": 0, "title": "Stub", "extract": "  "}),
            Summary("not_found", "Stub", reason="page has no intro text"),
            id="no-intro-text",
        ),
    ],
)
def test_parse_one_title(payload, expected):
    assert parse_summaries(payload, [expected.title]) == {expected.title: expected}


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"error": {"code": "badvalue", "info": "nope"}}, id="api-error"),
        pytest.param({"batchcomplete": True, "query": {}}, id="no-pages"),
    ],
)
def test_unusable_answers_raise_for_a_retry(payload):
    with pytest.raises(WikipediaError):
        parse_summaries(payload, ["Netflix"])


def test_each_title_of_a_batch_finds_its_page_through_normalisation_and_redirects():
    payload = query(
        {"pageid": 1, "ns": 0, "title": "Netflix", "extract": "Netflix is a service."},
        {"pageid": 2, "ns": 0, "title": "Tesla, Inc.", "extract": "Tesla, Inc. is..."},
        {"ns": 0, "title": "Globex Corporation", "missing": True},
        normalized=[{"fromencoded": False, "from": "netflix", "to": "Netflix"}],
        redirects=[
            {"from": "Tesla Motors", "to": "Tesla Motors Inc"},
            {"from": "Tesla Motors Inc", "to": "Tesla, Inc."},
        ],
    )
    requested = ["netflix", "Netflix", "Tesla Motors", "Globex Corporation"]

    answers = parse_summaries(payload, requested)

    assert list(answers) == requested
    assert (
        answers["netflix"]
        == answers["Netflix"]
        == Summary("ok", "Netflix", "Netflix is a service.")
    )
    assert answers["Tesla Motors"] == Summary("ok", "Tesla, Inc.", "Tesla, Inc. is...")
    assert answers["Globex Corporation"].status == "not_found"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        pytest.param(
            query({"pageid": 1, "ns": 0, "title": "Netflix", "extract": "x"}),
            "no page for 'Sony'",
            id="a-title-without-page",
        ),
        pytest.param(
            {"continue": {"excontinue": 20}, **query({"title": "Netflix"})},
            "cut short",
            id="more-intros-than-one-answer-holds",
        ),
    ],
)
def test_a_batch_answer_that_leaves_a_title_out_raises(payload, message):
    with pytest.raises(WikipediaError, match=message):
        parse_summaries(payload, ["Netflix", "Sony"])


@pytest.mark.parametrize("title", ["A|B", "  ", "Foo[bar]", "#top"])
def test_titles_that_cannot_go_into_a_query_are_answered_without_one(title):
    assert invalid_title(title).status == "not_found"
    assert invalid_title("Amazon (company)") is None


def test_request_asks_for_plain_intro_sentences_with_redirects_and_maxlag():
    params = summary_request(["Netflix", "Tesla Motors"], sentences=2)
    assert params["titles"] == "Netflix|Tesla Motors"
    assert params["exlimit"] == "20"
    assert params["exsentences"] == "2"
    assert params["prop"] == "extracts|pageprops"
    assert params["ppprop"] == "disambiguation"
    assert {"exintro", "explaintext", "redirects", "maxlag"} <= params.keys()


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
