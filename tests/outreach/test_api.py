"""The loop's API: schedules (201, 422 naming the field, 404 outside the caseload, pause, resume,
stop), the outbox, passed on, release, the queue; and the practice's and clients' new settings."""

from __future__ import annotations

from sqlmodel import select

from app.auth.models import Counselor
from app.clients.models import Client
from app.outreach.models import Message
from app.practice.models import Practice


def _headers(factory, db, loop):
    return factory.headers(db.get(Counselor, loop.couple.counselor_id))


def test_set_up_list_change_pause_resume_stop(client, db, factory, loop_couple):
    headers = _headers(factory, db, loop_couple)
    base = f"/api/v1/couples/{loop_couple.couple.id}/schedules"
    made = client.post(base, json={"instrument_id": "trust-rebuilding", "rule": "every_weeks", "every": 3,
                                   "starts_on": "2026-01-05"}, headers=headers)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "active" and body["rule_text"].startswith("Every 3 weeks from ")
    assert body["last_sent_at"] is not None  # the latest date due is sent at once, never a backlog
    assert len(db.exec(select(Message).where(Message.schedule_id == body["id"])).all()) == 2
    listed = client.get(base, headers=headers).json()
    assert [s["id"] for s in listed] == [body["id"]]
    one = f"/api/v1/schedules/{body['id']}"
    changed = client.patch(one, json={"every": 2, "link_days": 10}, headers=headers).json()
    assert (changed["every"], changed["link_days"]) == (2, 10)
    assert client.post(f"{one}/pause", headers=headers).json()["next_due_text"] == "Paused"
    assert client.post(f"{one}/pause", headers=headers).status_code == 409
    assert client.post(f"{one}/resume", headers=headers).json()["status"] == "active"
    stopped = client.post(f"{one}/stop", headers=headers).json()
    assert (stopped["status"], stopped["ended_reason"]) == ("ended", "stopped")
    assert client.patch(one, json={"every": 2}, headers=headers).status_code == 409


