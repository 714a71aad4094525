"""Where the image_labels pipeline keeps its objects in S3, for the tasks that write them
and the results page that reads them (as ``company_sentiment.result_file.result_key``
is for the sentiment files).

- an image, once per distinct content: ``<image_prefix>/<sha256>.<png|jpg>``;
- a run's crawl summary, one per logical date, rewritten by a re-run:
  ``<report_prefix>/ds=YYYY-MM-DD/summary.json``.
"""

from __future__ import annotations


def image_key(prefix: str, image_id: str, extension: str) -> str:
    """``images/<sha256>.<ext>`` for the default prefix."""
    return f"{prefix.strip('/')}/{image_id}.{extension}"


def report_key(prefix: str, ds: str) -> str:
    """``reports/image_labels/ds=YYYY-MM-DD/summary.json`` for the default prefix."""
    return f"{prefix.strip('/')}/ds={ds}/summary.json"
