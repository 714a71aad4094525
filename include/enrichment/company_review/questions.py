"""One company's question to a person, and what its answer means: pure, no I/O.

A :class:`Review` (what the candidates task found about one company, passed on as XCom)
becomes the subject, body and options of its human-in-the-loop task; the chosen option
becomes an :class:`~.review_state.Answer`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from enrichment.company_review.review_state import Answer, iso

NONE_OF_THESE = "None of these"
ASK_LATER = "Ask again later"
FIXED_OPTIONS = (NONE_OF_THESE, ASK_LATER)

WHY = {
    "ambiguous": "its Wikipedia title opens a disambiguation page",
    "not_found": "Wikipedia has no page under its title",
}


class CandidateLink(TypedDict):
    title: str
    sentence: str
    url: str


class Review(TypedDict):
    """One company to ask about, as the candidates task hands it to its review."""

    company: str
    table: str  # the companies table the reviewed run read
    status: str  # "ambiguous" or "not_found"
    title: str  # the title that run tried
    title_url: str
    candidates: list[CandidateLink]


def options(review: Review) -> list[str]:
    """The candidates' titles, then "None of these" and "Ask again later"."""
    titles = [c["title"] for c in review["candidates"] if c["title"] not in FIXED_OPTIONS]
    return [*titles, *FIXED_OPTIONS]


def subject(review: Review) -> str:
    return f"Which Wikipedia article is the company {review['company']!r}?"


def _markdown(text: str) -> str:
    """``text`` shown as itself in Markdown (a title like ``*NSYNC`` stays literal)."""
    return "".join(f"\\{c}" if c in "\\`*_[]<>#|" else c for c in text)


def body(review: Review, timeout_days: float) -> str:
    """What the person reads before choosing: why they are asked, each candidate's first
    sentence with a link to its article, and what each choice will do."""
    company = _markdown(review["company"])
    lines = [
        f"company_sentiment filed **{company}** as `{review['status']}`: "
        f"{WHY.get(review['status'], 'it found no article')} "
        f"([{_markdown(review['title'])}]({review['title_url']})).",
        "",
    ]
    if review["candidates"]:
        lines.append("Candidates, most likely first:")
        lines.append("")
        for number, candidate in enumerate(review["candidates"], start=1):
            lines.append(
                f"{number}. [{_markdown(candidate['title'])}]({candidate['url']}): "
                f"{_markdown(candidate['sentence']) or '(no lead text)'}"
            )
    else:
        lines.append("Wikipedia suggested no article.")
    lines += [
        "",
        f"- **An article**: written to the company's item in `{review['table']}` as its "
        "`wikipedia_title`, with your name and the time; the next company_sentiment run "
        "analyses it.",
        f"- **{NONE_OF_THESE}**: the company has no article; the next runs file it as "
        "`no_article` and nobody is asked about it again.",
        f"- **{ASK_LATER}**: nothing changes; the next review asks again. Without an answer "
        f"in {timeout_days:g} days this is taken.",
    ]
    return "\n".join(lines)


def answer(review: Review, event: dict[str, Any]) -> Answer:
    """The :class:`Answer` of one finished review (the HITL task's return value)."""
    chosen = list(event.get("chosen_options") or ())
    if len(chosen) != 1 or chosen[0] not in options(review):
        raise ValueError(f"{review['company']!r}: {chosen} is not one of {options(review)}")
    user = event.get("responded_by_user") or {}
    responded_at = event.get("responded_at")
    at = iso(responded_at) if isinstance(responded_at, datetime) else str(responded_at or "")
    by = user.get("name") or user.get("id") or ""
    if chosen[0] == ASK_LATER:
        return Answer(review["company"], by=by, at=at)
    if chosen[0] == NONE_OF_THESE:
        return Answer(review["company"], no_article=True, by=by, at=at)
    return Answer(review["company"], title=chosen[0], by=by, at=at)
