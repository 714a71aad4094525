"""Render times of the results page: first load against warm, per view.

Seeds the AWS stand-in (moto in server mode, started on free ports as the tests start
it) with 1,000 companies x 30 dates of company_sentiment results and 2,000 labelled
images, written by the pipelines' own writers. For each view it mounts a new results
app (empty caches) under the plugin's prefix, signs in with a JWT of Airflow's simple
auth manager (checked against the revoked tokens of a metadata database: SQLite in a
temporary directory) and times the first render (ListObjectsV2, every GET and parse,
the table scan) and the median of the warm ones (parsed files reused by ETag, the scan
reused until an image_labels run finishes). Target: every warm render under a second.

    .venv/bin/python -m bench.results_page [--companies 1000] [--dates 30] [--images 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dev.stack import Stack, airflow_env

LAST_DATE = "2026-11-25"
WARM_RUNS = 5
TARGET_S = 1.0
PREFIX = "/enrichment-results"


def timed(client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:500]}")
    return elapsed, len(response.content)


def signed_in_client(token: str):
    """A test client of a fresh results app (empty caches) mounted under the plugin's
    prefix, carrying the UI's ``_token`` cookie."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from enrichment.results_page.app import create_app

    app = FastAPI()
    app.mount(PREFIX, create_app())
    client = TestClient(app)
    client.cookies.set("_token", token)
    return client


def measure(companies: int, dates: int, images: int) -> None:
    state = Path(tempfile.mkdtemp(prefix="bench-results-"))
    os.environ.update(airflow_env(state))
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AIRFLOW__API_AUTH__JWT_SECRET": "bench-results-page-" + "x" * 48,
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    with Stack.on_free_ports(state / "stack"):
        # Airflow reads its settings on first import: only now, with the environment set.
        from dev import results_data
        from enrichment import aws
        from enrichment.bootstrap import bootstrap
        from enrichment.company_sentiment.settings import SentimentSettings
        from enrichment.image_labels.settings import ImageLabelsSettings

        # The auth manager checks each token against the revoked ones in the database.
        airflow = Path(sys.executable).with_name("airflow")
        subprocess.run([airflow, "db", "migrate"], check=True, capture_output=True)
        bootstrap(pool=False)
        s3 = aws.s3_client()
        started = time.perf_counter()
        names = results_data.seed_sentiment(
            s3, SentimentSettings(), companies, results_data.dates(LAST_DATE, dates)
        )
        results_data.seed_images(
            s3, ImageLabelsSettings(), images, LAST_DATE, "https://example.org"
        )
        print(
            f"seeded {companies} companies x {dates} dates and {images} images "
            f"in {time.perf_counter() - started:.1f}s"
        )
        from airflow.api_fastapi.app import init_auth_manager
        from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

        token = init_auth_manager().generate_jwt(
            SimpleAuthManagerUser(username="admin", role="admin")
        )
        views = {
            "overview": f"{PREFIX}/?dates={dates}",
            "company page": f"{PREFIX}/company?name={names[3].replace(' ', '+')}",
            "gallery": f"{PREFIX}/images",
            "gallery, label filter": f"{PREFIX}/images?label=Car&site=site-a",
        }
        print(f"{'view':24} {'first s':>8} {'warm s':>8} {'warm/first':>10} {'HTML kB':>8}")
        slow = []
        for view, path in views.items():
            client = signed_in_client(token)
            first, size = timed(client, path)
            warm = statistics.median(timed(client, path)[0] for _ in range(WARM_RUNS))
            print(f"{view:24} {first:8.3f} {warm:8.3f} {warm / first:10.2f} {size / 1000:8.0f}")
            if warm >= TARGET_S:
                slow.append(view)
        verdict = f"missed by {', '.join(slow)}" if slow else "met"
        print(f"target: warm renders under {TARGET_S:.0f}s: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--dates", type=int, default=30)
    parser.add_argument("--images", type=int, default=2000)
    args = parser.parse_args()
    measure(args.companies, args.dates, args.images)


if __name__ == "__main__":
    main()
