"""What a review writes to the companies table, on the DynamoDB stand-in: each answer's
item update, the "never twice at once" rule, and what company_sentiment then reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from enrichment import aws
from enrichment.bootstrap import ensure_table
from enrichment.company_review.review_state import Answer, open_review, record_answer
from enrichment.company_sentiment.companies import companies_to_enrich, put_companies

FILED = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)  # when the reviewed result file was written
NOW = datetime(2026, 12, 1, 0, 10, tzinfo=UTC)
WEEK = timedelta(days=7)


@pytest.fixture
def table(stack):
    name = f"companies-{uuid.uuid4().hex[:8]}"
    ensure_table(aws.dynamodb_client(), name, "name")
    table = aws.dynamodb_table(name)
    put_companies(
        table,
        [
            {"name": "Delta"},
            {"name": "Globex Corporation"},
            {"name": "Mercury", "wikipedia_title": "Mercury", "notes": "kept"},
        ],
    )
    return table


def _open(table, name, run_id="run-1", now=NOW, filed_at=FILED):
    return open_review(table, name, filed_at=filed_at, run_id=run_id, now=now, timeout=WEEK)


def _item(table, name):
    return table.get_item(Key={"name": name}).get("Item")


def test_a_company_is_not_asked_about_twice_at_once(table):
    assert _open(table, "Delta", "run-1")
    assert _item(table, "Delta")["review_open"] == {
        "run_id": "run-1",
        "until": "2026-12-09T00:10:00Z",  # the timeout and a day's margin
    }
    assert not _open(table, "Delta", "run-2")
    # The run that opened it may open it again: its task's retry.
    assert _open(table, "Delta", "run-1")
    # A review left open past its timeout and margin (its run deleted) frees the company.
    assert _open(table, "Delta", "run-3", now=NOW + WEEK + timedelta(days=1, seconds=1))


def test_a_chosen_article_becomes_the_title_with_who_and_when(table):
    assert _open(table, "Mercury")
    answer = Answer("Mercury", title="Mercury Records", by="alice", at="2026-12-01T09:00:00Z")
    assert record_answer(table, answer)
    assert _item(table, "Mercury") == {
        "name": "Mercury",
        "wikipedia_title": "Mercury Records",
        "review_status": "title_chosen",
        "reviewed_by": "alice",
        "reviewed_at": "2026-12-01T09:00:00Z",
        "notes": "kept",
    }
    assert companies_to_enrich(table, 100)[2] == {
        "name": "Mercury",
        "wikipedia_title": "Mercury Records",
    }
    # A file written before the answer (a backfill's) does not ask again; one written
    # after it (the chosen title is ambiguous too) does.
    assert not _open(table, "Mercury", "run-2", filed_at=FILED)
    assert _open(table, "Mercury", "run-2", filed_at=datetime(2026, 12, 2, tzinfo=UTC))


def test_none_of_these_files_the_company_as_no_article_and_it_is_never_asked_again(table):
    assert _open(table, "Globex Corporation")
    answer = Answer("Globex Corporation", no_article=True, by="bob", at="2026-12-01T09:00:00Z")
    assert record_answer(table, answer)
    item = _item(table, "Globex Corporation")
    assert item["review_status"] == "no_article"
    assert "wikipedia_title" not in item
    assert "review_open" not in item
    companies = {c["name"]: c for c in companies_to_enrich(table, 100)}
    assert companies["Globex Corporation"] == {
        "name": "Globex Corporation",
        "wikipedia_title": "Globex Corporation",
        "no_article": True,
    }
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert not _open(table, "Globex Corporation", "run-2", now=later, filed_at=later)


def test_ask_again_later_changes_nothing_but_closes_the_review(table):
    before = _item(table, "Mercury")
    assert _open(table, "Mercury")
    assert record_answer(table, Answer("Mercury", at="2026-12-08T00:10:00Z"))
    assert _item(table, "Mercury") == before
    assert _open(table, "Mercury", "run-2")


def test_an_answer_about_a_deleted_company_is_ignored_never_a_new_item(table, caplog):
    assert _open(table, "Delta")
    table.delete_item(Key={"name": "Delta"})
    answer = Answer("Delta", title="Delta Air Lines", by="alice", at="2026-12-01T09:00:00Z")
    assert not record_answer(table, answer)
    assert _item(table, "Delta") is None
    assert "no longer in" in caplog.text
    assert not _open(table, "Delta", "run-2")
