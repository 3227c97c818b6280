"""Planned sessions: plan ahead, then held (the note as before), cancelled or a no-show;
what each refuses, and the read functions the couple page, dashboard and scheduler use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.audit.models import AuditEvent
from app.clients.subjects import load_subject
from app.practice.models import Practice
from app.sessions import service


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _in(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def _plan(client, headers, couple, at: datetime, **extra):
    body = {"couple_id": couple.id, "starts_at": _iso(at), "duration_minutes": 60, "modality": "video",
            "attendance": "planned", **extra}
    return client.post("/api/v1/sessions", json=body, headers=headers)


def test_plan_then_mark_held_write_the_note_and_sign(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    made = _plan(client, headers, couple, _in(days=3))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["attendance"], body["status"], body["note_data"]) == ("planned", "draft", "")
    sid = body["id"]
    listed = client.get("/api/v1/sessions?attendance=planned", headers=headers).json()
    assert [s["id"] for s in listed["items"]] == [sid] and listed["items"][0]["attendance"] == "planned"
    assert client.get("/api/v1/sessions?attendance=held", headers=headers).json()["total"] == 0

    # The day comes: the session is moved to an hour ago, then marked held with its note.
    moved = client.patch(f"/api/v1/sessions/{sid}", json={"starts_at": _iso(_in(hours=-1))}, headers=headers)
    assert moved.status_code == 200 and moved.json()["attendance"] == "planned"
    held = client.patch(f"/api/v1/sessions/{sid}", json={"attendance": "held"}, headers=headers)
    assert held.status_code == 200 and held.json()["attendance"] == "held"
    noted = client.patch(f"/api/v1/sessions/{sid}", json={"note_data": "Both came."}, headers=headers)
    assert noted.status_code == 200
    signed = client.post(f"/api/v1/sessions/{sid}/sign", headers=headers)
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    # Signed: attendance can't change any more.
    late = client.patch(f"/api/v1/sessions/{sid}", json={"attendance": "cancelled"}, headers=headers)
    assert late.status_code == 409 and "attendance" in late.json()["detail"]

    events = db.exec(select(AuditEvent).where(AuditEvent.entity == "therapy_session",
                                              AuditEvent.action == "update")).all()
    assert [e.detail["fields"] for e in events] == [["starts_at"], ["attendance"], ["note_data"]]


def test_held_in_one_step_with_the_note(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    sid = _plan(client, headers, couple, _in(minutes=2)).json()["id"]  # starting now (clock grace)
    r = client.patch(f"/api/v1/sessions/{sid}", json={"attendance": "held", "note_data": "On time."},
                     headers=headers)
    assert r.status_code == 200 and r.json()["note_data"] == "On time."


def test_cancelled_and_no_show(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    ahead = _plan(client, headers, couple, _in(days=2)).json()["id"]
    # A couple may call to cancel before the day.
    cancelled = client.patch(f"/api/v1/sessions/{ahead}", json={"attendance": "cancelled"}, headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["attendance"] == "cancelled"
    # ... but no one is a no-show before the session's time.
    early = _plan(client, headers, couple, _in(days=1)).json()["id"]
    r = client.patch(f"/api/v1/sessions/{early}", json={"attendance": "no_show"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "attendance"]
    # A no-show recorded afterwards, straight away (no plan needed), with a line about it.
    missed = client.post("/api/v1/sessions", json={
        "couple_id": couple.id, "starts_at": _iso(_in(days=-2)), "attendance": "no_show",
        "note_data": "Neither came; left a message."}, headers=headers)
    assert missed.status_code == 201 and missed.json()["attendance"] == "no_show"
    for sid in (ahead, missed.json()["id"]):
        refused = client.post(f"/api/v1/sessions/{sid}/sign", headers=headers)
        assert refused.status_code == 409 and "didn't take place" in refused.json()["detail"]


def test_a_planned_session_has_no_note(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    r = _plan(client, headers, couple, _in(days=1), note_plan="Homework")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "note_plan"]
    sid = _plan(client, headers, couple, _in(days=1)).json()["id"]
    r = client.patch(f"/api/v1/sessions/{sid}", json={"note_data": "Too soon"}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "note_data"]
    assert "mark it held" in r.json()["detail"][0]["msg"]


def test_a_planned_session_cannot_be_signed(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    past = factory.planned_session(couple, _in(days=-1))  # never marked
    r = client.post(f"/api/v1/sessions/{past.id}/sign", headers=headers)
    assert r.status_code == 409 and "mark the session held" in r.json()["detail"]


def test_a_session_in_the_future_is_planned_not_held(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    for attendance in ("held", "cancelled", "no_show"):
        r = client.post("/api/v1/sessions", json={"couple_id": couple.id, "starts_at": _iso(_in(days=1)),
                                                  "attendance": attendance}, headers=headers)
        assert r.status_code == 422, attendance
        detail = r.json()["detail"][0]
        assert detail["loc"] == ["body", "starts_at"] and "plan the session instead" in detail["msg"]
    sid = _plan(client, headers, couple, _in(hours=2)).json()["id"]
    r = client.patch(f"/api/v1/sessions/{sid}", json={"attendance": "held"}, headers=headers)
    assert r.status_code == 422 and "hasn't started yet" in r.json()["detail"][0]["msg"]
    # A held session can't be moved into the future either.
    held = client.post("/api/v1/sessions", json={"couple_id": couple.id, "starts_at": _iso(_in(days=-1))},
                       headers=headers).json()
    assert held["attendance"] == "held"  # the default, as before
    r = client.patch(f"/api/v1/sessions/{held['id']}", json={"starts_at": _iso(_in(days=1))}, headers=headers)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "starts_at"]
    assert client.patch(f"/api/v1/sessions/{sid}", json={"attendance": None}, headers=headers).status_code == 422


def test_next_planned_is_the_soonest_from_now(client, factory, db):
    me = factory.counselor()
    couple, other = factory.couple(me), factory.couple(me, names=("Kim", "Lou"))
    subject = load_subject(db, actor=me, couple_id=couple.id)
    assert service.next_planned(db, subject=subject) is None
    passed = factory.planned_session(couple, _in(hours=-3))  # its time has passed: not "next"
    later = factory.planned_session(couple, _in(days=6))
    soon = factory.planned_session(couple, _in(days=2))
    factory.planned_session(other, _in(days=1))  # another couple's
    factory.therapy_session(couple, days_ago=1, attendance="cancelled")  # not planned
    assert service.next_planned(db, subject=subject).id == soon.id
    times = service.session_times(db, couple_ids=[couple.id])  # what the scheduler reads: oldest first
    assert [sid for sid, _ in times[("couple", couple.id)].planned] == [passed.id, soon.id, later.id]
    assert service.session_times(db, couple_ids=[factory.couple(me, names=("Ida", "Jo")).id]) == {}
    by_couple = service.next_planned_by_couple(db, actor=me, couple_ids=[couple.id, other.id])
    assert set(by_couple) == {couple.id, other.id} and by_couple[couple.id].id == soon.id
    assert service.next_planned_by_couple(db, actor=factory.counselor(), couple_ids=[couple.id]) == {}


def test_held_times_and_last_seen_count_held_sessions_only(client, factory, db):
    me = factory.counselor()
    couple = factory.couple(me)
    old = factory.therapy_session(couple, days_ago=30)
    recent = factory.therapy_session(couple, days_ago=10)
    factory.therapy_session(couple, days_ago=3, attendance="no_show")
    factory.planned_session(couple, _in(days=2))
    times = service.session_times(db, couple_ids=[couple.id])[("couple", couple.id)]
    assert times.held == [service.as_utc(old.starts_at), service.as_utc(recent.starts_at)]  # not the no-show
    assert len(times.planned) == 1
    last = service.last_session_by_couple(db, actor=me, couple_ids=[couple.id])
    assert last == {couple.id: service.as_utc(recent.starts_at)}


def test_upcoming_planned_is_scoped_to_the_caseload(client, factory, db):
    owner = factory.owner()
    practice = db.get(Practice, owner.practice_id)
    me, colleague = factory.counselor(practice), factory.counselor(practice)
    mine, theirs = factory.couple(me), factory.couple(colleague)
    elsewhere = factory.couple(factory.counselor())  # another practice
    a = factory.planned_session(mine, _in(days=1))
    factory.planned_session(mine, _in(days=9))  # outside the window
    b = factory.planned_session(theirs, _in(hours=5))
    factory.planned_session(elsewhere, _in(days=2))
    window = {"start": _in(), "end": _in(days=7)}
    assert [s.id for s in service.upcoming_planned(db, actor=me, **window)] == [a.id]
    assert [s.id for s in service.upcoming_planned(db, actor=owner, **window)] == [b.id, a.id]
