"""Which revision was in effect at a moment, from what is known of a page's history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enrichment.wikipedia.history import Timeline
from enrichment.wikipedia.revisions import Revision, parse_time


def at(text: str) -> datetime:
    return parse_time(text)


# Netflix's made-up history: created, edited on 1 and 10 November, and at midnight on 20.
CREATED = Revision(at("2025-01-01T10:00:00Z"), 100, 0)
NOV_1 = Revision(at("2026-11-01T09:30:00Z"), 101, 100)
NOV_10 = Revision(at("2026-11-10T12:00:00Z"), 102, 101)
NOV_20 = Revision(at("2026-11-20T00:00:00Z"), 103, 102)
ASKED = at("2026-11-25T08:00:00Z")


def whole() -> Timeline:
    """The full history, the last revision confirmed latest when asked on 25 November."""
    return Timeline("Netflix").learn([CREATED, NOV_1, NOV_10], latest=NOV_20, asked_at=ASKED)


@pytest.mark.parametrize(
    ("moment", "revision"),
    [
        pytest.param("2024-06-01T00:00:00Z", None, id="before-the-page-existed"),
        pytest.param("2025-01-01T10:00:00Z", None, id="at-its-creation-the-page-is-not-yet"),
        pytest.param("2025-06-01T00:00:00Z", CREATED, id="after-creation"),
        pytest.param("2026-11-02T00:00:00Z", NOV_1, id="between-edits"),
        pytest.param("2026-11-20T00:00:00Z", NOV_10, id="an-edit-at-midnight-is-the-next-date"),
        pytest.param("2026-11-20T00:00:01Z", NOV_20, id="a-second-after-midnight"),
        pytest.param("2026-11-25T08:00:00Z", NOV_20, id="up-to-the-last-confirmation"),
    ],
)
def test_the_revision_in_effect_is_the_last_saved_strictly_before_the_moment(moment, revision):
    timeline = whole()
    assert timeline.covers(at(moment))
    assert timeline.revision_at(at(moment)) == revision


def test_after_the_last_confirmation_nothing_is_known():
    timeline = whole()
    assert not timeline.covers(at("2026-11-25T08:00:01Z"))
    with pytest.raises(LookupError, match="Netflix"):
        timeline.revision_at(at("2026-11-26T00:00:00Z"))


def test_a_latest_revision_alone_covers_from_its_save_to_when_it_was_asked():
    """A daily run: the answer's latest revision, nothing of the history."""
    timeline = Timeline("Netflix").learn((), latest=NOV_20, asked_at=ASKED)
    assert timeline.covers(at("2026-11-21T00:00:00Z"))
    assert timeline.revision_at(at("2026-11-21T00:00:00Z")) == NOV_20
    # Before its save nothing is known: it has a parent that may have been edited later.
    assert not timeline.covers(at("2026-11-19T00:00:00Z"))
    assert timeline.oldest_after(at("2026-11-19T00:00:00Z")) == NOV_20


def test_the_next_days_latest_joins_through_its_parent():
    """One edit a day between daily runs keeps the timeline whole, without histories."""
    yesterday = Timeline("Netflix").learn((), latest=NOV_10, asked_at=at("2026-11-11T00:05:00Z"))
    today = yesterday.learn((), latest=NOV_20, asked_at=ASKED)
    assert today.covers(at("2026-11-15T00:00:00Z"))  # NOV_20's parent is NOV_10: no gap
    assert today.revision_at(at("2026-11-15T00:00:00Z")) == NOV_10


def test_a_gap_of_unseen_edits_stays_unknown_until_the_history_is_read():
    before = Timeline("Netflix").learn((), latest=NOV_1, asked_at=at("2026-11-02T00:00:00Z"))
    later = before.learn((), latest=NOV_20, asked_at=ASKED)  # NOV_10 was never seen
    moment = at("2026-11-15T00:00:00Z")
    assert not later.covers(moment)
    assert later.covers(at("2026-11-01T12:00:00Z"))  # what was confirmed stays known
    assert later.oldest_after(moment) == NOV_20  # the history is read back from here
    read = later.learn([NOV_20, NOV_10, NOV_1])
    assert read.revision_at(moment) == NOV_10


def test_an_older_answer_never_moves_the_confirmation_back():
    timeline = Timeline("Netflix").learn((), latest=NOV_20, asked_at=ASKED)
    stale = timeline.learn((), latest=NOV_10, asked_at=at("2026-11-12T00:00:00Z"))
    assert dict(stale.latest_until)[NOV_20.revid] == ASKED
    assert stale.revision_at(at("2026-11-24T00:00:00Z")) == NOV_20


def test_timestamps_are_utc_and_exact_to_the_second():
    assert parse_time("2026-11-20T00:00:00Z") == datetime(2026, 11, 20, tzinfo=UTC)
