"""What a deployment-wide Wikipedia request slot costs each request.

Starts the stand-ins (AWS and Wikipedia) on ports of their own, makes Wikipedia answer
in 150 ms as ``bench.fanout`` does, and measures in the same run:

- a slot's round trip alone: acquire and release, two conditional writes to DynamoDB
  (the AWS stand-in, unslowed: a real in-region DynamoDB write takes a few ms too);
- a 20-title Wikipedia request as a bare GET (the baseline), and the same request through
  ``WikipediaClient``, which holds a slot around it.

Prints milliseconds (median and 95th percentile) and the slot's share of a request.

    .venv/bin/python -m bench.request_slots [--runs 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dev.stack import Stack, airflow_env
from dev.standins.wikipedia_control import WikipediaControl

WIKIPEDIA_LATENCY = 0.15
TITLES = [f"Synthetic Company {n}" for n in range(20)]


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile of ``call`` in milliseconds, after one warm-up call."""
    call()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    cuts = statistics.quantiles(seconds, n=20)
    return statistics.median(seconds) * 1000, cuts[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="bench-request-slots-"))
    os.environ.update(airflow_env(state))
    with Stack.on_free_ports(state / "stack") as stack:
        import requests

        from enrichment import aws, request_slots
        from enrichment.bootstrap import ensure_table
        from enrichment.wikipedia.client import API_ENDPOINT, WikipediaClient, request_slots_in
        from enrichment.wikipedia.queries import summary_request

        ensure_table(aws.dynamodb_client(), "request_slots", request_slots.KEY)
        slots = request_slots_in(aws.dynamodb_table("request_slots"), 3)
        WikipediaControl(stack.url("wikipedia")).latency(WIKIPEDIA_LATENCY)
        bare = requests.Session()
        url = stack.url("wikipedia") + API_ENDPOINT

        def hold_a_slot() -> None:
            with slots.hold():
                pass

        def bare_request() -> None:
            bare.get(url, params=summary_request(TITLES, 1), timeout=30).raise_for_status()

        with WikipediaClient() as client:
            figures = {
                "slot acquire + release": timed(hold_a_slot, args.runs),
                "Wikipedia request, bare GET": timed(bare_request, args.runs // 4),
                "Wikipedia request in a slot": timed(
                    lambda: client.summaries(TITLES, 1, slots), args.runs // 4
                ),
            }
    print(f"{'':<30} {'median ms':>10} {'p95 ms':>8}")
    for name, (median, p95) in figures.items():
        print(f"{name:<30} {median:>10.1f} {p95:>8.1f}")
    slot = figures["slot acquire + release"][0]
    request = figures["Wikipedia request, bare GET"][0]
    print(
        f"slot's share of a {WIKIPEDIA_LATENCY * 1000:.0f} ms request: {slot / request:.1%}; "
        f"500 companies (26 requests): {26 * slot:.0f} ms of slot round trips in all"
    )


if __name__ == "__main__":
    main()
