"""The main job on the local stand-ins: ``make demo``.

Starts the stand-ins, prepares Airflow's metadata database, bootstraps tables, bucket,
seed and pool, runs both DAGs with ``airflow dags test`` (company_sentiment for
``--date``, today by default; image_labels for now, whatever ``--date`` says: it crawls
today's web and refuses past dates) and prints what they produced: one line per company
with its sentiment, and one line per labelled image with the run's counts and skips.
Then the reviews company_review would ask a person for the companies that run filed as
ambiguous or missing, with their candidate articles (the demo has no UI to answer them
in: ``make airflow`` does; nothing is marked as asked). Then a short backfill of
company_sentiment over three past dates in which some articles of the local Wikipedia
changed, and the companies whose sentiment changed with them, each date naming the
revision it read.
The stand-ins are stopped at the end (also on failure or Ctrl-C), so running it again
starts clean; stand-ins that were already running (for ``make airflow-up``) are used and
left running.

    python -m dev.demo [--date YYYY-MM-DD] [--keep-running]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from dev.processes import run_step
from dev.stack import SERVICES, Stack, airflow_env
from enrichment.company_sentiment.deadline import DEADLINE_ENV

# Three dates in which the local Wikipedia's articles changed (the timeline facts at the
# top of dev/standins/wikipedia_corpus.yaml): Facebook, Nestlé, Theranos, Boeing and
# Enron change tone between them.
BACKFILL = ("2026-11-17", "2026-11-18", "2026-11-19")


def _run(step: str, command: list[str], env: dict[str, str], log_path: Path) -> None:
    """Run one step, saying how long it took; on failure exit with the log's tail."""
    print(f"  {step} ...", end=" ", flush=True)
    try:
        elapsed = run_step(step, command, env, log_path)
    except RuntimeError as failure:
        print("FAILED")
        raise SystemExit(str(failure)) from None
    print(f"done in {elapsed:.1f}s")


