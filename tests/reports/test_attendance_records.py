"""A report's attendance comes from each session's attendance: held, cancelled and no-show
counted apart, planned sessions (booked ahead, or never marked) left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from app.reports.core import build_report_context
from app.reports.render import render_html
from app.reports.service import build_report_input
from tests.factories import Factory


def test_report_attendance_counts_each_and_leaves_planned_out(db: Session, factory: Factory) -> None:
    me = factory.counselor()
    couple = factory.couple(me)
    factory.therapy_session(couple, days_ago=20)
    factory.therapy_session(couple, days_ago=13, status="signed")
    factory.therapy_session(couple, days_ago=6, attendance="cancelled", note_data="")
    factory.therapy_session(couple, days_ago=4, attendance="no_show", note_data="")
    factory.therapy_session(couple, days_ago=2, attendance="planned", note_data="")  # never marked
    factory.therapy_session(couple, days_ago=0.01, attendance="planned", note_data="")  # a moment ago
    factory.therapy_session(couple, days_ago=-3, attendance="planned", note_data="")  # ahead
    data = build_report_input(db, actor=me, couple_id=couple.id, now=datetime.now(UTC) + timedelta(minutes=1))
    assert sorted(s.status for s in data.sessions) == ["cancelled", "held", "held", "no_show"]
    context = build_report_context(data)
    attendance = context.attendance
    assert (attendance.held, attendance.cancelled, attendance.no_show, attendance.not_held) == (2, 1, 1, 2)
    assert len(attendance.timeline) == 4
    html = " ".join(render_html(context).split())
    assert "<dt>Sessions held</dt><dd>2</dd>" in html
    assert "<dt>Not held</dt><dd>1 cancelled · 1 no-show</dd>" in html
    assert "Planned" not in html
