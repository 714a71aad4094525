"""The Wikipedia stand-in over real HTTP: an edit saved through its control API, the
history it joins, the requests counted by mode, and a reset that forgets the edit; the
links and searches the company review finds candidate articles with."""

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
        "links": 0,
        "search": 0,
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


# Candidates for a company whose name is a disambiguation page or no page at all.
QUERY = {"action": "query", "format": "json", "formatversion": "2"}
DELTA_LINKS = [  # as MediaWiki orders them: "Delta,_" < "Delta_(" < "Delta_A" ...
    "Delta, British Columbia",
    "Delta (rocket family)",
    "Delta Air Lines",
    "Delta Airlines",
    "Delta Electronics",
    "Delta Faucet Company",
    "Greek alphabet",
    "River delta",
]


def test_the_links_of_a_disambiguation_page(api):
    answer = api(**QUERY, prop="links", titles="Delta", pllimit="max")
    (delta,) = answer["query"]["pages"]
    assert (delta["pageid"], delta["title"]) == (8321, "Delta")
    # Its file, its category and its Wiktionary link are no articles; the redirect it
    # links to is listed by its own title.
    assert delta["links"] == [{"ns": 0, "title": title} for title in DELTA_LINKS]
    assert answer["batchcomplete"] is True
    assert "continue" not in answer
    assert answer["limits"] == {"links": 500}
    ten = api(**QUERY, prop="links", titles="Delta")  # 10 by default: all of them
    assert ten["query"]["pages"][0]["links"] == delta["links"]


def links_in_steps(api, titles: str, limit: str) -> tuple[dict[str, list[str]], list[dict]]:
    """Every page's links, following plcontinue; and the continuations on the way."""
    found: dict[str, list[str]] = {}
    continuations, resume = [], {}
    while True:
        answer = api(**QUERY, prop="links", titles=titles, pllimit=limit, **resume)
        for page in answer["query"]["pages"]:
            found.setdefault(page["title"], [])
            found[page["title"]] += [link["title"] for link in page.get("links", [])]
        if "continue" not in answer:
            assert answer["batchcomplete"] is True
            return found, continuations
        assert "batchcomplete" not in answer  # the pages' links are not complete yet
        continuations.append(answer["continue"])
        resume = answer["continue"]


def test_links_continue_without_gaps_or_repeats(api):
    found, continuations = links_in_steps(api, "Delta", "2")
    assert found == {"Delta": DELTA_LINKS}
    assert continuations == [
        {"plcontinue": "8321|0|Delta_Air_Lines", "continue": "||"},
        {"plcontinue": "8321|0|Delta_Electronics", "continue": "||"},
        {"plcontinue": "8321|0|Greek_alphabet", "continue": "||"},
    ]
    # Over several pages the limit counts all their links, page by page (by page id).
    together, steps = links_in_steps(api, "Mercury|Delta|Delta Airlines", "3")
    assert together["Delta"] == DELTA_LINKS
    assert together["Delta Airlines"] == ["Delta Air Lines"]  # a redirect links its target
    assert together["Mercury"] == [
        "Freddie Mercury",
        "Mercury (automobile)",
        "Mercury (element)",
        "Mercury (mythology)",
        "Mercury (planet)",
        "Mercury Marine",
        "Mercury Records",
    ]
    assert len(steps) == (8 + 1 + 7 - 1) // 3


def test_a_missing_page_has_no_links(api):
    answer = api(**QUERY, prop="links", titles="Zyxwv Holdings")
    assert answer == {
        "batchcomplete": True,
        "query": {"pages": [{"ns": 0, "title": "Zyxwv Holdings", "missing": True}]},
    }


def search(api, words: str, **params: str) -> dict:
    return api(**QUERY, list="search", srsearch=words, **params)


