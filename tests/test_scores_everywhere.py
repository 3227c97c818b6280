"""One couple, three surfaces: the API, the couple page and the PDF show the same gaps and the
same change labels, because all three read ``app.scoring.history``.

The couple is built so the old report rule (each partner's latest, whatever the dates) and the
pairing rule disagree: A answered 60 and 5 days ago, B 58 and 40 days ago. A's first and B's
first pair (2 days apart, the closest); B's latest could only pair with A's first (20 days) or
A's latest (35 days, outside the window), and A's first is taken. So the gap "now" is the first
pair's, dated, and the partners' latest answers are never compared.
"""

from __future__ import annotations

import html
import re

from app.clients.models import Client
from app.reports.core import formatting as fmt
from tests.reports import pdf_helpers
from tests.reports.db_factories import days_ago, keyed_answers, same_everywhere, submit
from tests.web.conftest import Browser


def _couple(db, factory):  # type: ignore[no-untyped-def]
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    partner_a, partner_b = db.get(Client, couple.partner_a_id), db.get(Client, couple.partner_b_id)
    plan = [(partner_a, 60, (2, 2, 2, 2, 2)), (partner_a, 5, (4, 4, 4, 4, 4)),
            (partner_b, 58, (3, 3, 3, 3, 3)), (partner_b, 40, (2, 2, 2, 2, 2))]
    for person, ago, values in plan:
        submit(db, person, couple=couple, when=days_ago(ago), answers=keyed_answers(same_everywhere(values)))
    return counselor, couple


def _api(client, factory, counselor, couple) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/couples/{couple.id}/scores", headers=factory.headers(counselor))
    assert response.status_code == 200, response.text
    [trust] = response.json()
    out = {}
    for sub in trust["subscales"]:
        gap = sub["gaps"][-1] if sub["gaps"] else None
        labels = [s["points"][-1]["from_baseline"]["label"] for s in (sub["partner_a"], sub["partner_b"])]
        out[sub["label"]] = {"gap": fmt.score(gap["size"]) if gap else None, "labels": labels,
                             "paired": (gap["a_submitted_at"][:10], gap["b_submitted_at"][:10]) if gap else None}
    return out


def test_api_page_and_pdf_agree_on_gaps_and_change_labels(client, db, factory) -> None:
    counselor, couple = _couple(db, factory)
    api = _api(client, factory, counselor, couple)
    # The pairing rule, by hand: only (A 60 days ago, B 58 days ago) pair; keyed 2 vs 3 -> gap 1.00
    # on transparency (emotional safety keeps es4 at 4, so its means differ: 2.4 vs 3.2 -> 0.80).
    assert api["Transparency"]["gap"] == "1.00"
    assert api["Emotional safety"]["gap"] == "0.80"
    assert api["Transparency"]["paired"] == (days_ago(60).date().isoformat(), days_ago(58).date().isoformat())
    # A: 2.0 -> 4.0 (RCI 3.95 with SD 0.8, r 0.8): reliable; B: 3.0 -> 2.0 (RCI -1.98): reliable the other way.
    assert api["Transparency"]["labels"] == ["reliable improvement", "reliable deterioration"]

    page = Browser(client, counselor).get(f"/couples/{couple.id}").text
    pdf = client.post(f"/api/v1/couples/{couple.id}/reports", headers=factory.headers(counselor),
                      json={"period_start": days_ago(80).date().isoformat()})
    assert pdf.status_code == 200, pdf.text
    pdf_text = pdf_helpers.text(pdf.content)
    blocks = _pdf_blocks(pdf_text, list(api))
    for label, expected in api.items():
        rows = _page_rows(page, label)
        assert all(words in rows for words in expected["labels"]), (label, rows)
        assert re.search(rf"\b{re.escape(expected['gap'])}\b(?: large)? \(", rows), rows  # the "Gap now" cell
        a_on, b_on = (fmt.day(days_ago(ago)) for ago in (60, 58))
        assert f"({a_on} and {b_on})" in rows
        block = blocks[label]
        for words in expected["labels"]:
            assert f", {words}" in block, (label, block)
        assert f"Gap between partners: {expected['gap']} now (assessments of {a_on} and {b_on})" in block


def _page_rows(page: str, label: str) -> str:
    """The couple page's score-table rows of one subscale, as plain text."""
    start = re.search(rf'<th scope="rowgroup"[^>]*>{re.escape(label)}</th>', page).start()  # type: ignore[union-attr]
    chunk = page[start: page.index("</tbody>", start)]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", chunk)).split())


def _pdf_blocks(text: str, labels: list[str]) -> dict[str, str]:
    """Each subscale's block of the "Scores over time" section, from its heading to the next."""
    starts = sorted((text.index(f"{label} scale 1\u20135"), label) for label in labels)
    ends = [s for s, _ in starts[1:]] + [text.index("Gap between partners", starts[-1][0] + 1) + 400]
    return {label: text[start:end] for (start, label), end in zip(starts, ends, strict=True)}


