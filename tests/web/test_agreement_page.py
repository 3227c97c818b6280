"""The agreement page dates every check-in by its session (oldest first, linked) and every
status change, naming the couple's session on the day of a change."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from app.sessions.models import AgreementCheckIn, AgreementStatusChange
from tests.web.conftest import Browser


def _text(page: str) -> str:
    """What a reader sees: inline tags vanish, block tags break words apart."""
    inline = re.sub(r"</?(?:a|time|span|strong)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    end = page.find("</section>", start)
    return page[start:end]


def _session_at(factory, couple, at, **extra):  # type: ignore[no-untyped-def]
    visit = factory.therapy_session(couple, **extra)
    visit.starts_at = at
    return factory._save(visit)


def test_checkins_are_dated_linked_and_oldest_first(client, factory) -> None:
    me = factory.counselor()
    couple = factory.couple(me)
    agreement = factory.agreement(couple, title="Phones open")
    march, april, may = (_session_at(factory, couple, datetime(2026, m, 5, 15, tzinfo=UTC)) for m in (3, 4, 5))
    for visit, outcome, comment in ((may, "kept", "A good month"), (march, "not_kept", "Deleted messages"),
                                    (april, "partly", "")):  # recorded newest first
        factory._save(AgreementCheckIn(practice_id=me.practice_id, agreement_id=agreement.id, session_id=visit.id,
                                       outcome=outcome, comment=comment, recorded_by_id=me.id))
    page = Browser(client, me).get(f"/agreements/{agreement.id}")
    assert page.status_code == 200
    checkins = _section(page.text, "ci-h")
    assert "oldest first" in checkins
    # One row per session, in session order, each date linking to its session.
    links = re.findall(r'<a href="/sessions/(\d+)"><time datetime="[^"]+">([^<]+)</time></a>', checkins)
    assert links == [(str(march.id), "5 Mar 2026"), (str(april.id), "5 Apr 2026"), (str(may.id), "5 May 2026")]
    text = _text(checkins)
    assert text.index("5 Mar 2026 Not kept Deleted messages") < text.index("5 Apr 2026 Partly kept —") \
        < text.index("5 May 2026 Kept A good month")
    assert "Session: " not in text


def test_status_history_is_dated_with_the_days_session(client, factory) -> None:
    me = factory.counselor()
    couple = factory.couple(me)
    agreement = factory.agreement(couple, title="No contact")
    visit = _session_at(factory, couple, datetime(2026, 4, 3, 9, tzinfo=UTC))
    for at, before, after, note in ((datetime(2026, 3, 1, 10, tzinfo=UTC), None, "active", ""),
                                    (datetime(2026, 4, 3, 10, 15, tzinfo=UTC), "active", "broken", "Texted the ex")):
        factory._save(AgreementStatusChange(practice_id=me.practice_id, agreement_id=agreement.id, from_status=before,
                                            to_status=after, note=note, changed_by_id=me.id, changed_at=at))
    browser = Browser(client, me)
    history = _text(_section(browser.get(f"/agreements/{agreement.id}").text, "hist-h"))
    assert "1 Mar 2026, 10:00: New → Active" in history
    assert "3 Apr 2026, 10:15: Active → Broken — Texted the ex (the day of the session of 3 Apr 2026)" in history
    assert history.index("1 Mar 2026") < history.index("3 Apr 2026, 10:15")  # oldest first
    page = browser.get(f"/agreements/{agreement.id}").text
    assert f'<a href="/sessions/{visit.id}">session of 3 Apr 2026</a>' in page
    # A change made on the page lands at the end, dated, with its note.
    changed = browser.post(f"/agreements/{agreement.id}/status", {"status": "kept", "note": "Kept for a month"})
    assert changed.status_code == 200  # followed the redirect
    history = _text(_section(changed.text, "hist-h"))
    assert history.rstrip().endswith("Active → Kept — Kept for a month")
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d: Active → Kept", history)


def test_an_agreement_of_another_practice_is_not_found(client, factory) -> None:
    theirs = factory.agreement(factory.couple(factory.owner()))
    me = factory.counselor(factory.practice("Elsewhere"))
    assert Browser(client, me).get(f"/agreements/{theirs.id}").status_code == 404