def test_a_search_finds_candidates_for_a_name_without_a_page(api):
    answer = search(api, "Globex Corporation")
    assert answer["batchcomplete"] is True
    assert "continue" not in answer
    assert answer["query"]["searchinfo"] == {"totalhits": 2}
    hank, cme = answer["query"]["search"]
    # Both match in their text only; Hank Scorpio names the words more often.
    assert (hank["title"], cme["title"]) == ("Hank Scorpio", "CME Globex")
    assert list(hank) == ["ns", "title", "pageid", "size", "wordcount", "snippet", "timestamp"]
    assert (hank["ns"], hank["pageid"]) == (0, 2150396)
    assert (
        '<span class="searchmatch">Globex</span> <span class="searchmatch">Corporation</span>'
        in hank["snippet"]
    )
    assert cme["snippet"].startswith('CME <span class="searchmatch">Globex</span> is an')
    assert hank["timestamp"] == latest(api, "Hank Scorpio")["timestamp"]

    nothing = search(api, "Zyxwv Holdings")
    assert nothing == {
        "batchcomplete": True,
        "query": {"searchinfo": {"totalhits": 0}, "search": []},
    }


def test_search_results_continue_with_sroffset(api):
    everything = search(api, "mercury", srlimit="max")["query"]["search"]
    assert everything[0]["title"] == "Mercury"  # the title asked for comes first
    assert len(everything) == 8  # the disambiguation page and the seven it lists
    walked, resume = [], {}
    while True:
        answer = search(api, "mercury", srlimit="3", **resume)
        walked += answer["query"]["search"]
        assert answer["query"]["searchinfo"] == {"totalhits": 8}
        if "continue" not in answer:
            break
        assert answer["continue"] == {"sroffset": len(walked), "continue": "-||"}
        resume = answer["continue"]
    assert walked == everything


def test_a_search_needs_its_words(api):
    missing = {"code": "missingparam", "info": 'The "srsearch" parameter must be set.'}
    assert search(api, "")["error"] == missing
    assert api(**QUERY, list="search")["error"] == missing


def test_search_as_a_generator_gives_each_page_its_lead_and_rank(api):
    ranked = [hit["title"] for hit in search(api, "Mercury")["query"]["search"]]
    first = api(**LEAD, generator="search", gsrsearch="Mercury", gsrlimit="3")
    assert first["batchcomplete"] is True
    assert first["continue"] == {"gsroffset": 3, "continue": "gsroffset||"}
    second = api(**LEAD, generator="search", gsrsearch="Mercury", gsrlimit="3", gsroffset="3")
    pages = sorted(first["query"]["pages"] + second["query"]["pages"], key=lambda p: p["index"])
    assert [page["index"] for page in pages] == [1, 2, 3, 4, 5, 6]
    assert [page["title"] for page in pages] == ranked[:6]
    for page in pages:
        (revision,) = page["revisions"]
        assert revision["revid"] == latest(api, page["title"])["revid"]
        assert "\n==" not in revision["slots"]["main"]["content"]  # section 0 only
    assert pages[0]["title"] == "Mercury"  # the title asked for
    mercury = pages[0]["revisions"][0]["slots"]["main"]["content"]
    assert mercury.endswith("'''Mercury''' may also refer to:")  # its template not in the lead
    # Nothing found: no pages, so no query at all, as on the wiki.
    assert api(**LEAD, generator="search", gsrsearch="Zyxwv Holdings") == {"batchcomplete": True}


def test_links_and_searches_are_counted_by_mode(api, wikipedia_control):
    api(**QUERY, prop="links", titles="Delta")
    api(**QUERY, prop="links", titles="Delta", pllimit="2", plcontinue="8321|0|Delta_Air_Lines")
    search(api, "Globex Corporation")
    api(**LEAD, generator="search", gsrsearch="Mercury")
    latest(api, "Netflix")
    assert wikipedia_control.stats()["requests_by_mode"] == {
        "latest": 1,
        "history": 0,
        "revids": 0,
        "extracts": 0,
        "links": 2,
        "search": 2,
    }
