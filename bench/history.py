"""What reading articles as they stood at each date costs: backfills and daily runs.

Starts a local Airflow exactly as ``make airflow`` does (LocalExecutor, PostgreSQL when
one answers, API server, DAG processor, triggerer; ``--triggerers 2`` for two) on
stand-ins of its own, Wikipedia answering in 150 ms, and measures through the REST API
and the stand-ins' counters:

1. a backfill of 30 dates over 100 made-up companies whose articles have 3 revisions
   each inside the range (the stand-in's synthetic history: saved on 5, 15 and 25
   October 2026). Targets: at most 300 Wikipedia requests in all (a page's history per
   date would take 3,000 or more), at most one Comprehend document per distinct text,
   and every row's revision the one in effect at its date's start;
2. a daily run of 500 companies none of whose articles changed after its moment: at most
   50 Wikipedia requests (the fan-out's own figures are ``bench.fanout``'s);
3. a 3-date backfill of the same 500 companies against that one date.

    .venv/bin/python -m bench.history [--triggerers 2] [--companies 100] [--dates 30]
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.fanout import Bench
from dev.airflow_local import LocalAirflow
from dev.airflow_runs import unpause
from dev.metadata_database import throwaway_database
from dev.ports import free_port
from dev.stack import Stack
from dev.standins.wikipedia_pages import synthetic_page

DAG_ID = "company_sentiment"
# The made-up articles' revisions fall on 5, 15 and 25 October 2026; the range around
# them sees each article change three times.
BACKFILL_FROM = date(2026, 10, 1)
# After every made-up article's last revision: a daily run with nothing to look back for.
DAILY = date(2026, 11, 2)


def rows_of(bench: Bench, conf: dict, day: date) -> list[dict[str, str]]:
    from enrichment import storage
    from enrichment.company_sentiment.result_file import result_key
    from enrichment.company_sentiment.settings import SentimentSettings

    key = result_key(conf["prefix"], day.isoformat(), conf["companies_table"])
    text = storage.get_text(bench.s3, SentimentSettings.bucket, key)
    return list(csv.DictReader(io.StringIO(text)))


def wrong_revisions(bench: Bench, conf: dict, days: list[date]) -> int:
    """Rows whose revision is not the one in effect at their date's start."""
    wrong = 0
    for day in days:
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for row in rows_of(bench, conf, day):
            revisions = synthetic_page(row["name"]).revisions
            in_effect = [r for r in revisions if r.timestamp < moment]
            if int(row["wikipedia_revision_id"] or 0) != in_effect[-1].revid:
                wrong += 1
    return wrong


def texts_and_documents(bench: Bench, conf: dict, days: list[date]) -> tuple[int, int]:
    """Distinct texts analysed over ``days``, and documents paid for: the rows whose
    sentiment came from a Comprehend call rather than the cache."""
    rows = [row for day in days for row in rows_of(bench, conf, day) if row["status"] == "ok"]
    paid = sum(row["sentiment_source"] == "comprehend" for row in rows)
    return len({row["wikipedia_snippet"] for row in rows}), paid


def conf_for(bench: Bench, name: str, companies: int) -> dict:
    """A table of ``companies`` made-up companies, and caches of its own, so that every
    case starts knowing nothing."""
    return {
        "companies_table": bench.table(f"history_{name}", "name", companies=companies),
        "max_companies": companies,
        "prefix": f"bench-history/{name}/",
        "sentiment_cache_table": bench.table(f"history_{name}_cache", "text_sha256"),
        "page_timelines_table": bench.table(f"history_{name}_timelines", "title"),
        "revision_texts_table": bench.table(f"history_{name}_texts", "revision_id"),
    }


def report(case: str, bench: Bench, measured, requests_by_mode: dict, extra: str) -> None:
    modes = ", ".join(f"{mode} {n}" for mode, n in sorted(requests_by_mode.items()))
    print(
        f"{case:<34} {measured.rows:>6} {measured.wall:>7.1f} {measured.wikipedia_requests:>8} "
        f"{measured.wikipedia_in_flight:>9} {measured.comprehend_calls:>10}  {extra}",
        flush=True,
    )
    print(f"{'':<34} Wikipedia requests by kind: {modes}", flush=True)


def measure(args: argparse.Namespace, stack: Stack, state: Path, database) -> None:
    airflow = LocalAirflow(
        stack, state, port=free_port(), database=database, triggerers=args.triggerers
    )
    try:
        print(f"Starting a local Airflow ({args.triggerers} triggerer(s)) in {state} ...")
        print(f"  ready in {airflow.up():.0f}s")
        bench = Bench(airflow, stack)
        unpause(bench.api, DAG_ID)  # today's scheduled run over the seeded table, unmeasured
        bench.slow_down()
        print(
            f"{'case':<34} {'rows':>6} {'wall s':>7} {'wiki req':>8} {'in flight':>9} "
            f"{'comprehend':>10}  targets"
        )

        conf = conf_for(bench, "backfill", args.companies)
        days = [BACKFILL_FROM + timedelta(days=i) for i in range(args.dates)]
        measured = bench.measure(conf, days, bench.backfill)
        stats = bench.wikipedia.stats()
        texts, paid = texts_and_documents(bench, conf, days)
        report(
            f"backfill {args.dates} dates x {args.companies}",
            bench,
            measured,
            stats.get("requests_by_mode", {}),
            f"wiki <= {args.companies * args.dates // 10}; {paid} documents paid for "
            f"{texts} distinct texts; rows with a wrong revision: "
            f"{wrong_revisions(bench, conf, days)}",
        )

        conf = conf_for(bench, "daily", 500)
        one = bench.measure(conf, [DAILY], bench.trigger)
        report(
            "daily 500, nothing edited since",
            bench,
            one,
            bench.wikipedia.stats().get("requests_by_mode", {}),
            "wiki <= 50",
        )
        conf = conf | {"prefix": "bench-history/daily-backfill/"}
        backfill = bench.measure(
            conf, [DAILY + timedelta(days=i) for i in (1, 2, 3)], bench.backfill
        )
        report(
            "3-date backfill of the 500",
            bench,
            backfill,
            bench.wikipedia.stats().get("requests_by_mode", {}),
            f"wall / one date {backfill.wall / one.wall:.2f}",
        )
    finally:
        airflow.down()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triggerers", type=int, default=1)
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--dates", type=int, default=30)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="enrichment-history-"))
    started = time.monotonic()
    with Stack.on_free_ports(state / "stack") as stack, throwaway_database(state) as database:
        measure(args, stack, state, database)
    print(f"done in {time.monotonic() - started:.0f}s")


if __name__ == "__main__":
    main()
