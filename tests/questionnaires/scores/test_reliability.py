"""Own-data reliability: the practice's alpha replaces the definition's at 30 submissions."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from app.config import get_settings
from app.questionnaires.models import Administration
from app.questionnaires.scores.reliability import practice_reliability
from app.scoring import subscale_alpha
from tests.questionnaires.helpers import submitted_in_session, trust


def _answers(person: int) -> dict[str, int]:
    """A consistent respondent: one level per person, small item-to-item wobble, reverse items mirrored."""
    level = 1 + person % 5
    answers = {}
    for index, item in enumerate(trust().items):
        wobble = ((person * 7 + index * 2) % 3) - 1  # -1, 0 or +1
        value = min(5, max(1, level + wobble))
        answers[item.id] = 6 - value if item.reverse else value
    return answers


def test_switches_from_definition_to_practice_at_threshold(db, factory):
    counselor = factory.counselor()
    someone = factory.client(counselor)
    definition = trust()
    needed = get_settings().reliability_min_administrations
    assert needed == 30
    sets = []
    for person in range(needed - 1):
        submitted_in_session(db, counselor, someone.id, _answers(person))
        sets.append(_answers(person))
    before = practice_reliability(db, practice_id=counselor.practice_id, definition=definition)
    assert {r.source for r in before.values()} == {"definition"}
    assert before["transparency"].value == definition.subscales["transparency"].reliability
    assert before["transparency"].n_administrations == needed - 1

    submitted_in_session(db, counselor, someone.id, _answers(needed - 1))
    sets.append(_answers(needed - 1))
    after = practice_reliability(db, practice_id=counselor.practice_id, definition=definition)
    for sid, found in after.items():
        assert found.source == "practice" and found.n_administrations == needed
        assert 0 < found.value < 1
        assert found.value == pytest.approx(subscale_alpha(definition, sid, sets))

    # Other practices don't borrow this practice's data.
    stranger = factory.counselor()
    theirs = practice_reliability(db, practice_id=stranger.practice_id, definition=definition)
    assert {r.source for r in theirs.values()} == {"definition"}


def test_unusable_alpha_falls_back_to_definition(db, factory):
    counselor = factory.counselor()
    someone = factory.client(counselor)
    # 30 identical respondents: totals never vary, so alpha is undefined -> definition's value.
    for _ in range(30):
        submitted_in_session(db, counselor, someone.id, _answers(0))
    found = practice_reliability(db, practice_id=counselor.practice_id, definition=trust())
    assert {r.source for r in found.values()} == {"definition"}
    assert db.exec(select(func.count()).select_from(Administration)).one() == 30
