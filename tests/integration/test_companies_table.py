"""Reading the companies table from the DynamoDB stand-in."""

from __future__ import annotations

import uuid

import pytest

from enrichment import aws
from enrichment.bootstrap import ensure_table
from enrichment.company_sentiment.companies import (
    TooManyCompanies,
    companies_to_enrich,
    put_companies,
    scan_table,
)


@pytest.fixture
def table(stack):
    name = f"companies-{uuid.uuid4().hex[:8]}"
    ensure_table(aws.dynamodb_client(), name, "name")
    return aws.dynamodb_table(name)


def test_a_table_larger_than_one_scan_page_is_read_whole(table):
    # 2,600 items of ~1 KB: DynamoDB (and moto) return at most 1 MB per Scan call.
    padding = "x" * 1000
    names = {f"Company {i:04d}" for i in range(2600)}
    put_companies(table, [{"name": n, "notes": padding} for n in names])

    scan = scan_table(table)

    assert scan.pages >= 3
    assert {item["name"] for item in scan.items} == names
    assert len(scan.items) == len(names)


def test_invalid_and_duplicate_items_are_skipped(table, caplog):
    put_companies(
        table,
        [
            {"name": "Netflix"},
            {"name": "netflix "},
            {"name": "   "},
            {"name": "Amazon", "wikipedia_title": "Amazon (company)"},
            {"name": "Apple", "wikipedia_title": 7},
        ],
    )
    companies = companies_to_enrich(table, max_companies=100)
    assert companies == [
        {"name": "Amazon", "wikipedia_title": "Amazon (company)"},
        {"name": "Netflix", "wikipedia_title": "Netflix"},
    ]
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Skipping")]
    assert len(skipped) == 3


def test_more_companies_than_the_cap_fail_the_scan_with_a_clear_message(table):
    put_companies(table, [{"name": f"Company {i}"} for i in range(6)])
    with pytest.raises(TooManyCompanies, match=r"6 companies in .* exceed the cap of 5"):
        companies_to_enrich(table, max_companies=5)


def test_airflow_mapping_limit_caps_the_companies_too(table, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__MAX_MAP_LENGTH", "4")
    put_companies(table, [{"name": f"Company {i}"} for i in range(6)])
    with pytest.raises(
        TooManyCompanies, match=r"exceed the cap of 4.*AIRFLOW__CORE__MAX_MAP_LENGTH"
    ):
        companies_to_enrich(table, max_companies=1000)