def _summary(csv_text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    lines = [f"{'company':<22} {'status':<10} {'sentiment':<9} pos   neg   neu   mix"]
    for row in rows:
        scores = "  ".join(
            f"{float(row[c]):.2f}" if row[c] else "  - "
            for c in ("positive", "negative", "neutral", "mixed")
        )
        lines.append(
            f"{row['name'][:22]:<22} {row['status']:<10} {row['sentiment'] or '-':<9} {scores}"
        )
    counts = Counter(row["status"] for row in rows)
    lines.append(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return "\n".join(lines)


def _changes(files: dict[str, str]) -> str:
    """The companies whose sentiment differs between the backfilled dates: per date, its
    sentiment and the revision of the article it describes."""
    rows = {
        ds: {r["name"]: r for r in csv.DictReader(io.StringIO(text))} for ds, text in files.items()
    }
    dates = list(rows)
    names = sorted(set().union(*(set(by_name) for by_name in rows.values())))
    changed = [
        name
        for name in names
        if len({rows[ds][name]["sentiment"] or rows[ds][name]["status"] for ds in dates}) > 1
    ]
    lines = [f"{'company':<20} " + " ".join(f"{ds:<24}" for ds in dates)]
    for name in changed:
        cells = [
            f"{rows[ds][name]['sentiment'] or rows[ds][name]['status']:<9} "
            f"rev {rows[ds][name]['wikipedia_revision_id'] or '-':<10}"
            for ds in dates
        ]
        lines.append(f"{name[:20]:<20} " + " ".join(f"{cell:<24}" for cell in cells))
    lines.append(f"{len(changed)} of {len(names)} companies changed sentiment over these dates")
    return "\n".join(lines)


def _reviews(reviews: list) -> str:
    """The questions company_review would ask, each candidate with its first sentence."""
    lines = []
    for review in reviews:
        lines.append(f"{review['company']} ({review['status']}):")
        for number, candidate in enumerate(review["candidates"], start=1):
            sentence = candidate["sentence"]
            lines.append(
                f"  {number:>2}. {candidate['title']}: "
                f"{sentence[:70] + '...' if len(sentence) > 70 else sentence}"
            )
        lines.append("      or: None of these / Ask again later")
    return "\n".join(lines)


def _image_summary(report: dict, items: list[dict]) -> str:
    lines = [f"{'image':<14} {'from':<28} {'size':>9}  labels"]
    for item in sorted(items, key=lambda item: item["source_url"]):
        path = item["source_url"].split("/", 3)[-1]
        labels = ", ".join(label["name"] for label in item["labels"]) or "-"
        size = f"{item['width']}x{item['height']}"
        lines.append(f"{item['image_id'][:12]}.. /{path[:27]:<27} {size:>9}  {labels}")
    lines.append(
        f"{report['pages']} pages, {report['images']} distinct images, "
        f"{report['labelled']} labelled, {report['seen_again']} already known, "
        f"{report['rekognition_calls']} Rekognition calls, {report['skipped']} skipped:"
    )
    lines.extend(f"  skipped {skip['url'][:60]}: {skip['reason']}" for skip in report["skips"])
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", type=date.fromisoformat, default=datetime.now(UTC).date())
    parser.add_argument(
        "--keep-running", action="store_true", help="leave the stand-ins up afterwards"
    )
    args = parser.parse_args()
    ds = args.date.isoformat()
    # image_labels runs for this moment, not for midnight: a demo started just before
    # midnight still crawls within its date's allowed lag.
    crawled_at = datetime.now(UTC).replace(microsecond=0)
    images_ds = crawled_at.date().isoformat()
    stack = Stack()
    logs = stack.state_dir / "logs"
    env = os.environ | airflow_env(stack.state_dir) | stack.connection_env()
    # `airflow dags test` fails on Airflow 3.3.2 when a DAG with a deadline succeeds
    # (enrichment/company_sentiment/deadline.py): the demo's runs go without it.
    env[DEADLINE_ENV] = "off"
    airflow = str(Path(sys.executable).with_name("airflow"))
    started = time.monotonic()
    # Stand-ins already up (say, for `make airflow-up`) are used and left running.
    already_up = [name for name, state in stack.status().items() if state == "up"]
    try:
        print(
            f"Local stand-ins: AWS {stack.url('aws')}, Wikipedia {stack.url('wikipedia')}, "
            f"sample site {stack.url('site')}"
        )
        stack.up()
        _run("airflow db migrate", [airflow, "db", "migrate"], env, logs / "db-migrate.log")
        _run(
            "bootstrap tables, bucket, seed, pool",
            [sys.executable, "-m", "enrichment.bootstrap"],
            env,
            logs / "bootstrap.log",
        )
        _run(
            f"company_sentiment for {ds}",
            [airflow, "dags", "test", "company_sentiment", ds],
            env,
            logs / f"company_sentiment-{ds}.log",
        )
        for day in BACKFILL:
            _run(
                f"company_sentiment for {day} (backfill)",
                [airflow, "dags", "test", "company_sentiment", day],
                env,
                logs / f"company_sentiment-{day}.log",
            )
        _run(
            f"image_labels for {images_ds}",
            [airflow, "dags", "test", "image_labels", crawled_at.isoformat()],
            env,
            logs / f"image_labels-{images_ds}.log",
        )
        # Reading the results back is the demo's business; the hooks' credential notes are not.
        os.environ.update(env, AIRFLOW__LOGGING__NAMESPACE_LEVELS="airflow.providers=WARNING")
        from enrichment import aws, storage
        from enrichment.company_review import tasks as review
        from enrichment.company_sentiment.result_file import result_key
        from enrichment.company_sentiment.settings import SentimentSettings
        from enrichment.image_labels.keys import report_key
        from enrichment.image_labels.settings import ImageLabelsSettings

        sentiment, images = SentimentSettings(), ImageLabelsSettings()
        s3 = aws.s3_client()
        key = result_key(sentiment.prefix, ds, sentiment.companies_table, sentiment.output_format)
        print()
        print(_summary(storage.get_text(s3, sentiment.bucket, key)))
        print(f"\nResult: s3://{sentiment.bucket}/{key}\n")
        event = {
            "uri": f"s3://{sentiment.bucket}/{key}",
            "companies_table": sentiment.companies_table,
        }
        # Nor are the package's progress lines (company_review's "N companies to review"):
        # the tables and questions below say it. Set on the logger itself, after Airflow
        # configured logging on import (its namespace_levels are read once, at start-up).
        logging.getLogger("enrichment").setLevel(logging.WARNING)
        filed = review.filed_companies(s3, [event | {"timestamp": datetime.now(UTC)}])
        slots = aws.dynamodb_table(sentiment.request_slots_table)
        print(f"company_review would ask a person about {len(filed)} companies:")
        print(_reviews(review.reviews_for(filed, slots, sentiment.wikipedia_slots)))
        print("(answer such reviews in the Airflow UI's Required actions: make airflow)\n")
        backfilled = {
            day: storage.get_text(
                s3,
                sentiment.bucket,
                result_key(sentiment.prefix, day, sentiment.companies_table),
            )
            for day in BACKFILL
        }
        print(
            f"Backfill {BACKFILL[0]} .. {BACKFILL[-1]}: each date read as its articles stood then"
        )
        print(_changes(backfilled))
        print()
        summary_key = report_key(images.report_prefix, images_ds)
        report = json.loads(storage.get_text(s3, images.bucket, summary_key))
        items = aws.dynamodb_table(images.labels_table).scan()["Items"]
        print(_image_summary(report, items))
        print(
            f"\nResult: DynamoDB table {images.labels_table}, images under "
            f"s3://{images.bucket}/{images.image_prefix}, "
            f"summary s3://{images.bucket}/{summary_key}"
        )
        print(f"Logs:   {logs}/  (total {time.monotonic() - started:.1f}s)")
    finally:
        if not args.keep_running:
            stack.down([service.name for service in SERVICES if service.name not in already_up])


if __name__ == "__main__":
    main()