def test_an_unscored_latest_assessment_is_read_the_same_everywhere(client, db, factory) -> None:
    """A's latest questionnaire left Transparency unanswered: every surface keeps A's last *scored*
    change, notes the unscored one, and takes the gap from the last pair that scored it."""
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    partner_a, partner_b = db.get(Client, couple.partner_a_id), db.get(Client, couple.partner_b_id)
    for person, ago, values in [(partner_a, 50, (2, 2, 2, 2, 2)), (partner_b, 49, (3, 3, 3, 3, 3)),
                                (partner_a, 20, (4, 4, 4, 4, 4)), (partner_b, 19, (3, 3, 3, 3, 3)),
                                (partner_a, 3, (5, 5, 5, 5, 5)), (partner_b, 2, (3, 3, 3, 3, 3))]:
        answers = keyed_answers(same_everywhere(values))
        if ago == 3:  # A's latest: no Transparency item answered, so it is not scored (never 0)
            answers = {k: v for k, v in answers.items() if not k.startswith("tr")}
        submit(db, person, couple=couple, when=days_ago(ago), answers=answers)

    [trust] = client.get(f"/api/v1/couples/{couple.id}/scores", headers=factory.headers(counselor)).json()
    transparency = next(s for s in trust["subscales"] if s["subscale"] == "transparency")
    a_points = transparency["partner_a"]["points"]
    assert [p["mean"] for p in a_points] == [2.0, 4.0, None]
    label = a_points[1]["from_baseline"]["label"]  # 2.0 -> 4.0: RCI 3.95
    assert label == "reliable improvement"
    gap = transparency["gaps"][-1]  # the pair 20/19 days ago: |4.0 - 3.0|
    assert gap["size"] == 1.0 and gap["a_submitted_at"][:10] == days_ago(20).date().isoformat()

    page = _page_rows(Browser(client, counselor).get(f"/couples/{couple.id}").text, "Transparency")
    assert label in page and f"1.00 large ({fmt.day_pair(days_ago(20), days_ago(19))})" in page
    pdf = client.post(f"/api/v1/couples/{couple.id}/reports", headers=factory.headers(counselor), json={})
    block = _pdf_blocks(pdf_helpers.text(pdf.content), ["Transparency", "Accountability"])["Transparency"]
    assert f"Since first: +2.00, {label}" in block
    assert "Latest assessment not scored" in block
    assert f"Gap between partners: 1.00 now (assessments of {fmt.day_pair(days_ago(20), days_ago(19))})" in block


def test_every_surface_says_what_a_change_rests_on_and_counts_instead_of_a_verdict(client, db, factory) -> None:
    """The same couple: every change rests on the definition's provisional values (no practice
    snapshot), and the headline counts each partner's subscales. By hand, r 0.8 throughout; SD 0.8
    (SEdiff 0.505964) for transparency, empathy, commitment, SD 0.85 (SEdiff 0.537587) for
    accountability, communication, emotional safety. A 2.0 -> 4.0 (RCI 3.95 or 3.72) and 2.4 -> 4.0 on
    emotional safety (es4 kept at 4; RCI 2.98): six reliable improvements. B 3.0 -> 2.0: RCI -1.976
    (reliable) on the three with SD 0.8, -1.860 (not) on accountability and communication; emotional
    safety 3.2 -> 2.4: -1.488 (not). So B: three reliable deteriorations, three no reliable change."""
    counselor, couple = _couple(db, factory)
    [trust] = client.get(f"/api/v1/couples/{couple.id}/scores", headers=factory.headers(counselor)).json()
    bases = {p["from_baseline"]["basis"] for s in trust["subscales"] for side in ("partner_a", "partner_b")
             for p in s[side]["points"] if p["from_baseline"]}
    assert bases == {"provisional reference values"}
    assert [(h["reliable_improvement"], h["reliable_deterioration"], h["no_reliable_change"], h["too_early"])
            for h in trust["headline"]] == [(6, 0, 0, 0), (0, 3, 3, 0)]

    page = Browser(client, counselor).get(f"/couples/{couple.id}").text
    for label in ("Transparency", "Emotional safety"):
        assert "(provisional reference values)" in _page_rows(page, label)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert ("Maya Lee : reliable improvement 6 · reliable deterioration 0 · no reliable change 0 · "
            "too early to tell 0") in text
    assert ("Daniel Lee : reliable improvement 0 · reliable deterioration 3 · no reliable change 3 · "
            "too early to tell 0") in text
    assert "getting better" not in text.lower() and "getting worse" not in text.lower()
