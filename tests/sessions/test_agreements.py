"""Agreements: create, status history, retire, check-ins per session."""

from __future__ import annotations

from app.sessions.models import AgreementCheckIn


def test_agreement_lifecycle_with_history(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    headers = factory.headers(me)
    r = client.post(f"/api/v1/couples/{couple.id}/agreements",
                    json={"kind": "boundary", "title": "No contact with the affair partner"},
                    headers=headers)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert r.json()["status"] == "active"
    broken = client.patch(f"/api/v1/agreements/{aid}", json={"status": "broken", "note": "Texted"},
                          headers=headers)
    assert broken.json()["status"] == "broken"
    retired = client.post(f"/api/v1/agreements/{aid}/retire", headers=headers)
    assert retired.json()["status"] == "retired"
    history = client.get(f"/api/v1/agreements/{aid}/history", headers=headers).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "active"), ("active", "broken"), ("broken", "retired")]
    assert history[1]["note"] == "Texted"
    reopen = client.patch(f"/api/v1/agreements/{aid}", json={"status": "active"}, headers=headers)
    assert reopen.status_code == 409
    assert client.delete(f"/api/v1/agreements/{aid}", headers=headers).status_code == 405


def test_checkins_one_per_session_and_same_couple_only(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    other_couple = factory.couple(me, names=("Kim", "Lou"))
    agreement = factory.agreement(couple)
    visit = factory.therapy_session(couple)
    elsewhere = factory.therapy_session(other_couple)
    headers = factory.headers(me)
    url = f"/api/v1/agreements/{agreement.id}/checkins"
    first = client.post(url, json={"session_id": visit.id, "outcome": "partly"}, headers=headers)
    assert first.status_code == 201
    again = client.post(url, json={"session_id": visit.id, "outcome": "kept", "comment": "fixed"},
                        headers=headers)
    assert again.json()["id"] == first.json()["id"]  # corrected, not duplicated
    wrong = client.post(url, json={"session_id": elsewhere.id, "outcome": "kept"}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "session_id"]
    rows = client.get(url, headers=headers).json()
    assert [(c["outcome"], c["comment"]) for c in rows] == [("kept", "fixed")]


def test_agreements_list_is_paginated_and_searchable(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    for title in ("No contact with the affair partner", "Phones open", "Weekly check-in"):
        factory.agreement(couple, title=title)
    headers = factory.headers(me)
    url = f"/api/v1/couples/{couple.id}/agreements"
    page = client.get(url, params={"limit": 2}, headers=headers).json()
    assert page["total"] == 3 and [a["title"] for a in page["items"]] == [
        "No contact with the affair partner", "Phones open"]
    found = client.get(url, params={"q": "PHONE"}, headers=headers).json()
    assert [a["title"] for a in found["items"]] == ["Phones open"]


def test_agreement_records_take_the_same_queries_for_one_or_many(factory, db):
    from sqlalchemy import event

    from app.clients.subjects import load_subject
    from app.sessions.agreements import agreement_records

    me = factory.counselor()
    small, large = factory.couple(me), factory.couple(me, names=("Kim", "Lou"))
    factory.agreement(small)
    visits = [factory.therapy_session(large, days_ago=d) for d in (14, 7)]
    for i in range(4):
        agreement = factory.agreement(large, title=f"Rule {i}")
        for visit in visits:
            factory._save(AgreementCheckIn(practice_id=me.practice_id, agreement_id=agreement.id,
                                           session_id=visit.id, outcome="kept", recorded_by_id=me.id))
    counted: list[str] = []

    def count(*args, **kwargs):
        counted.append("q")

    engine = db.get_bind()
    agreement_records(db, subject=load_subject(db, actor=me, couple_id=small.id))  # opens the transaction first
    few, lots = (load_subject(db, actor=me, couple_id=c.id) for c in (small, large))
    event.listen(engine, "before_cursor_execute", count)
    try:
        one = agreement_records(db, subject=few)
        queries_one, counted[:] = len(counted), []
        many = agreement_records(db, subject=lots)
        queries_many = len(counted)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(one) == 1 and len(many) == 4
    assert [len(r.checkins) for r in many] == [2, 2, 2, 2]
    assert [at for _, at in many[0].checkins] == sorted(v.starts_at for v in visits)  # in session order
    assert queries_one == queries_many


def test_a_checkin_belongs_to_a_held_session_in_the_api_too(client, factory):
    me = factory.counselor()
    couple = factory.couple(me)
    agreement = factory.agreement(couple)
    cancelled = factory.therapy_session(couple, attendance="cancelled", note_data="")
    url = f"/api/v1/agreements/{agreement.id}/checkins"
    refused = client.post(url, json={"session_id": cancelled.id, "outcome": "kept"}, headers=factory.headers(me))
    assert refused.status_code == 409
    assert "held session" in refused.json()["detail"]
    assert client.get(url, headers=factory.headers(me)).json() == []


def _checkin(factory, me, agreement, visit, outcome="kept", comment=""):  # type: ignore[no-untyped-def]
    return factory._save(AgreementCheckIn(practice_id=me.practice_id, agreement_id=agreement.id,
                                          session_id=visit.id, outcome=outcome, comment=comment,
                                          recorded_by_id=me.id))


def _session_at(factory, couple, at, **extra):  # type: ignore[no-untyped-def]
    visit = factory.therapy_session(couple, **extra)
    visit.starts_at = at
    return factory._save(visit)


def test_agreement_detail_orders_checkins_by_session_and_names_the_days_session(factory, db):
    from datetime import UTC, datetime

    from app.sessions.agreements import agreement_detail
    from app.sessions.models import AgreementStatusChange

    me = factory.counselor()
    couple = factory.couple(me)
    agreement = factory.agreement(couple)
    march, april, may = (_session_at(factory, couple, datetime(2026, m, 3, 22, tzinfo=UTC)) for m in (3, 4, 5))
    _session_at(factory, couple, datetime(2026, 4, 20, 9, tzinfo=UTC), attendance="cancelled", note_data="")
    # Recorded out of order: the newest session's check-in first.
    for visit, outcome in ((may, "kept"), (march, "not_kept"), (april, "partly")):
        _checkin(factory, me, agreement, visit, outcome)
    for at, to in ((datetime(2026, 3, 1, 9, tzinfo=UTC), "active"),
                   (datetime(2026, 4, 3, 23, 30, tzinfo=UTC), "broken"),  # evening of April's session
                   (datetime(2026, 4, 20, 12, tzinfo=UTC), "kept"),  # a cancelled session's day
                   (datetime(2026, 5, 3, 1, tzinfo=UTC), "active")):  # May's session day, in UTC
        factory._save(AgreementStatusChange(practice_id=me.practice_id, agreement_id=agreement.id,
                                            to_status=to, changed_by_id=me.id, changed_at=at))
    detail = agreement_detail(db, actor=me, agreement_id=agreement.id)
    assert [(c.checkin.outcome, c.session_starts_at) for c in detail.checkins] == [
        ("not_kept", march.starts_at), ("partly", april.starts_at), ("kept", may.starts_at)]
    assert [(s.change.to_status, s.session_id) for s in detail.history] == [
        ("active", None), ("broken", april.id), ("kept", None), ("active", may.id)]
    # The day is the practice's. In Auckland (UTC+13 until 5 Apr, +12 after) April's session is
    # 4 Apr 11:00 and the change 4 Apr 12:30: same day. May's session is 4 May 10:00 there,
    # the last change 3 May 13:00: not. In Los Angeles (UTC-7) April's are 3 Apr 15:00 and 16:30;
    # May's session 3 May 15:00, the change 2 May 18:00.
    for zone in ("Pacific/Auckland", "America/Los_Angeles"):
        there = agreement_detail(db, actor=me, agreement_id=agreement.id, zone=zone)
        assert [s.session_id for s in there.history] == [None, april.id, None, None], zone


def test_agreement_detail_keeps_the_caseload_check(factory, db):
    import pytest

    from app.errors import NotFound
    from app.sessions.agreements import agreement_detail

    owner_of_it = factory.counselor()
    agreement = factory.agreement(factory.couple(owner_of_it))
    stranger = factory.counselor(factory.practice("Elsewhere"))
    with pytest.raises(NotFound):
        agreement_detail(db, actor=stranger, agreement_id=agreement.id)


def test_agreement_detail_takes_the_same_queries_for_a_short_or_long_record(factory, db):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import event

    from app.sessions.agreements import agreement_detail
    from app.sessions.models import AgreementStatusChange

    me = factory.counselor()
    couple = factory.couple(me)
    short, long = factory.agreement(couple, title="Short"), factory.agreement(couple, title="Long")
    _checkin(factory, me, short, factory.therapy_session(couple, days_ago=30))
    for days in range(20, 0, -2):
        visit = factory.therapy_session(couple, days_ago=days)
        _checkin(factory, me, long, visit)
        factory._save(AgreementStatusChange(practice_id=me.practice_id, agreement_id=long.id, to_status="active",
                                            changed_by_id=me.id, changed_at=visit.starts_at + timedelta(minutes=5)))
    factory._save(AgreementStatusChange(practice_id=me.practice_id, agreement_id=short.id, to_status="active",
                                        changed_by_id=me.id, changed_at=datetime.now(UTC)))
    counted: list[str] = []

    def count(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted.append("q")

    engine = db.get_bind()
    agreement_detail(db, actor=me, agreement_id=short.id)  # opens the transaction first
    event.listen(engine, "before_cursor_execute", count)
    try:
        agreement_detail(db, actor=me, agreement_id=short.id)
        few, counted[:] = len(counted), []
        detail = agreement_detail(db, actor=me, agreement_id=long.id)
        many = len(counted)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(detail.checkins) == 10 and len(detail.history) == 10
    assert all(step.session_id is not None for step in detail.history)
    assert few == many == 4
