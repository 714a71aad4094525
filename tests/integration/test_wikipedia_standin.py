"""The Wikipedia stand-in over real HTTP: an edit saved through its control API, the
history it joins, the requests counted by mode, and a reset that forgets the edit."""

from __future__ import annotations

import pytest
import requests

LEAD = {
    "action": "query",
    "format": "json",
    "formatversion": "2",
    "prop": "revisions",
    "rvprop": "ids|timestamp|content",
    "rvslots": "main",
    "rvsection": "0",
}


@pytest.fixture
def api(stack):
    """GET the stand-in's api.php with these parameters; the JSON answer."""

    def get(**params: str) -> dict:
        response = requests.get(stack.url("wikipedia") + "/w/api.php", params=params, timeout=5)
        response.raise_for_status()
        return response.json()

    return get


def latest(api, title: str) -> dict:
    return api(**LEAD, titles=title)["query"]["pages"][0]["revisions"][0]


def test_an_edit_becomes_the_latest_revision_until_a_reset(api, wikipedia_control):
    before = latest(api, "Netflix")
    wikitext = "'''Netflix''' is a [[streaming service]] with a criticised price rise.\n"
    revid = wikipedia_control.edit("Netflix", wikitext, "Netflix is a streaming service.")

    now = latest(api, "Netflix")
    assert (now["revid"], now["parentid"]) == (revid, before["revid"])
    assert now["slots"]["main"]["content"] == wikitext.rstrip()
    assert now["timestamp"] > before["timestamp"]
    newest_two = api(**LEAD, titles="Netflix", rvlimit="2")["query"]["pages"][0]["revisions"]
    assert [r["revid"] for r in newest_two] == [revid, before["revid"]]
    (by_id,) = api(**LEAD, revids=str(revid))["query"]["pages"]
    assert by_id["title"] == "Netflix"
    intro = api(action="query", formatversion="2", prop="extracts", titles="Netflix")
    assert intro["query"]["pages"][0]["extract"] == "Netflix is a streaming service."
    assert wikipedia_control.stats()["requests_by_mode"] == {
        "latest": 2,
        "history": 1,
        "revids": 1,
        "extracts": 1,
    }

    wikipedia_control.reset()
    assert latest(api, "Netflix") == before
    forgotten = api(**LEAD, revids=str(revid))["query"]
    assert forgotten["badrevids"] == {str(revid): {"revid": revid, "missing": True}}
    assert wikipedia_control.stats()["requests_by_mode"]["revids"] == 1  # counted anew


def test_an_edit_can_create_a_page(api, wikipedia_control):
    assert api(**LEAD, titles="Globex Corporation")["query"]["pages"][0]["missing"] is True
    revid = wikipedia_control.edit("Globex Corporation", "'''Globex''' sells widgets.")
    created = latest(api, "Globex Corporation")
    assert (created["revid"], created["parentid"]) == (revid, 0)


def test_an_edit_needs_a_legal_title(wikipedia_control):
    with pytest.raises(requests.HTTPError, match="400"):
        wikipedia_control.edit("A|B", "text")


def test_the_pages_the_results_page_links_to(stack, api, wikipedia_control):
    from html import escape

    site = stack.url("wikipedia")
    page = requests.get(f"{site}/wiki/Coca-Cola_Company", timeout=5)  # a redirect's title
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    intro = api(action="query", formatversion="2", prop="extracts", titles="Coca-Cola Company")
    assert escape(intro["query"]["pages"][0]["extract"]) in page.text
    assert requests.get(f"{site}/wiki/Zyxwv_Holdings", timeout=5).status_code == 404

    old, new = api(**LEAD, titles="Boeing", rvlimit="2")["query"]["pages"][0]["revisions"][::-1]
    diff = requests.get(
        f"{site}/w/index.php", params={"diff": new["revid"], "oldid": old["revid"]}, timeout=5
    )
    assert diff.status_code == 200
    assert "<h1>Boeing: difference between revisions</h1>" in diff.text
    for revision in (old, new):
        assert f"Revision {revision['revid']} ({revision['timestamp']})" in diff.text
        assert escape(revision["slots"]["main"]["content"]) in diff.text
    assert requests.get(f"{site}/w/index.php?diff=1&oldid=2", timeout=5).status_code == 404
    assert wikipedia_control.stats()["requests"] == 2  # the API calls above; pages not counted


def test_an_outage_answers_every_request_for_its_seconds(stack, wikipedia_control):
    import time

    url = stack.url("wikipedia") + "/w/api.php"
    query = {"action": "query", "format": "json", "titles": "Netflix"}
    wikipedia_control.outage(1.5, retry_after=1)
    during = [requests.get(url, params=query, timeout=5) for _ in range(3)]
    time.sleep(1.6)
    after = requests.get(url, params=query, timeout=5)

    assert [(r.status_code, r.headers.get("Retry-After")) for r in during] == [(503, "1")] * 3
    assert after.status_code == 200
