"""Read stored assessment scores and intake answers for a report (a fixed number of queries).

Scores are the ``Score`` rows written when an administration was submitted; we
never rescore here. Each subscale is described by the definition *version* the
client answered, and its reliability comes from the practice's own data when
there is enough of it (``practice_reliability``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.questionnaires.catalog import default_catalog
from app.questionnaires.definitions import Definition, Item
from app.questionnaires.models import Administration, Response, Score
from app.questionnaires.reliability import practice_reliability
from app.reports.inputs import AssessmentInput, SubscaleInfo

if TYPE_CHECKING:
    from app.reports.gather import Subject

ASSESSMENT_ID = "trust-rebuilding"
INTAKE_ID = "couples-intake"
#: Intake answers shown on the report: what each person hopes for. Only these
#: items, so safety answers never appear raw (their flags cover them).
HIGHLIGHT_ITEMS = ("goals", "goals_in_words", "hope_now")
MAX_ANSWER_CHARS = 600
DEFAULT_GAP_THRESHOLD = 1.0



def _definition(instrument_id: str, version: int) -> Definition | None:
    try:
        return default_catalog().get(instrument_id, version)
    except KeyError:
        return None  # an unknown version cannot be described; leave it out rather than fail


def _own_context(subject: Subject) -> Any:
    """Administrations given in this couple's context, or to the person alone."""
    in_scope = col(Administration.client_id).in_(subject.client_ids)
    if subject.couple is None:
        return in_scope
    return in_scope & or_(
        col(Administration.couple_id) == subject.subject_id,
        col(Administration.couple_id).is_(None),
    )


def assessments_and_subscales(
    session: Session, *, subject: Subject, before: datetime, zone: ZoneInfo
) -> tuple[list[AssessmentInput], list[SubscaleInfo]]:
    """Every submitted assessment up to the period's end (earlier ones give the baseline)."""
    rows = session.exec(
        select(Administration, Score)
        .join(Score, col(Score.administration_id) == Administration.id, isouter=True)
        .where(
            _own_context(subject),
            Administration.instrument_id == ASSESSMENT_ID,
            Administration.status == "submitted",
            col(Administration.submitted_at) < before,
        )
        .order_by(col(Administration.submitted_at), col(Administration.id))
    ).all()
    administrations: dict[int, Administration] = {}
    means: dict[int, dict[str, float | None]] = defaultdict(dict)
    for administration, score in rows:
        assert administration.id is not None
        administrations[administration.id] = administration
        if score is not None:
            means[administration.id][score.subscale] = score.mean if score.scored else None
    definitions: dict[tuple[str, int], Definition] = {}
    assessments = []
    for admin_id, administration in administrations.items():
        definition = _definition(administration.instrument_id, administration.instrument_version)
        if definition is None or administration.submitted_at is None:
            continue
        definitions[(definition.id, definition.version)] = definition
        assessments.append(AssessmentInput(
            partner_label=subject.labels[administration.client_id],
            submitted_at=administration.submitted_at.astimezone(zone),
            instrument_title=definition.title,
            means=means[admin_id],
        ))
    return assessments, _subscales(session, subject, definitions)


def _subscales(
    session: Session, subject: Subject, definitions: dict[tuple[str, int], Definition]
) -> list[SubscaleInfo]:
    """Subscales in the newest version's order; one reliability lookup per version used."""
    infos: dict[str, SubscaleInfo] = {}
    newest_first = sorted(definitions.values(), key=lambda d: d.version, reverse=True)
    for definition in newest_first:
        reliability = practice_reliability(session, practice_id=subject.practice.id, definition=definition)
        for subscale_id, subscale in definition.subscales.items():
            if subscale_id in infos:
                continue  # the newest version describes a subscale they share
            scale = definition.scale_for(subscale.items[0])
            used = reliability[subscale_id]
            infos[subscale_id] = SubscaleInfo(
                id=subscale_id,
                label=subscale.label,
                reference_sd=subscale.reference_sd,
                reliability=used.reliability,
                reliability_source=used.source,
                higher_is_better=subscale.higher_is_better,
                gap_threshold=definition.gap_threshold or DEFAULT_GAP_THRESHOLD,
                scale_min=float(scale.min),
                scale_max=float(scale.max),
            )
    return list(infos.values())


# --- intake ----------------------------------------------------------------------


def _answer_text(item: Item, definition: Definition, value: Any) -> str:
    """An intake answer in the words the client saw (option and scale labels, not codes)."""
    if item.type in ("single_choice", "multiple_choice"):
        labels = {o.value: o.label for o in item.options}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if item.type == "scale" and isinstance(value, int):
        scale = definition.scale_for(item)
        return scale.labels[value - scale.min] if scale.min <= value <= scale.max else str(value)
    if item.type == "yes_no":
        return "Yes" if value else "No"
    text = str(value).strip()
    return text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 1] + "…"


def intake_highlights(session: Session, *, subject: Subject) -> list[tuple[str, str]]:
    """A few answers from each person's latest submitted intake: goals and hopes."""
    latest: dict[int, Administration] = {}
    for administration in session.exec(
        select(Administration)
        .where(
            _own_context(subject),
            Administration.instrument_id == INTAKE_ID,
            Administration.status == "submitted",
        )
        .order_by(col(Administration.submitted_at).desc(), col(Administration.id).desc())
    ):
        latest.setdefault(administration.client_id, administration)
    if not latest:
        return []
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for response in session.exec(
        select(Response).where(
            col(Response.administration_id).in_([a.id for a in latest.values()]),
            col(Response.item_id).in_(HIGHLIGHT_ITEMS),
        )
    ):
        answers[response.administration_id][response.item_id] = response.value
    lines = []
    for person in subject.people:
        administration = latest.get(person.id)  # type: ignore[arg-type]
        if administration is None:
            continue
        lines += _person_lines(subject, person.display_name, administration, answers[administration.id])  # type: ignore[index]
    return lines


def _person_lines(
    subject: Subject, name: str, administration: Administration, answers: dict[str, Any]
) -> list[tuple[str, str]]:
    definition = _definition(administration.instrument_id, administration.instrument_version)
    if definition is None:
        return []
    lines = []
    for item_id in HIGHLIGHT_ITEMS:
        value = answers.get(item_id)
        if value in (None, "", []):
            continue
        try:
            item = definition.item(item_id)
        except KeyError:
            continue  # a later intake version may drop an item
        question = item.text if subject.kind == "client" else f"{name}: {item.text}"
        lines.append((question, _answer_text(item, definition, value)))
    return lines
