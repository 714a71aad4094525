"""A local stand-in for the MediaWiki Action API (the subset the pipeline uses).

Serves ``/w/api.php?action=query`` (``format=json``, ``formatversion=2``) in the response
shapes of en.wikipedia.org, from pages with revision histories in wikitext
(``wikipedia_corpus.yaml``; its header documents the format and the timeline facts tests
may rely on; the page model is in ``wikipedia_pages``):

- ``prop=extracts`` (``exintro``, ``explaintext``, ``exsentences``): each page's intro as
  TextExtracts gives it, the plain text of its latest revision. As on the real API, extracts
  of an intro come for the first 20 pages only (``exlimit``), the rest with a ``continue``.
- ``prop=revisions`` with ``rvprop`` (``ids``, ``timestamp``, ``flags``, ``size``, ``sha1``,
  ``content``; ``user`` and ``comment`` are not served), ``rvslots=main`` (content under
  ``slots.main`` with its model and format; without it the legacy shape and its
  deprecation warning) and ``rvsection=0`` (the lead), in the API's three modes:
  titles (up to 50) -> each page's latest revision; one title with ``rvlimit`` (a number,
  or ``max``: 500, 50 with content), ``rvstart``/``rvend`` (inclusive) and ``rvdir``
  (``older`` by default, or ``newer``) -> its history, continued with ``rvcontinue``
  (``<YYYYMMDDHHMMSS>|<revid>``, as MediaWiki writes it), refused with ``invalidparammix``
  for several pages; ``revids`` (up to 50) -> those revisions grouped by page, unknown ones
  under ``badrevids``. A revision whose text an admin deleted answers ``texthidden`` (and
  ``sha1hidden``) instead of its content.
- ``prop=links`` (``plnamespace``, ``pllimit``: 10 by default, ``max`` 500, ``plcontinue``):
  the articles (namespace 0) each page's latest revision links to anywhere in its
  wikitext, a redirect's being its target, in MediaWiki's order (page id, then title as
  the database keys it: underscores, bytes), the limit counting over all the pages, with
  ``plcontinue`` ``<pageid>|0|<Title_with_underscores>`` of the next link. Links to files,
  categories, other namespaces and other wikis are not listed, nor the ones templates would
  make. It is how a disambiguation page's candidates are found.
- ``list=search`` (``srsearch``, ``srnamespace``, ``srlimit``: 10 by default, ``max`` 500,
  ``sroffset``; ``srwhat`` and ``srprop`` ignored): CirrusSearch's answer (``searchinfo``,
  ``search`` with ``ns``, ``title``, ``pageid``, ``size``, ``wordcount``, a ``snippet`` with
  ``<span class="searchmatch">`` and ``timestamp``; ``sroffset`` to continue, ``-||``)
  over the articles, made-up companies and redirects excepted. A page is a hit when each
  word (case and accents folded) is in its title or its lead; a title that is the query
  comes first, then titles with every word, then matches in the text only, each by more
  occurrences of the words, then by title. Also as ``generator=search`` (``gsr*``) with the
  other modules, each page with its ``index`` (rank); the pages come in page id order, and
  the generator continues with ``gsroffset`` (``gsroffset||``) once they are complete. It
  is how a company without a page finds candidates.
- ``prop=pageprops`` (disambiguation pages), ``redirects`` (followed as the pages are now),
  title normalisation, missing and invalid titles, at most 50 titles a query.

Beyond the corpus, every title ``Synthetic Company <n>`` (n < 10**8) is an article made up
on the spot, so load tests can ask about thousands of companies, with a fixed history:
created 2020-01-01T00:00:00Z and edited on 2026-10-05, 2026-10-15 and 2026-10-25 at hour
n % 24, the tone of its lead turning at each edit (praised, criticised, neutral by turns);
the latest revision's lead is the intro it always had (praised when n % 3 is 0, criticised
when 1, neutral when 2). Page id 900000000 + n, revids 100000000 + 4n + k (k = 0 for the
creation). The history benchmark (30 dates x 100 companies in October 2026, each seeing
its article change three times) relies on this rule.

For the results page's links it serves an article's page (``/wiki/<title>``) and a diff
(``/w/index.php?diff=&oldid=``) as plain HTML.

For tests and benchmarks it also has a control API under ``/__control__/``: queue faults
(HTTP 429/503 with Retry-After, maxlag refusals, 500s) for a title, a number of times or
for a number of seconds (an outage), add latency to every answer, save an edit now
(``POST /__control__/edit``), read back the requests it got (and how many were of each
mode: latest, history, revids, extracts, links, search) and the most it ever had in flight at once.
``DELETE`` forgets faults, requests and edits.

This module is the HTTP server; the rest lives beside it: ``wikipedia_pages`` (the
page model and the corpus), ``wikipedia_params`` (a query's parameters, checked as the
API checks them), ``wikipedia_query`` (``Corpus``: the query engine over the pages),
``wikipedia_search`` (search ranking and snippets), ``wikipedia_state`` (faults, latency,
the request log) and ``wikipedia_html`` (the article and diff pages).

Run: ``python -m dev.standins.wikipedia_api --port 8951``
"""

