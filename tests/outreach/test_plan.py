"""The schedule rules and reminder times, with dates worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.outreach.plan import Rule, due_now, next_due, occurrences, reminder_times

LONDON = ZoneInfo("Europe/London")  # GMT in winter, BST (UTC+1) in summer


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_once_is_due_at_nine_local_on_its_start_date():
    rule = Rule("once", starts_on=date(2026, 7, 1))
    # 1 July is BST: 09:00 local is 08:00 UTC.
    assert due_now(rule, zone=LONDON, held=[], planned=[], now=at("2026-07-01 07:59"), made=set()) is None
    due = due_now(rule, zone=LONDON, held=[], planned=[], now=at("2026-07-01 08:00"), made=set())
    assert due is not None and due.key == "once" and due.due_at == at("2026-07-01 08:00")
    assert due_now(rule, zone=LONDON, held=[], planned=[], now=at("2026-09-01 08:00"), made={"once"}) is None


def test_every_three_weeks_sends_the_latest_due_date_only():
    rule = Rule("every_weeks", starts_on=date(2026, 1, 5), every=3)  # Mondays: 5 Jan, 26 Jan, 16 Feb, 9 Mar
    found = occurrences(rule, zone=LONDON, held=[], planned=[], until=at("2026-02-20 00:00"))
    assert [(o.key, o.due_at) for o in found] == [
        ("w0", at("2026-01-05 09:00")), ("w1", at("2026-01-26 09:00")), ("w2", at("2026-02-16 09:00"))]
    # A worker down for weeks: only the latest date goes out, not a backlog of three.
    due = due_now(rule, zone=LONDON, held=[], planned=[], now=at("2026-02-20 00:00"), made={"w0"})
    assert due is not None and due.key == "w2"
    assert next_due(rule, zone=LONDON, held=[], planned=[], now=at("2026-02-20 00:00")).at == at("2026-03-09 09:00")


def test_an_end_date_and_a_resume_bound_the_dates():
    rule = Rule("every_weeks", starts_on=date(2026, 1, 5), every=1, ends_on=date(2026, 1, 19))
    keys = [o.key for o in occurrences(rule, zone=LONDON, held=[], planned=[], until=at("2026-03-01 00:00"))]
    assert keys == ["w0", "w1", "w2"]  # 5, 12 and 19 January; 26 January is past the end
    assert next_due(rule, zone=LONDON, held=[], planned=[], now=at("2026-01-20 00:00")) is None
    resumed = Rule("every_weeks", starts_on=date(2026, 1, 5), every=1, skip_before=at("2026-01-14 12:00"))
    # Paused over 12 January and resumed on the 14th: nothing is due until the 19th.
    assert due_now(resumed, zone=LONDON, held=[], planned=[], now=at("2026-01-15 00:00"), made={"w0"}) is None
    assert due_now(resumed, zone=LONDON, held=[], planned=[], now=at("2026-01-19 09:00"), made={"w0"}).key == "w2"


def test_every_two_held_sessions_counts_from_the_start_date():
    rule = Rule("every_sessions", starts_on=date(2026, 3, 1), every=2)
    held = [at("2026-02-20 17:00"), at("2026-03-03 17:00"), at("2026-03-10 17:00"), at("2026-03-17 17:00")]
    # The February session is before the start; March 3 and 10 make the first pair.
    found = occurrences(rule, zone=LONDON, held=held, planned=[], until=at("2026-04-01 00:00"))
    assert [(o.key, o.due_at) for o in found] == [("s1", at("2026-03-10 17:00"))]
    assert next_due(rule, zone=LONDON, held=held, planned=[], now=at("2026-03-18 00:00")).sessions_to_go == 1


def test_before_each_planned_session_never_sends_late():
    rule = Rule("before_session", starts_on=date(2026, 3, 1), days_before=2)
    planned = [(7, at("2026-03-12 18:00")), (8, at("2026-03-19 18:00"))]
    due = due_now(rule, zone=LONDON, held=[], planned=planned, now=at("2026-03-10 18:00"), made=set())
    assert due is not None and (due.key, due.session_id, due.due_at) == ("p7", 7, at("2026-03-10 18:00"))
    # Session 7 has started: its send is not made late.
    assert due_now(rule, zone=LONDON, held=[], planned=planned, now=at("2026-03-12 18:30"), made=set()) is None
    assert next_due(rule, zone=LONDON, held=[], planned=planned, now=at("2026-03-11 00:00")).at == at(
        "2026-03-17 18:00")


def test_reminders_after_two_days_and_one_day_before_expiry():
    sent, expires = at("2026-05-01 09:00"), at("2026-05-08 09:00")  # a 7-day link
    assert reminder_times(first_sent_at=sent, expires_at=expires, after_days=2, before_days=1) == [
        ("after", at("2026-05-03 09:00")), ("before", at("2026-05-07 09:00"))]


def test_reminders_that_would_collide_or_fall_outside_the_link_are_dropped():
    sent = at("2026-05-01 09:00")
    # A 3-day link: "after 2 days" and "1 day before expiry" fall on the same moment: one reminder.
    assert reminder_times(first_sent_at=sent, expires_at=sent + timedelta(days=3), after_days=2,
                          before_days=1) == [("after", at("2026-05-03 09:00"))]
    # A 1-day link: both would fall outside it.
    assert reminder_times(first_sent_at=sent, expires_at=sent + timedelta(days=1), after_days=2, before_days=1) == []
    assert reminder_times(first_sent_at=sent, expires_at=sent + timedelta(days=7), after_days=None,
                          before_days=None) == []


def test_once_today_set_up_before_nine_goes_at_once():
    rule = Rule("once", starts_on=date(2026, 1, 5), created_at=at("2026-01-05 07:40"))
    due = due_now(rule, zone=LONDON, held=[], planned=[], now=at("2026-01-05 07:41"), made=set())
    assert due is not None and due.due_at == at("2026-01-05 07:40")
    later = Rule("once", starts_on=date(2026, 1, 6), created_at=at("2026-01-05 07:40"))
    assert due_now(later, zone=LONDON, held=[], planned=[], now=at("2026-01-06 08:59"), made=set()) is None


def test_time_left_is_whole_hours_rounded_up_then_whole_days():
    from app.outreach.wording import time_left

    now = at("2026-05-01 09:00")
    assert time_left(now, now + timedelta(days=7) - timedelta(seconds=5)) == "7 days"
    assert time_left(now, now + timedelta(days=1)) == "1 day"
    assert time_left(now, now + timedelta(hours=23, minutes=10)) == "1 day"
    assert time_left(now, now + timedelta(hours=5, minutes=10)) == "6 hours"
    assert time_left(now, now + timedelta(hours=1)) == "1 hour"
    assert time_left(now, now + timedelta(minutes=50)) == "less than an hour"
