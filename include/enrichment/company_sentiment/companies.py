"""The DynamoDB table of companies: reading it whole, validating items, seeding it.

Partition key ``name`` (S); optional ``wikipedia_title`` (S) pins the article when the
name alone is ambiguous (``Amazon`` is a disambiguation page, ``Amazon (company)`` is not).
A person sets it in a company_review task, or a user by hand. ``review_status``
``no_article`` (a person answered "None of these") files the company as ``no_article``
without asking Wikipedia; the other review attributes are company_review's
(:mod:`enrichment.company_review.review_state`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from airflow.sdk.exceptions import AirflowFailException

# The table's partition key (S); the table name is a setting.
KEY = "name"
# Wikipedia titles are at most 255 bytes; a longer name cannot be an article.
MAX_NAME_BYTES = 255

log = logging.getLogger(__name__)


# review_status of a company a person said has no article.
NO_ARTICLE = "no_article"


class Company(TypedDict):
    name: str
    wikipedia_title: str
    # Set (True) only for a company a review found to have no article.
    no_article: NotRequired[bool]


@dataclass(frozen=True)
class Rejected:
    item: str
    reason: str


@dataclass
class Validation:
    companies: list[Company] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class ScanResult:
    items: list[dict[str, Any]]
    pages: int


def _text_problem(value: object, what: str) -> str | None:
    if not isinstance(value, str):
        return f"{what} is {type(value).__name__}, not a string"
    if not value.strip():
        return f"{what} is empty"
    if len(value.strip().encode("utf-8")) > MAX_NAME_BYTES:
        return f"{what} is longer than {MAX_NAME_BYTES} bytes"
    return None


def validate_items(items: Iterable[Mapping[str, Any]]) -> Validation:
    """Companies to enrich, in a stable order, and the items skipped with the reason.

    Names are stripped; two items whose names differ only in case or surrounding
    spaces are one company (the first one in name order is kept).
    """
    result = Validation()
    seen: dict[str, str] = {}
    # Sorted so that which duplicate wins, and the task order, are the same on every run.
    for item in sorted(items, key=lambda i: str(i.get("name", ""))):
        label = repr(item.get("name", "<no name>"))[:80]
        if "name" not in item:
            result.rejected.append(Rejected(label, "item has no name"))
            continue
        problem = _text_problem(item["name"], "name")
        title = item.get("wikipedia_title", item["name"])
        if problem is None:
            problem = _text_problem(title, "wikipedia_title")
        if problem is not None:
            result.rejected.append(Rejected(label, problem))
            continue
        name = item["name"].strip()
        key = name.casefold()
        if key in seen:
            result.rejected.append(Rejected(label, f"duplicate of {seen[key]!r}"))
            continue
        seen[key] = name
        company = Company(name=name, wikipedia_title=title.strip())
        if item.get("review_status") == NO_ARTICLE:
            company["no_article"] = True
        result.companies.append(company)
    return result


def scan_table(table) -> ScanResult:
    """Every item of the boto3 ``table``, following ``LastEvaluatedKey`` past each 1 MB page."""
    items: list[dict[str, Any]] = []
    pages = 0
    kwargs: dict[str, Any] = {}
    while True:
        page = table.scan(**kwargs)
        pages += 1
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return ScanResult(items=items, pages=pages)
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def put_companies(table, items: Iterable[Mapping[str, Any]]) -> int:
    """Write items keyed by ``name``; writing the same item again changes nothing."""
    count = 0
    with table.batch_writer(overwrite_by_pkeys=[KEY]) as batch:
        for item in items:
            batch.put_item(Item=dict(item))
            count += 1
    return count


class TooManyCompanies(AirflowFailException):
    """The table holds more companies than one run may fan out to; retrying cannot help."""


def conf_max_map_length() -> int:
    """Airflow's limit on the task instances one mapped task may expand into."""
    from airflow.sdk import conf

    return conf.getint("core", "max_map_length")


def mapping_cap(max_companies: int) -> int:
    """The smaller of the run's own cap and Airflow's limit on mapped task instances."""
    return min(max_companies, conf_max_map_length())


def companies_to_enrich(table, max_companies: int) -> list[Company]:
    """The valid companies of ``table``, each once; rejected items are logged and skipped."""
    scan = scan_table(table)
    validation = validate_items(scan.items)
    for rejected in validation.rejected:
        log.warning("Skipping item %s: %s", rejected.item, rejected.reason)
    log.info(
        "Scanned %d items in %d page(s) of %s: %d companies, %d skipped",
        len(scan.items),
        scan.pages,
        table.name,
        len(validation.companies),
        len(validation.rejected),
    )
    cap = mapping_cap(max_companies)
    if len(validation.companies) > cap:
        limit = conf_max_map_length()
        raise TooManyCompanies(
            f"{len(validation.companies)} companies in {table.name} exceed the cap of {cap} "
            f"(the run's max_companies Param is {max_companies}; Airflow's "
            f"[core] max_map_length is {limit}): raise the Param for this run and, above "
            f"{limit}, max_map_length in every Airflow component "
            "(AIRFLOW__CORE__MAX_MAP_LENGTH), or split the table"
        )
    return validation.companies
