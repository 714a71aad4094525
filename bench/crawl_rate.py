"""Crawler throughput on the sample site: pages, images and bytes per second.

Crawls the local sample site (all of it down to depth 3, every image downloaded, with no
politeness delay, as the development sites file sets it) several times and prints the
median rates, then the same with image preparation (magic numbers, WebP/GIF to PNG,
SHA-256) included. The sample site links to refused addresses, so the crawl runs in a
network namespace of its own (``dev/netns.py``), as the isolated tests do.

    .venv/bin/python -m bench.crawl_rate [--runs 5] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import threading
import time

from dev import PROJECT_ROOT
from dev.netns import in_namespace, run_isolated


def measure(runs: int, concurrency: int) -> None:
    from dev.standins.sample_site import SampleSiteServer
    from enrichment.image_labels.crawling import crawl_site
    from enrichment.image_labels.formats import UnusableImage, prepare_image
    from enrichment.image_labels.settings import ImageLabelsSettings
    from enrichment.image_labels.sites import Site

    server = SampleSiteServer(("127.0.0.1", 0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = Site(
        name="sample",
        start_urls=(server.site.origin + "/",),
        allow_private_addresses=True,
        crawl_delay=0,
        concurrency=concurrency,
    )
    crawl_times, prepare_times = [], []
    for _ in range(runs):
        started = time.perf_counter()
        crawl = crawl_site(site, ImageLabelsSettings().limits(), max_images=200)
        crawl_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        for download in crawl.downloads:
            with contextlib.suppress(UnusableImage):  # skips cost time too
                prepare_image(download.data)
        prepare_times.append(time.perf_counter() - started)
    server.shutdown()
    pages, images = len(crawl.pages), len(crawl.downloads)
    size = sum(len(download.data) for download in crawl.downloads)
    crawl_s, prepare_s = statistics.median(crawl_times), statistics.median(prepare_times)
    print(f"sample site: {pages} pages, {images} image downloads, {size / 1e6:.1f} MB")
    print(f"crawl + download (median of {runs}, concurrency {concurrency}): {crawl_s:.3f} s")
    print(
        f"  {pages / crawl_s:.1f} pages/s, {images / crawl_s:.1f} images/s, "
        f"{size / 1e6 / crawl_s:.1f} MB/s"
    )
    print(
        f"image preparation (sniff, convert, hash): {prepare_s:.3f} s, "
        f"{images / prepare_s:.1f} images/s"
    )
    total = crawl_s + prepare_s
    print(
        f"crawl task work in all: {total:.3f} s, {pages / total:.1f} pages/s, "
        f"{images / total:.1f} images/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    if not in_namespace():
        # This module again, from the project root, inside a namespace of its own.
        command = [sys.executable, "-m", "bench.crawl_rate", *sys.argv[1:]]
        raise SystemExit(run_isolated(command, cwd=PROJECT_ROOT).returncode)
    measure(args.runs, args.concurrency)


if __name__ == "__main__":
    main()
