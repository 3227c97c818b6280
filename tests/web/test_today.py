"""The dashboard opens on today: today's sessions with flags and latest scores one click away,
then the paperwork waiting on the counselor, each row saying why in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.practice.models import Practice
from app.web.today import Day
from tests.web.conftest import Browser
from tests.web.helpers import submitted

ZONE = "America/New_York"


@pytest.fixture
def day(factory, db):  # type: ignore[no-untyped-def]
    counselor = factory.counselor()
    practice = db.get(Practice, counselor.practice_id)
    practice.timezone = ZONE
    db.add(practice)
    db.commit()
    today = Day.of(ZoneInfo(ZONE))
    return {"counselor": counselor, "today": today}


def _section(html: str, heading: str) -> str:
    """The HTML from one h2 to the next."""
    return html.split(f">{heading}</h2>")[1].split("<h2")[0]


def test_todays_sessions_come_first_with_time_flags_and_scores(client, db, factory, day):
    me = day["counselor"]
    couple = factory.couple(me, names=("Maya", "Sam"))
    submitted(db, me, couple, client_id=couple.partner_b_id, value=5)  # raises the high "afraid" flag
    at = day["today"].start + timedelta(minutes=1)
    factory.planned_session(couple, at.astimezone(UTC))
    html = Browser(client, me).get("/dashboard").text
    assert html.index("Today's sessions") < html.index("Notes and sessions to finish") < html.index("Your queue")
    today = _section(html, "Today's sessions")
    assert "<strong class=\"clock\">00:01</strong>" in today
    assert "Maya &amp; Sam Lee" in today
    # Answering 5 throughout raises six flags (the definition's high-severity items).
    assert f'href="/couples/{couple.id}#flags-h" class="status status-open">6 open safety flags' in today
    assert f'href="/couples/{couple.id}#scores-h">Latest scores' in today
    assert "Sam Lee, Trust Rebuilding Inventory: 8 too early to tell; held back: see safety alert" in today
    assert "Maya Lee, Trust" not in today  # she has not answered: no line
    assert "Mark held, cancelled or a no-show" in today
    assert "(raised today)" in _section(html, "Open safety flags")  # each flag says how long it is open
    # The flag is announced above everything, not only in its section lower down.
    assert html.index("6 open safety flags</strong>: read them first") < html.index("Today's sessions")


def test_paperwork_lists_unsigned_drafts_with_their_age_and_unmarked_sessions(client, factory, day):
    me = day["counselor"]
    couple = factory.couple(me, names=("Ana", "Ben"))
    factory.therapy_session(couple, days_ago=12)  # a draft, twelve days old: overdue
    factory.therapy_session(couple, days_ago=2, note_data="Recent")  # a draft, two days old
    factory.therapy_session(couple, days_ago=5, status="signed")  # signed: not listed
    factory.planned_session(couple, datetime.now(UTC) - timedelta(days=3))  # never marked
    factory.planned_session(couple, datetime.now(UTC) + timedelta(days=2))  # ahead: not paperwork
    html = Browser(client, me).get("/dashboard").text
    rows = _section(html, "Notes and sessions to finish").split("<li>")[1:]
    assert len(rows) == 3
    assert "Note unsigned: held" in rows[0] and "12 days ago" in rows[0] and "Overdue" in rows[0]
    assert "Planned for" in rows[1] and "3 days ago, never marked held, cancelled or a no-show" in rows[1]
    assert "Note unsigned: held" in rows[2] and "2 days ago" in rows[2] and "Overdue" not in rows[2]
    later = _section(html, "Later this week")
    local = (datetime.now(UTC) + timedelta(days=2)).astimezone(ZoneInfo(ZONE))
    assert f"{local.strftime('%a')} {local.day} {local.strftime('%b')}, " in later
    assert "No sessions today. The next is" in _section(html, "Today's sessions")


def test_couples_not_seen_say_why_in_words(client, factory, day):
    me = day["counselor"]
    old = factory.couple(me, names=("Cy", "Di"))
    factory.therapy_session(old, days_ago=40, status="signed")
    factory.couple(me, names=("Ed", "Flo"))  # never seen
    html = Browser(client, me).get("/dashboard").text
    rows = _section(html, "Not seen in 21 days")
    assert "Ed &amp; Flo Lee</a> · No held session yet; nothing planned" in rows
    assert "Cy &amp; Di Lee</a> · Not seen for 40 days (last held session" in rows
    assert rows.index("Ed &amp; Flo") < rows.index("Cy &amp; Di")  # never seen first


def test_today_shows_only_the_counselors_own_caseload(client, db, factory, day):
    me = day["counselor"]
    other = factory.counselor(db.get(Practice, me.practice_id))
    theirs = factory.couple(other, names=("Gil", "Hal"))
    factory.planned_session(theirs, (day["today"].start + timedelta(minutes=5)).astimezone(UTC))
    factory.therapy_session(theirs, days_ago=9)
    html = Browser(client, me).get("/dashboard").text
    assert "Gil" not in html
    assert "No sessions today." in html and "Every held session's note is signed" in html