from __future__ import annotations

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dev.standins.wikipedia_html import html_page
from dev.standins.wikipedia_pages import CORPUS, iso_timestamp, normalise_title
from dev.standins.wikipedia_query import Corpus
from dev.standins.wikipedia_state import Fault, State


class Handler(BaseHTTPRequestHandler):
    server: WikipediaServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed
    # ACK holds the second one back ~40 ms per response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log is kept in State and served under /__control__/requests

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(body).encode("utf-8"), "application/json", headers)

    def _send_html(self, status: int, html: str) -> None:
        self._send_bytes(status, html.encode("utf-8"), "text/html")

    def _send_bytes(
        self, status: int, payload: bytes, media_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self._leave_flight()
        self.send_response(status)
        self.send_header("Content-Type", f"{media_type}; charset=utf-8")
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
        if url.path.startswith("/wiki/") or url.path == "/w/index.php":
            self._send_html(*html_page(self.server.corpus, url.path, parse_qs(url.query)))
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
        self._in_flight = True
        try:
            time.sleep(latency)  # a far-away server: the answer takes this long
            self._answer(params)
        finally:
            self._leave_flight()

    def _leave_flight(self) -> None:
        """A request stops counting as in flight when its answer starts on its way: the
        client frees its request slot only once the answer arrived, so a request it
        sends next is never counted beside this one (counting until this thread ends
        would, on a busy machine, show one more in flight than the slots allow)."""
        if getattr(self, "_in_flight", False):
            self._in_flight = False
            with self.server.state.lock:
                self.server.state.in_flight -= 1

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
        elif path == "/__control__/edit":
            self._edit(self._body())
        elif path == "/__control__/faults":
            self._queue_fault(self._body())
        else:
            self._send(404, {})

    def _edit(self, spec: dict[str, Any]) -> None:
        try:
            page = self.server.corpus.edit(spec["title"], spec["wikitext"], spec.get("text"))
        except (KeyError, ValueError) as error:
            self._send(400, {"error": f"an edit needs a legal title and wikitext: {error}"})
            return
        saved = page.latest
        self._send(
            201,
            {
                "title": page.title,
                "pageid": page.pageid,
                "revid": saved.revid,
                "parentid": saved.parentid,
                "timestamp": iso_timestamp(saved.timestamp),
            },
        )

    def _queue_fault(self, spec: dict[str, Any]) -> None:
        title = spec.get("title", "*")
        fault = Fault(
            title=title if title == "*" else normalise_title(title),
            remaining=int(spec.get("count", 1)),
            status=int(spec.get("status", 503)),
            retry_after=str(spec["retry_after"]) if "retry_after" in spec else None,
            kind=spec.get("kind", "http"),
            until=time.monotonic() + float(spec["seconds"]) if "seconds" in spec else 0.0,
        )
        with self.server.state.lock:
            self.server.state.faults.append(fault)
        self._send(201, {"queued": fault.remaining, "seconds": spec.get("seconds")})

    def do_DELETE(self) -> None:
        """Forget faults, the request log, the in-flight peak and the edits (latency stays)."""
        self.server.state.reset()
        self.server.corpus.reset_edits()
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
