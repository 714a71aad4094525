"""A local stand-in for the MediaWiki Action API (the subset the pipeline uses).

Serves ``/w/api.php?action=query`` with ``prop=extracts|pageprops``, ``redirects``,
``exintro``/``explaintext``/``exsentences`` and ``formatversion=2`` from a YAML corpus,
in the response shape of en.wikipedia.org. Title normalisation, missing and invalid
titles, redirects and disambiguation page props behave as on the real API.

Beyond the corpus, every title ``Synthetic Company <n>`` is an article made up on the
spot (deterministically, some praised, some criticised), so load tests can ask about
thousands of companies. As on the real API, one query takes at most 50 titles, and
extracts of an intro come for the first 20 pages only (``exlimit``), the rest with a
``continue``.

For tests and benchmarks it also has a control API under ``/__control__/``: queue faults
(HTTP 429/503 with Retry-After, maxlag refusals, 500s) for a title, add latency to every
answer, read back the requests it got and the most it ever had in flight at once.

Run: ``python -m dev.standins.wikipedia_api --port 8951``
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

CORPUS = Path(__file__).with_name("wikipedia_corpus.yaml")
ILLEGAL_TITLE_CHARS = re.compile(r"[#<>\[\]|{}]")
# A sentence ends at . ! or ? followed by space and a capital, which is how TextExtracts
# cuts ``exsentences`` closely enough for this corpus ("Inc. is" is not a boundary).
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
SYNTHETIC = re.compile(r"Synthetic Company (\d+)")
SYNTHETIC_PAGEIDS = 900_000_000
# The real API's limits: titles per query, and intros per query with TextExtracts.
MAX_TITLES = 50
MAX_INTRO_EXTRACTS = 20
# What a made-up company is known for, by its number: tone varies across companies.
SYNTHETIC_TRAITS = (
    "an award-winning and innovative maker of widgets",
    "a maker of widgets known for a fraud scandal and heavy losses",
    "a maker of widgets sold in several countries",
)


def normalise_title(title: str) -> str:
    """MediaWiki title normalisation: underscores to spaces, one space, first letter upper."""
    title = " ".join(title.replace("_", " ").split())
    return title[:1].upper() + title[1:]


def first_sentences(text: str, count: int) -> str:
    return " ".join(SENTENCE_END.split(text.strip())[:count])


@dataclass
class Fault:
    title: str  # a normalised title, or "*" for any request
    remaining: int
    status: int
    retry_after: str | None
    kind: str  # "http" or "maxlag"


def synthetic_article(title: str) -> dict[str, Any] | None:
    """The made-up article of ``Synthetic Company <n>``, or None for any other title."""
    match = SYNTHETIC.fullmatch(title)
    if match is None:
        return None
    number = int(match.group(1))
    extract = (
        f"{title} is {SYNTHETIC_TRAITS[number % len(SYNTHETIC_TRAITS)]}. "
        f"It was founded in {1900 + number % 120} and employs {10 + number % 990} people. "
        "Its headquarters are in a city that does not exist."
    )
    return {"pageid": SYNTHETIC_PAGEIDS + number, "extract": extract}


class Corpus:
    def __init__(self, path: Path = CORPUS) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.articles: dict[str, dict[str, Any]] = data["articles"]
        self.redirects: dict[str, str] = data["redirects"]

    def page(self, title: str, sentences: int | None) -> dict[str, Any]:
        article = self.articles.get(title) or synthetic_article(title)
        if article is None:
            return {"ns": 0, "title": title, "missing": True}
        extract = " ".join(article["extract"].split())
        page: dict[str, Any] = {"pageid": article["pageid"], "ns": 0, "title": title}
        page["extract"] = first_sentences(extract, sentences) if sentences else extract
        if article.get("disambiguation"):
            page["pageprops"] = {"disambiguation": ""}
        return page

    def query(self, params: dict[str, str]) -> dict[str, Any]:
        requested = [t for t in params.get("titles", "").split("|") if t]
        if len(requested) > MAX_TITLES:
            info = f'Too many values supplied for parameter "titles". The limit is {MAX_TITLES}.'
            return {"error": {"code": "toomanyvalues", "info": info}}
        sentences = int(params["exsentences"]) if params.get("exsentences") else None
        normalized, redirects, pages = [], [], []
        for raw in requested:
            if not raw.strip() or ILLEGAL_TITLE_CHARS.search(raw):
                reason = "The requested page title is empty or contains illegal characters."
                pages.append({"title": raw, "invalidreason": reason, "invalid": True})
                continue
            title = normalise_title(raw)
            if title != raw:
                normalized.append({"fromencoded": False, "from": raw, "to": title})
            if params.get("redirects") and title in self.redirects:
                redirects.append({"from": title, "to": self.redirects[title]})
                title = self.redirects[title]
            pages.append(self.page(title, sentences))
        result: dict[str, Any] = {"batchcomplete": True}
        if params.get("exintro"):
            with_extract = [page for page in pages if "extract" in page]
            for page in with_extract[MAX_INTRO_EXTRACTS:]:
                del page["extract"]
            if len(with_extract) > MAX_INTRO_EXTRACTS:
                result = {"continue": {"excontinue": MAX_INTRO_EXTRACTS, "continue": "||"}}
        query: dict[str, Any] = {"pages": pages}
        if normalized:
            query["normalized"] = normalized
        if redirects:
            query["redirects"] = redirects
        return result | {"query": query}


class State:
    """Faults queued by tests and the log of requests received, shared by handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.latency = 0.0
        self.in_flight = 0
        self.max_in_flight = 0

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": len(self.requests),
                "titles": sum(len(r["params"].get("titles", "").split("|")) for r in self.requests),
                "in_flight": self.in_flight,
                "max_in_flight": self.max_in_flight,
                "latency": self.latency,
            }

    def take_fault(self, titles: list[str]) -> Fault | None:
        wanted = {normalise_title(t) for t in titles}
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and (fault.title == "*" or fault.title in wanted):
                    fault.remaining -= 1
                    return fault
        return None


