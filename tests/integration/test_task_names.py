"""A company task in the triggerer that cannot be named in the UI still gets its row.

Naming leans on Airflow internals (``enrichment.company_sentiment.triggerer_internals``): an
upgrade that moves the Execution API's endpoint, a token the API server refuses, or a
triggerer without the signing key. Each is played here against the process the
triggerer's company tasks share, with real clients on the stand-ins: the name is a
logged warning, the row is the same as with naming working.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from enrichment.company_sentiment.companies import Company
from enrichment.company_sentiment.rows import Row
from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.company_sentiment.trigger import TriggererProcess
from tests.support.servers import TinySite, serving, status

TI_ID = "0193b9a0-0000-7000-8000-000000000001"
NAMING_PATH = f"/execution/task-instances/{TI_ID}/rendered-map-index"
NETFLIX = Company(name="Netflix", wikipedia_title="Netflix")
MOMENT = datetime(2026, 11, 20, tzinfo=UTC)


async def name_and_row(process: TriggererProcess) -> tuple[Row, asyncio.Task]:
    naming = process.show_name(TI_ID, NETFLIX["name"])
    row = await process.row(NETFLIX, SentimentSettings(), MOMENT)
    await naming
    return row, naming


@pytest.mark.parametrize(
    ("answer", "jwt_secret"),
    [
        pytest.param(
            None, "a-secret-of-at-least-sixty-four-bytes-for-hs512-" * 2, id="endpoint-moved"
        ),
        pytest.param(
            status(403), "a-secret-of-at-least-sixty-four-bytes-for-hs512-" * 2, id="token-refused"
        ),
        pytest.param(status(200), None, id="no-signing-key"),
    ],
)
def test_a_name_that_cannot_be_set_leaves_the_row_alone(
    bootstrapped, monkeypatch, caplog, answer, jwt_secret
):
    site = TinySite({NAMING_PATH: answer} if answer else {})
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"{site.origin}/execution/")
    if jwt_secret:
        monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", jwt_secret)
    else:
        monkeypatch.delenv("AIRFLOW__API_AUTH__JWT_SECRET", raising=False)
        monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_PRIVATE_KEY_PATH", "")

    with serving(site), caplog.at_level(logging.WARNING):
        row, naming = asyncio.run(name_and_row(TriggererProcess()))

    assert naming.exception() is None  # naming never fails the company's work
    assert (row.name, row.status, row.sentiment) == ("Netflix", "ok", "POSITIVE")
    assert [r.getMessage() for r in caplog.records if "name task instance" in r.getMessage()] == [
        f"Could not name task instance {TI_ID} 'Netflix' in the UI"
    ]
    patches = [r for r in site.requests if r["method"] == "PATCH"]
    assert len(patches) == (1 if jwt_secret else 0)  # without a key, nothing is sent


def test_a_name_that_can_be_set_is_sent_for_that_task_instance(bootstrapped, monkeypatch, caplog):
    """The same set-up with an API that takes the name: no warning, one PATCH."""
    site = TinySite({NAMING_PATH: status(204)})
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"{site.origin}/execution/")
    monkeypatch.setenv(
        "AIRFLOW__API_AUTH__JWT_SECRET", "a-secret-of-at-least-sixty-four-bytes-for-hs512-" * 2
    )
    with serving(site), caplog.at_level(logging.WARNING):
        row, _ = asyncio.run(name_and_row(TriggererProcess()))

    assert row.status == "ok"
    assert not [r for r in caplog.records if "name task instance" in r.getMessage()]
    assert [(r["method"], r["path"]) for r in site.requests] == [("PATCH", NAMING_PATH)]
