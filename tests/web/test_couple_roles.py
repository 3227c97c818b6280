"""The couple page reads each partner's side of the breach from their intake, by the report's rule."""

from __future__ import annotations

from app.db import utcnow
from app.instruments.catalog import default_catalog
from app.questionnaires.models import Administration, Response
from tests.web.conftest import Browser


def _intake_role(db, couple, client_id: int, role: str, *, couple_id: int | None) -> None:
    """A submitted intake whose only stored answer is the role question."""
    definition = default_catalog().latest("couples-intake")
    row = Administration(practice_id=couple.practice_id, client_id=client_id, couple_id=couple_id,
                         counselor_id=couple.counselor_id, instrument_id=definition.id,
                         instrument_version=definition.version, definition_checksum=definition.checksum,
                         mode="in_session", status="submitted", submitted_at=utcnow())
    db.add(row)
    db.flush()
    db.add(Response(practice_id=couple.practice_id, administration_id=row.id, item_id="my_role", value=role))
    db.commit()


def _about(html: str) -> str:
    return html[html.index('id="about-h"'):html.index("</dl>", html.index('id="about-h"'))]


def test_roles_stand_beside_the_names_when_the_intakes_give_them(client, factory, db):
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    browser = Browser(client, counselor)
    assert "hurt partner" not in _about(browser.get(f"/couples/{couple.id}").text)  # no intake yet
    _intake_role(db, couple, couple.partner_a_id, "hurt", couple_id=couple.id)
    _intake_role(db, couple, couple.partner_b_id, "involved", couple_id=couple.id)
    about = _about(browser.get(f"/couples/{couple.id}").text)
    assert about.index("Maya Lee") < about.index("hurt partner") < about.index("Daniel Lee")
    assert about.index("Daniel Lee") < about.index("partner who broke trust")


def test_no_role_when_both_claim_the_same_side_or_only_individual_work_says_so(client, factory, db):
    counselor = factory.counselor()
    couple = factory.couple(counselor, names=("Maya", "Daniel"))
    browser = Browser(client, counselor)
    _intake_role(db, couple, couple.partner_a_id, "hurt", couple_id=None)  # individual work: not this couple's
    assert "hurt partner" not in _about(browser.get(f"/couples/{couple.id}").text)
    _intake_role(db, couple, couple.partner_a_id, "hurt", couple_id=couple.id)
    _intake_role(db, couple, couple.partner_b_id, "hurt", couple_id=couple.id)
    about = _about(browser.get(f"/couples/{couple.id}").text)
    assert "hurt partner" not in about and "broke trust" not in about  # Mend never decides between them
