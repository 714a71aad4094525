"""company_review's candidates from the MediaWiki stand-in over real HTTP, through the
same client, request slots and User-Agent as company_sentiment: what a person is offered
for an ambiguous and a missing company, and what it costs in requests."""

from __future__ import annotations

import pytest

from enrichment import aws
from enrichment.company_review.candidates import CandidateFinder, Lookup
from enrichment.wikipedia.client import MAX_IN_FLIGHT, USER_AGENT, WikipediaClient, request_slots_in

DELTA = Lookup("Delta", "ambiguous", "Delta")
MERCURY = Lookup("Mercury", "ambiguous", "Mercury")
GLOBEX = Lookup("Globex Corporation", "not_found", "Globex Corporation")
ZYXWV = Lookup("Zyxwv Holdings", "not_found", "Zyxwv Holdings")


@pytest.fixture(scope="module")
def finder(stack, request_slots_table):
    slots = request_slots_in(aws.dynamodb_table(request_slots_table), MAX_IN_FLIGHT)
    with WikipediaClient() as client:
        yield CandidateFinder(client, slots)


def _modes(requests: list[dict]) -> list[str]:
    modes = []
    for request in requests:
        params = request["params"]
        modes.append(params.get("prop") or params.get("list") or params.get("generator", "?"))
    return modes


def test_an_ambiguous_company_is_offered_the_articles_its_disambiguation_page_links(
    finder, wikipedia_control
):
    found = finder.find([DELTA])["Delta"]
    titles = [c.title for c in found]
    # The airline (an organisation) first; the redirect "Delta Airlines" is the airline
    # once; the alphabet the page also links to is an article too.
    assert titles[0] == "Delta Air Lines"
    assert titles.count("Delta Air Lines") == 1
    assert "Delta Airlines" not in titles
    assert {"River delta", "Delta Faucet Company", "Delta Electronics"} <= set(titles)
    by_title = {c.title: c.sentence for c in found}
    assert by_title["Delta Air Lines"].startswith("Delta Air Lines is")
    assert by_title["Delta Air Lines"].endswith(".")
    requests = wikipedia_control.requests()
    assert _modes(requests) == ["links", "revisions"]
    assert {r["user_agent"] for r in requests} == {USER_AGENT}


def test_a_missing_company_is_offered_what_a_search_for_its_name_finds(finder, wikipedia_control):
    found = finder.find([GLOBEX, ZYXWV])
    assert {c.title for c in found["Globex Corporation"]} == {"CME Globex", "Hank Scorpio"}
    assert found["Zyxwv Holdings"] == []
    assert _modes(wikipedia_control.requests()) == ["search", "search", "revisions"]


def test_many_companies_share_their_lead_requests(finder, wikipedia_control):
    found = finder.find([DELTA, MERCURY, GLOBEX, ZYXWV])
    assert [c.title for c in found["Mercury"]][:3] == [
        "Mercury (automobile)",
        "Mercury Marine",
        "Mercury Records",
    ]
    assert len(found["Mercury"]) <= 10
    modes = _modes(wikipedia_control.requests())
    # One links or search request per company; the leads of all their candidates (18
    # titles: 9 links of Delta, 7 of Mercury, 2 hits for Globex) in one request of 20.
    assert sorted(modes) == ["links", "links", "revisions", "search", "search"]


def test_a_long_disambiguation_page_is_read_to_its_last_link(stack, request_slots_table):
    slots = request_slots_in(aws.dynamodb_table(request_slots_table), MAX_IN_FLIGHT)
    with WikipediaClient() as client:
        whole = client.links("Mercury", slots)
        in_pages_of_two = client.links("Mercury", slots, limit=2)
    assert in_pages_of_two == whole
    assert len(whole) >= 7
    assert "Mercury Records" in whole
