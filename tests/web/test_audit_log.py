"""The owner's audit log: names and links, filters, folded reads, the CSV export, the walls."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy import event as sa_event
from sqlmodel import select

from app.audit.models import AuditEvent
from app.outreach.models import Message, Schedule
from app.questionnaires.administrations import service
from app.questionnaires.models import AdministrationFlag
from app.questionnaires.schemas import AdministrationCreate
from app.sessions.models import NoteAddendum
from tests.web.conftest import Browser
from tests.web.helpers import send_link

NOW = datetime.now(UTC)
X = "\u00d7"  # the multiplication sign a folded row counts with


def today_anchor() -> datetime:
    """Now, or a few minutes later just after midnight, so a run of reads counted back in
    seconds from it stays on one day."""
    now = datetime.now(UTC)
    return now + timedelta(minutes=5) if now.hour == 0 and now.minute < 5 else now


def add_event(db, actor, action, entity, entity_id, *, at=None, detail=None, practice_id=None):  # type: ignore[no-untyped-def]
    row = AuditEvent(practice_id=practice_id or actor.practice_id, actor_id=actor.id if actor else None,
                     actor_kind="counselor" if actor else "system", action=action, entity=entity,
                     entity_id=entity_id, detail=detail or {}, at=at or NOW)
    db.add(row)
    db.commit()
    return row


def rows_of(html: str) -> list[str]:
    """The text of each table row of the log (tags dropped, spaces squeezed)."""
    body = html[html.find("<tbody>"):html.find("</tbody>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr")[1:]]


@pytest.fixture
def record(factory, db):  # type: ignore[no-untyped-def]
    """A practice with one of every kind of record, and a couple and client of another counselor."""
    owner = factory.owner()
    couple = factory.couple(owner, names=("Maya", "Daniel"))
    alone = factory.client(owner, first="Sam", last="Okafor")
    other = factory.couple(owner, names=("Ana", "Ben"))
    therapy = factory.therapy_session(couple, days_ago=3)
    addendum = NoteAddendum(practice_id=owner.practice_id, session_id=therapy.id, author_id=owner.id, text="x")
    administration, _ = send_link(db, owner, couple)
    flag = AdministrationFlag(practice_id=owner.practice_id, administration_id=administration.id,
                              client_id=couple.partner_a_id, couple_id=couple.id, item_id="i1",
                              severity="high", message="private words")
    schedule = Schedule(practice_id=owner.practice_id, counselor_id=owner.id, couple_id=couple.id,
                        instrument_id="trust-rebuilding", rule="once", starts_on=NOW.date())
    db.add_all([addendum, flag, schedule])
    db.commit()
    message = Message(practice_id=owner.practice_id, client_id=alone.id, key="m1", kind="reminder", due_at=NOW)
    db.add(message)
    db.commit()
    agreement = factory.agreement(couple, title="No contact")
    db.execute(delete(AuditEvent))  # only the events each test adds
    db.commit()
    return {"owner": owner, "couple": couple, "alone": alone, "other": other, "session": therapy,
            "addendum": addendum, "administration": administration, "flag": flag, "schedule": schedule,
            "message": message, "agreement": agreement}


def test_each_entity_type_is_named_and_linked(client, record, db):
    r, owner = record, record["owner"]
    expected = {
        ("client", r["alone"].id): ("Sam Okafor", f"/clients/{r['alone'].id}"),
        ("couple", r["couple"].id): ("Maya &amp; Daniel Lee", f"/couples/{r['couple'].id}"),
        ("therapy_session", r["session"].id): (f"Session {r['session'].starts_at.day} ",
                                               f"/sessions/{r['session'].id}"),
        ("note_addendum", r["addendum"].id): ("Addendum to Session", f"/sessions/{r['session'].id}"),
        ("administration", r["administration"].id): ("Maya Lee · Trust Rebuilding Inventory",
                                                     f"/administrations/{r['administration'].id}"),
        ("flag", r["flag"].id): ("Flag · Maya Lee · Trust Rebuilding Inventory",
                                 f"/administrations/{r['administration'].id}"),
        ("agreement", r["agreement"].id): ("Agreement “No contact” · Maya &amp; Daniel Lee",
                                           f"/agreements/{r['agreement'].id}"),
        ("schedule", r["schedule"].id): ("Schedule · Trust Rebuilding Inventory · Maya &amp; Daniel Lee",
                                         f"/couples/{r['couple'].id}"),
        ("message", r["message"].id): ("Reminder to Sam Okafor", f"/clients/{r['alone'].id}"),
        ("counselor", owner.id): ("Olive Owner", "/settings/counselors"),
        ("practice", owner.practice_id): ("Test Practice", "/settings"),
        ("outbox", None): ("Outbox", "/outbox"),
    }
    for entity, entity_id in expected:
        add_event(db, owner, "update", entity, entity_id)
    html = Browser(client, owner).get("/audit").text
    rows = html[html.find("<tbody>"):]
    for (entity, _), (text, href) in expected.items():
        assert text in rows, entity
        assert f'href="{href}"' in rows, entity
    assert "private words" not in html  # a flag's wording stays on its own page
    assert f"Session {r['session'].starts_at.day} {r['session'].starts_at.strftime('%b %Y')} · Maya" in rows


def test_gone_records_and_unknown_codes_read_gracefully(client, record, db):
    owner = record["owner"]
    add_event(db, owner, "delete", "therapy_session", 9999)
    add_event(db, owner, "link_went_missing", "widget", 5)
    rows = rows_of(Browser(client, owner).get("/audit").text)
    assert any("Link went missing" in row and "a deleted widget #5" in row for row in rows)
    assert any("Deleted" in row and "a deleted draft session #9999" in row for row in rows)
    assert 'href="/sessions/9999"' not in Browser(client, owner).get("/audit").text


def test_details_read_in_words(client, record, db, factory):
    owner = record["owner"]
    dana = factory.counselor(_practice(db, owner), name="Dana Diaz")
    add_event(db, owner, "reassign", "client", record["alone"].id,
              detail={"from_counselor_id": dana.id, "to_counselor_id": owner.id})
    add_event(db, owner, "update", "client", record["alone"].id, detail={"fields": ["email", "phone"]})
    add_event(db, owner, "correct", "therapy_session", record["session"].id,
              detail={"from": {"duration_minutes": 50, "modality": "in_person"},
                      "to": {"duration_minutes": 75, "modality": "video"}})
    corrected = _filtered(client, owner, "action=correct")
    assert "From: duration minutes 50, modality In person; To: duration minutes 75, modality Video" in corrected[0]
    rows = _filtered(client, owner, "entity=client")
    assert "Changed counselor" in rows[1] and "From counselor: Dana Diaz; To counselor: Olive Owner" in rows[1]
    assert "Changed" in rows[0] and "Fields: email, phone" in rows[0]


def test_names_take_the_same_queries_for_five_rows_or_fifty(record, db):
    from app.web.audit_view import name_events

    owner, r = record["owner"], record
    kinds = [("therapy_session", r["session"].id), ("administration", r["administration"].id),
             ("flag", r["flag"].id), ("agreement", r["agreement"].id), ("client", r["alone"].id),
             ("couple", r["couple"].id), ("schedule", r["schedule"].id), ("message", r["message"].id)]

    def queries_for(count: int) -> int:
        events = [AuditEvent(practice_id=owner.practice_id, action="x", entity=kinds[n % len(kinds)][0],
                             entity_id=kinds[n % len(kinds)][1]) for n in range(count)]
        seen: list[str] = []
        engine = db.get_bind()
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            names = name_events(db, practice_id=owner.practice_id, events=events, zone="UTC")
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        assert names.of(events[0]).href
        return len(seen)

    queries_for(1)  # warm up: the first statement of a test may begin the session's transaction
    assert queries_for(len(kinds)) == queries_for(50) <= 10


def _filtered(client, owner, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = Browser(client, owner).get(f"/audit?{query}")
    assert response.status_code == 200
    return rows_of(response.text)


def test_person_filter_takes_events_about_their_records(client, record, db, factory):
    r, owner = record, record["owner"]
    maya = r["couple"].partner_a_id
    own_work = service.create_administration(db, actor=owner, data=AdministrationCreate(
        client_id=maya, instrument_id="trust-rebuilding"))[0]  # her individual work, outside the couple
    db.commit()
    db.execute(delete(AuditEvent))
    db.commit()
    for entity, key in (("therapy_session", r["session"].id), ("flag", r["flag"].id),
                        ("agreement", r["agreement"].id), ("administration", own_work.id),
                        ("client", maya), ("couple", r["other"].id), ("client", r["alone"].id)):
        add_event(db, owner, "update", entity, key)
    about_maya = " ".join(_filtered(client, owner, f"person=client-{maya}"))
    assert "Session" in about_maya and "Flag · Maya Lee" in about_maya and "No contact" in about_maya
    assert about_maya.count("Maya Lee · Trust Rebuilding") == 2  # her flag's and her own questionnaire's
    assert "Ana" not in about_maya and "Sam Okafor" not in about_maya
    about_couple = " ".join(_filtered(client, owner, f"person=couple-{r['couple'].id}"))
    assert "Session" in about_couple and "No contact" in about_couple and "Flag · Maya Lee" in about_couple
    assert f"/administrations/{own_work.id}" not in about_couple  # her individual work is not the couple's
    assert "Ana" not in about_couple and "Sam Okafor" not in about_couple


def test_counselor_entity_and_action_filters_narrow(client, record, db, factory):
    owner = record["owner"]
    dana = factory.counselor(_practice(db, owner), name="Dana Diaz")
    add_event(db, owner, "create", "client", record["alone"].id)
    add_event(db, dana, "discharge", "client", record["alone"].id)
    add_event(db, dana, "update", "agreement", record["agreement"].id)
    by_dana = _filtered(client, owner, f"counselor={dana.id}")
    assert len(by_dana) == 2 and all("Dana Diaz" in row for row in by_dana)
    on_clients = _filtered(client, owner, "entity=client")
    assert len(on_clients) == 2 and not any("No contact" in row for row in on_clients)
    discharged = _filtered(client, owner, "action=discharge")
    assert len(discharged) == 1 and "Discharged" in discharged[0] and "Dana Diaz" in discharged[0]
    both = _filtered(client, owner, f"counselor={dana.id}&entity=client")
    assert len(both) == 1


def _practice(db, counselor):  # type: ignore[no-untyped-def]
    from app.practice.models import Practice

    return db.get(Practice, counselor.practice_id)


def test_date_range_is_in_the_practice_time_zone(client, record, db):
    owner = record["owner"]
    practice = _practice(db, owner)
    practice.timezone = "America/New_York"
    db.add(practice)
    db.commit()
    # 03:30 UTC on 10 Mar is 23:30 on 9 Mar in New York; 05:30 UTC is 00:30 on 10 Mar (EST, UTC-5).
    add_event(db, owner, "update", "client", record["alone"].id, at=datetime(2026, 3, 10, 3, 30, tzinfo=UTC),
              detail={"fields": ["email"]})
    add_event(db, owner, "update", "client", record["alone"].id, at=datetime(2026, 3, 10, 5, 30, tzinfo=UTC),
              detail={"fields": ["phone"]})
    on_tenth = _filtered(client, owner, "from=2026-03-10&to=2026-03-10")
    assert len(on_tenth) == 1 and "phone" in on_tenth[0]
    on_ninth = _filtered(client, owner, "to=2026-03-09")
    assert len(on_ninth) == 1 and "email" in on_ninth[0]


@pytest.mark.parametrize(("query", "message"), [
    ("from=2026-13-01", "From: Enter a date like 2026-11-28"),
    ("to=yesterday", "To: Enter a date like 2026-11-28"),
    ("from=2026-03-10&to=2026-03-01", "From: The first day is after the last day"),
    ("person=client-abc", "Client or couple: Choose one from the list"),
    ("person=couple-99999999999", "Client or couple: Choose one from the list"),
    ("counselor=%C2%B2", "Who: Choose one from the list"),
    ("entity=DROP%20TABLE", "Record type: Choose one from the list"),
])
def test_bad_filters_give_a_message_not_a_500(client, record, db, query, message):
    add_event(db, record["owner"], "create", "client", record["alone"].id)
    response = Browser(client, record["owner"]).get(f"/audit?{query}")
    assert response.status_code == 422
    assert message in response.text
    assert "<tbody>" not in response.text  # nothing shown as if it were filtered


def test_filters_stay_in_the_pager_links(client, record, db):
    owner = record["owner"]
    for n in range(105):
        add_event(db, owner, "update", "client", record["alone"].id, at=NOW - timedelta(minutes=n))
    html = Browser(client, owner).get("/audit?entity=client&action=update").text
    assert "Page 1 of 2" in html
    assert 'href="/audit?entity=client&amp;action=update&amp;page=2"' in html
    assert 'value="client" selected' in html  # the form shows the filter in force


def test_reads_fold_by_counselor_action_and_day(client, record, db, factory):
    owner = record["owner"]
    dana = factory.counselor(_practice(db, owner), name="Dana Diaz")
    on_28 = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    for n in range(3):
        add_event(db, owner, "read_note", "therapy_session", record["session"].id, at=on_28 + timedelta(minutes=n))
    add_event(db, dana, "read_note", "therapy_session", record["session"].id, at=on_28 + timedelta(hours=1))
    now = today_anchor()
    for n in range(14):
        add_event(db, owner, "read_note", "therapy_session", record["session"].id, at=now - timedelta(seconds=n))
    html = Browser(client, owner).get("/audit?action=read_note").text
    rows = rows_of(html)
    assert len(rows) == 3
    assert f"Read note {X} 14 today" in rows[0] and "Olive Owner" in rows[0]
    assert "Dana Diaz" in rows[1] and X not in rows[1]  # another counselor's read stands alone
    assert f"Read note {X} 3 on 28 Nov 2026" in rows[2]
    each = html[html.find("<details>"):html.find("</details>")]
    assert each.count("<li>") == 14 and f'href="/sessions/{record["session"].id}"' in each
    # The folded row names what was read, without opening it.
    named = rows[0][:rows[0].find("Show each")]
    assert f"Read note {X} 14 today Session " in named and "records)" not in rows[0]


def test_a_fold_over_several_records_names_them(client, record, db):
    owner = record["owner"]
    for n, entity, entity_id in ((0, "therapy_session", record["session"].id),
                                 (1, "therapy_session", record["session"].id), (2, "client", record["alone"].id)):
        add_event(db, owner, "read_note", entity, entity_id, at=NOW - timedelta(seconds=n))
    rows = _filtered(client, owner, "action=read_note")
    named = rows[0][:rows[0].find("Show each")]
    assert "Session " in named and "; Sam Okafor" in named
    assert "Show each of the 3 (2 records)" in rows[0]


def test_show_each_read_unfolds(client, record, db):
    owner = record["owner"]
    for n in range(4):
        add_event(db, owner, "read_answers", "administration", record["administration"].id,
                  at=NOW - timedelta(seconds=n))
    rows = _filtered(client, owner, "reads=each&entity=administration")
    assert len(rows) == 4 and all("Read answers" in row and X not in row for row in rows)


def test_a_fold_cut_by_the_page_edge_says_so(client, record, db):
    owner = record["owner"]
    now = today_anchor()
    for n in range(130):
        add_event(db, owner, "read_note", "therapy_session", record["session"].id, at=now - timedelta(seconds=n))
    browser = Browser(client, owner)
    first = rows_of(browser.get("/audit?action=read_note").text)
    assert len(first) == 1 and f"{X} 100 today" in first[0] and "more on the next page" in first[0]
    assert "more on the previous page" not in first[0]
    second = rows_of(browser.get("/audit?action=read_note&page=2").text)
    assert f"{X} 30 today" in second[0] and "more on the previous page" in second[0]
    assert "more on the next page" not in second[0]


def test_real_note_reads_fold(client, record):
    owner = record["owner"]
    browser = Browser(client, owner)
    for _ in range(3):
        assert browser.get(f"/sessions/{record['session'].id}").status_code == 200
    rows = rows_of(browser.get("/audit").text)
    assert f"Read note {X} 3 today" in rows[0]


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_has_every_matching_row_and_is_audited(client, record, db):
    owner = record["owner"]
    for n in range(5):
        add_event(db, owner, "read_note", "therapy_session", record["session"].id, at=NOW - timedelta(seconds=n))
    add_event(db, owner, "update", "client", record["alone"].id, detail={"fields": ["email"]})
    response = Browser(client, owner).get("/audit.csv?action=read_note")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"',
                        response.headers["content-disposition"])
    rows = _csv(response)
    assert list(rows[0]) == ["time", "counselor", "action", "action_code", "entity_type", "entity_id",
                             "entity_name", "detail"]
    assert len(rows) == 5  # not folded, and the filter holds
    assert rows[0]["counselor"] == "Olive Owner" and rows[0]["action"] == "Read note"
    assert rows[0]["entity_id"] == str(record["session"].id) and rows[0]["entity_name"].startswith("Session ")
    assert datetime.fromisoformat(rows[0]["time"]).tzinfo is not None
    exports = list(db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all())
    assert len(exports) == 1 and exports[0].entity == "audit_log" and exports[0].detail["rows"] == 5
    assert exports[0].detail["filters"] == {"action": "read_note"}


def test_csv_times_are_in_the_practice_zone(client, record, db):
    owner = record["owner"]
    practice = _practice(db, owner)
    practice.timezone = "Europe/Paris"
    db.add(practice)
    db.commit()
    add_event(db, owner, "create", "client", record["alone"].id, at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    rows = _csv(Browser(client, owner).get("/audit.csv"))
    assert rows[-1]["time"] == "2026-07-01T14:00:00+02:00"


def test_csv_cells_never_run_as_formulas(client, record, db, factory):
    owner = record["owner"]
    sly = factory.client(owner, first="=HYPERLINK(\"http://x\")", last="-Evil")
    plus = factory.client(owner, first="@SUM(A1)", last="+1")
    add_event(db, owner, "create", "client", sly.id)
    add_event(db, owner, "create", "client", plus.id)
    rows = _csv(Browser(client, owner).get("/audit.csv"))
    names = {row["entity_name"] for row in rows}
    assert "'=HYPERLINK(\"http://x\") -Evil" in names and "'@SUM(A1) +1" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def test_csv_with_a_bad_filter_shows_the_page(client, record):
    response = Browser(client, record["owner"]).get("/audit.csv?from=soon")
    assert response.status_code == 422 and "From: Enter a date like 2026-11-28" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_counselors_get_403_on_the_log_and_its_export(client, record, factory, db):
    counselor = factory.counselor(_practice(db, record["owner"]))
    browser = Browser(client, counselor)
    assert browser.get("/audit").status_code == 403
    assert browser.get("/audit.csv").status_code == 403
    assert not db.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()


def test_another_practices_events_and_people_never_show(client, record, factory, db):
    owner = record["owner"]
    stranger = factory.owner()
    theirs = factory.client(stranger, first="Zed", last="Outsider")
    add_event(db, stranger, "create", "client", theirs.id)
    add_event(db, owner, "update", "client", theirs.id)  # an id from elsewhere never gets a name
    browser = Browser(client, owner)
    html = browser.get("/audit").text
    assert "Zed" not in html and "Outsider" not in html
    assert "a deleted client" in html
    assert "Zed" not in browser.get("/audit.csv").text
    refused = browser.get(f"/audit?person=client-{theirs.id}")
    assert refused.status_code == 422 and "Zed" not in refused.text
    assert browser.get(f"/audit?counselor={stranger.id}").status_code == 422