class Handler(BaseHTTPRequestHandler):
    server: WikipediaServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed
    # ACK holds the second one back ~40 ms per response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is kept in State and served under /__control__/requests

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        state = self.server.state
        if url.path == "/healthz":
            self._send(200, {"status": "ok", "articles": len(self.server.corpus.articles)})
            return
        if url.path == "/__control__/requests":
            with state.lock:
                self._send(200, list(state.requests))
            return
        if url.path == "/__control__/stats":
            self._send(200, state.stats())
            return
        if url.path != "/w/api.php":
            self._send(404, {"error": {"code": "notfound", "info": url.path}})
            return
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        with state.lock:
            state.requests.append(
                {"params": params, "user_agent": self.headers.get("User-Agent"), "at": time.time()}
            )
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            latency = state.latency
        try:
            time.sleep(latency)  # a far-away server: the answer takes this long
            self._answer(params)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, params: dict[str, str]) -> None:
        fault = self.server.state.take_fault(params.get("titles", "").split("|"))
        if fault is not None:
            self._fault(fault)
        elif params.get("action") != "query":
            self._send(200, {"error": {"code": "badvalue", "info": "Only action=query is served"}})
        else:
            self._send(200, self.server.corpus.query(params))

    def _fault(self, fault: Fault) -> None:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.kind == "maxlag":
            info = "Waiting for a database server: 7 seconds lagged."
            self._send(200, {"error": {"code": "maxlag", "info": info}}, headers)
        else:
            self._send(fault.status, {"error": {"code": "fault", "info": "injected"}}, headers)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path == "/__control__/latency":
            seconds = float(self._body()["seconds"])
            with self.server.state.lock:
                self.server.state.latency = seconds
            self._send(200, {"latency": seconds})
            return
        if path != "/__control__/faults":
            self._send(404, {})
            return
        spec = self._body()
        title = spec.get("title", "*")
        fault = Fault(
            title=title if title == "*" else normalise_title(title),
            remaining=int(spec.get("count", 1)),
            status=int(spec.get("status", 503)),
            retry_after=str(spec["retry_after"]) if "retry_after" in spec else None,
            kind=spec.get("kind", "http"),
        )
        with self.server.state.lock:
            self.server.state.faults.append(fault)
        self._send(201, {"queued": fault.remaining})

    def do_DELETE(self) -> None:
        """Forget faults, the request log and the in-flight peak (latency stays)."""
        self.server.state.reset()
        self._send(200, {"reset": True})


class WikipediaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], corpus: Corpus) -> None:
        super().__init__(address, Handler)
        self.corpus = corpus
        self.state = State()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8951)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    server = WikipediaServer((args.host, args.port), Corpus(args.corpus))
    server.serve_forever()


if __name__ == "__main__":
    main()
