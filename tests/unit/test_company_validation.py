"""Which table items become companies to enrich, and why the others are skipped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from enrichment.company_sentiment.companies import Company, Rejected, validate_items


def test_valid_items_become_companies_in_name_order():
    result = validate_items(
        [
            {"name": "Netflix"},
            {"name": "Amazon", "wikipedia_title": "Amazon (company)"},
        ]
    )
    assert result.companies == [
        Company(name="Amazon", wikipedia_title="Amazon (company)"),
        Company(name="Netflix", wikipedia_title="Netflix"),
    ]
    assert result.rejected == []


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        pytest.param({"ticker": "XYZ"}, "item has no name", id="missing-name"),
        pytest.param({"name": ""}, "name is empty", id="empty-name"),
        pytest.param({"name": "   "}, "name is empty", id="blank-name"),
        pytest.param({"name": Decimal(42)}, "name is Decimal, not a string", id="number-name"),
        pytest.param({"name": "x" * 256}, "name is longer than 255 bytes", id="too-long"),
        pytest.param({"name": "é" * 128}, "name is longer than 255 bytes", id="too-long-in-bytes"),
        pytest.param(
            {"name": "Apple", "wikipedia_title": ""},
            "wikipedia_title is empty",
            id="empty-title",
        ),
        pytest.param(
            {"name": "Apple", "wikipedia_title": {"S": "Apple Inc."}},
            "wikipedia_title is dict, not a string",
            id="non-string-title",
        ),
    ],
)
def test_bad_items_are_skipped_with_a_reason(item, reason):
    result = validate_items([item, {"name": "Netflix"}])
    assert result.companies == [Company(name="Netflix", wikipedia_title="Netflix")]
    assert [r.reason for r in result.rejected] == [reason]


def test_duplicates_differing_in_case_or_spaces_are_one_company():
    result = validate_items([{"name": "netflix "}, {"name": "Netflix"}, {"name": " NETFLIX"}])
    assert result.companies == [Company(name="NETFLIX", wikipedia_title="NETFLIX")]
    assert result.rejected == [
        Rejected("'Netflix'", "duplicate of 'NETFLIX'"),
        Rejected("'netflix '", "duplicate of 'NETFLIX'"),
    ]


def test_names_are_stripped():
    result = validate_items([{"name": "  Sony ", "wikipedia_title": " Sony "}])
    assert result.companies == [Company(name="Sony", wikipedia_title="Sony")]