def test_bad_schedules_are_422_naming_the_field(client, db, factory, loop_couple):
    headers = _headers(factory, db, loop_couple)
    base = f"/api/v1/couples/{loop_couple.couple.id}/schedules"
    for body, field in (
        ({"instrument_id": "nope", "rule": "once"}, "instrument_id"),
        ({"instrument_id": "trust-rebuilding", "rule": "every_weeks"}, "every"),
        ({"instrument_id": "trust-rebuilding", "rule": "every_weeks", "every": 53}, "every"),
        ({"instrument_id": "trust-rebuilding", "rule": "before_session", "days_before": 15}, "days_before"),
        ({"instrument_id": "trust-rebuilding", "rule": "once", "link_days": 31}, "link_days"),
        ({"instrument_id": "trust-rebuilding", "rule": "monthly"}, "rule"),
        ({"instrument_id": "trust-rebuilding", "rule": "every_weeks", "every": 1, "starts_on": "2026-03-09",
          "ends_on": "2026-03-01"}, "ends_on"),
    ):
        response = client.post(base, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text, (body, response.text)
    assert client.get(base, headers=headers).json() == []


def test_another_caseload_is_404(client, db, factory, loop_couple):
    headers = _headers(factory, db, loop_couple)
    made = client.post(f"/api/v1/couples/{loop_couple.couple.id}/schedules",
                       json={"instrument_id": "trust-rebuilding", "rule": "once"}, headers=headers).json()
    stranger = factory.headers(factory.counselor())
    assert client.get(f"/api/v1/couples/{loop_couple.couple.id}/schedules", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/clients/{loop_couple.a.id}/schedules", headers=stranger,
                       json={"instrument_id": "trust-rebuilding", "rule": "once"}).status_code == 404
    for action in ("pause", "resume", "stop"):
        assert client.post(f"/api/v1/schedules/{made['id']}/{action}", headers=stranger).status_code == 404
    message = db.exec(select(Message)).first()
    if message is not None:
        for action in ("passed-on", "release"):
            assert client.post(f"/api/v1/messages/{message.id}/{action}", headers=stranger).status_code == 404
    assert client.get("/api/v1/outbox", headers=stranger).json() == {"outbox": [], "held": []}


def test_a_client_schedule_the_outbox_passed_on_and_the_queue(client, db, factory, loop_couple):
    headers = _headers(factory, db, loop_couple)
    made = client.post(f"/api/v1/clients/{loop_couple.a.id}/schedules",
                       json={"instrument_id": "session-checkin", "rule": "once", "starts_on": "2026-01-05"},
                       headers=headers)
    assert made.status_code == 201 and made.json()["client_id"] == loop_couple.a.id
    box = client.get("/api/v1/outbox", headers=headers).json()
    [message] = box["outbox"]
    assert message["client_name"] == "Jamie Lee" and message["couple_id"] is None
    assert message["link"] in message["body"] and message["subject"].startswith("A message from ")
    done = client.post(f"/api/v1/messages/{message['id']}/passed-on", headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "sent"
    assert client.post(f"/api/v1/messages/{message['id']}/passed-on", headers=headers).status_code == 200
    assert client.post(f"/api/v1/messages/{message['id']}/release", headers=headers).status_code == 409
    queue = client.get("/api/v1/queue", headers=headers).json()
    assert set(queue["counts"]) == {"due", "to_pass_on", "overdue", "opened_not_sent", "never_opened",
                                    "expiring_soon", "held", "undeliverable", "reminders_stopped"}


def test_practice_settings_refuse_a_mail_name_that_says_counselling(client, db, factory):
    owner = factory.owner()
    headers = factory.headers(owner)
    refused = client.patch("/api/v1/practice", json={"mail_name": "Harbour Couples Counselling"}, headers=headers)
    assert refused.status_code == 422 and "mail_name" in refused.text
    for body, field in (({"link_days": 31}, "link_days"), ({"reminder_after_days": 31}, "reminder_after_days")):
        bad = client.patch("/api/v1/practice", json=body, headers=headers)
        assert bad.status_code == 422 and field in bad.text
    saved = client.patch("/api/v1/practice", headers=headers, json={
        "mail_name": "Harbour Lane", "link_days": 10, "reminder_after_days": 0, "reminder_before_days": 3}).json()
    assert (saved["mail_name"], saved["link_days"], saved["reminder_after_days"], saved["reminder_before_days"]) \
        == ("Harbour Lane", 10, None, 3)
    db.expire_all()
    assert db.get(Practice, owner.practice_id).reminder_after_days is None
    assert client.patch("/api/v1/practice", json={"link_days": 5},
                        headers=factory.headers(factory.counselor(db.get(Practice, owner.practice_id)))
                        ).status_code == 403


def test_a_counselor_sets_contact_and_email_safety(client, db, factory):
    me = factory.counselor()
    person = factory.client(me, email="alex@example.test")
    headers = factory.headers(me)
    shown = client.get(f"/api/v1/clients/{person.id}", headers=headers).json()
    assert (shown["contact_preference"], shown["email_safe"], shown["email_safe_source"]) == ("email", "unknown", None)
    saved = client.patch(f"/api/v1/clients/{person.id}", json={"email_safe": "no", "contact_preference": "counselor"},
                         headers=headers).json()
    assert (saved["contact_preference"], saved["email_safe"], saved["email_safe_source"]) == (
        "counselor", "no", "counselor")
    back = client.patch(f"/api/v1/clients/{person.id}", json={"email_safe": "unknown"}, headers=headers).json()
    assert back["email_safe_source"] is None  # the intake's answers may decide again
    bad = client.patch(f"/api/v1/clients/{person.id}", json={"email_safe": "maybe"}, headers=headers)
    assert bad.status_code == 422 and "email_safe" in bad.text
    db.expire_all()
    assert db.get(Client, person.id).contact_preference == "counselor"
