"""The export's FHIR bundle: questionnaires as ``Questionnaire`` and submitted administrations as
``QuestionnaireResponse``, with their ``Patient`` and score ``Observation`` resources.

**Which FHIR.** The issue asks for R4. ``fhir.resources`` 6.x (R4 4.0.1) needs pydantic 1, which
Mend can't use, so we build with ``fhir.resources.R4B`` of 8.x: R4B (4.3.0) is R4's technical
correction and its Questionnaire, QuestionnaireResponse, Patient and Observation are the R4 ones
for every element used here. Each resource is validated by its fhir.resources model as it is
built (structure, types, required elements, one ``value[x]``; the library checks no value sets,
so the codes below are tested by hand), and the whole ``Bundle`` once more.

**The bundle** is a ``collection`` without a timestamp, so one database gives one bundle. Each
entry's ``fullUrl`` is ``urn:uuid:<id>`` and references inside the bundle use it; the ``id`` is
a UUID derived from Mend's row (uuid5), and each resource carries Mend's own id as an
``identifier`` (``https://mend.example/fhir/client`` and so on). Database ids change on import,
so a round-trip comparison must set these aside as it does the JSON document's ids.

**Questionnaire**: one per definition id and version used by ``administrations`` (pending ones
too: the definition says what was given). ``url`` is ``https://mend.example/fhir/Questionnaire/
<id>`` (a name, not an address), ``version`` the definition's, ``status`` active. Sections are
``group`` items (linkId ``section-<id>``, an intro as a ``display`` item); scale and choice items
are ``choice`` with ``answerOption`` codings (a scale point's code is its number, with an
``ordinalValue``; an option's code is its stored value); yes/no is ``boolean``; text is
``string``/``text`` with ``maxLength``; date is ``date``; number is ``decimal`` (Mend accepts
fractions) with ``minValue``/``maxValue``. See ``fhir_items``.

**"Prefer not to answer"** is an answer the client chose, so it is a coding, offered among the
item's ``answerOption``s and given as ``valueCoding`` (``https://mend.example/fhir/CodeSystem/
declined#prefer_not``, "Prefer not to answer"). A yes/no item that offers it becomes a
``choice`` of ``v2-0136`` Y / N and that coding.

**QuestionnaireResponse**: only submitted administrations (unsent answers are the client's, as
``submission.results.answers_hidden`` says). ``completed``, ``questionnaire`` = ``url|version``,
``authored`` = submitted time, ``subject`` = the client's ``Patient`` (official name, and the
preferred name as ``usual``; nothing else: contact details and date of birth stay in the JSON
document). Only answered items appear. A couple is not a FHIR person: work in a couple's context
carries the extension ``https://mend.example/fhir/StructureDefinition/couple-context`` whose
``valueIdentifier`` names the couple, so the partner's record is never pulled in.

**Scores**: one ``Observation`` per stored subscale score (category survey, code the subscale,
``valueQuantity`` the mean in UCUM ``{score}``, the band as ``interpretation`` text, answered
items as a note, ``derivedFrom`` the response); an unscored subscale has ``dataAbsentReason``.
Flags stay in the JSON document.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource
from sqlmodel import Session, col, select

from app.clients.models import Client
from app.instruments.models import Definition
from app.questionnaires.administrations.state import definition_for
from app.questionnaires.models import Administration, Response, Score
from app.records.fhir_items import BASE, canonical, questionnaire_items, response_items

COUPLE_CONTEXT = f"{BASE}/StructureDefinition/couple-context"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)
_CHUNK = 500  # ids per IN (...), well inside every engine's limit on bound parameters
_SURVEY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                       "code": "survey", "display": "Survey"}]}
_NOT_SCORED = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                           "code": "unknown", "display": "Unknown"}],
               "text": "Not scored: too many of its items were left blank or declined"}


def bundle_for(session: Session, *, administrations: list[Administration]) -> dict[str, Any]:
    """A validated FHIR R4B ``collection`` Bundle of these administrations, as JSON-ready data.

    Three queries per 500 submitted administrations (clients, answers, scores), whatever the
    record's size otherwise; definitions come from the catalog.
    """
    unique = list({a.id: a for a in administrations}.values())
    submitted = sorted((a for a in unique if a.status == "submitted" and a.submitted_at is not None),
                       key=lambda a: (a.submitted_at, a.id))
    ids = [a.id for a in submitted if a.id is not None]
    stored = _answers_of(session, ids)
    scores = _scores_of(session, ids)
    entries = [questionnaire(d) for d in _definitions(unique)]
    entries += [patient(c) for c in _clients(session, sorted({a.client_id for a in submitted}))]
    for administration in submitted:
        assert administration.id is not None
        definition = definition_for(administration)
        entries.append(response(administration, definition, stored.get(administration.id, {})))
        entries += [observation(administration, definition, s) for s in scores.get(administration.id, [])]
    bundle = Bundle(type="collection", entry=[{"fullUrl": _urn(r), "resource": r} for r in entries])
    return bundle.model_dump(mode="json")


def questionnaire(definition: Definition) -> Questionnaire:
    return Questionnaire(
        id=_uid("Questionnaire", f"{definition.id}|{definition.version}"),
        url=canonical(definition), version=str(definition.version), name=_machine_name(definition.id),
        title=definition.title, status="active", subjectType=["Patient"], description=definition.description,
        identifier=[{"system": f"{BASE}/questionnaire", "value": definition.label}],
        item=questionnaire_items(definition),
    )


def patient(client: Client) -> Patient:
    names = [{"use": "official", "family": client.last_name, "given": [client.first_name]}]
    if client.preferred_name and client.preferred_name != client.first_name:
        names.append({"use": "usual", "family": client.last_name, "given": [client.preferred_name]})
    return Patient(id=_uid("Patient", client.id), identifier=[_identifier("client", client.id)], name=names)


def response(administration: Administration, definition: Definition, stored: dict[str, Any]
             ) -> QuestionnaireResponse:
    items = response_items(definition, stored)
    context = ([{"url": COUPLE_CONTEXT, "valueIdentifier": _identifier("couple", administration.couple_id)}]
               if administration.couple_id is not None else None)
    return QuestionnaireResponse(
        id=_uid("QuestionnaireResponse", administration.id), extension=context,
        identifier=_identifier("administration", administration.id),
        questionnaire=f"{canonical(definition)}|{definition.version}", status="completed",
        subject=_ref("Patient", administration.client_id), authored=administration.submitted_at,
        item=items or None,
    )


def observation(administration: Administration, definition: Definition, score: Score) -> Observation:
    subscale = definition.subscales.get(score.subscale)
    label = subscale.label if subscale else score.subscale
    value: dict[str, Any] = (
        {"valueQuantity": {"value": score.mean, "unit": "score", "system": "http://unitsofmeasure.org",
                           "code": "{score}"}}
        if score.scored and score.mean is not None else {"dataAbsentReason": _NOT_SCORED}
    )
    return Observation(
        id=_uid("Observation", score.id), identifier=[_identifier("score", score.id)], status="final",
        category=[_SURVEY], subject=_ref("Patient", administration.client_id),
        code={"coding": [{"system": f"{BASE}/CodeSystem/{definition.id}/subscale", "code": score.subscale,
                          "display": label}], "text": f"{definition.title}: {label}"},
        effectiveDateTime=administration.submitted_at,
        derivedFrom=[_ref("QuestionnaireResponse", administration.id)],
        interpretation=[{"text": score.band}] if score.band else None,
        note=[{"text": f"{score.answered} of {score.total} items answered"}], **value,
    )


# --- reading (batched; the same rows load_answers and scores_for read one administration at a time) ---


def _definitions(administrations: Iterable[Administration]) -> list[Definition]:
    found = {(a.instrument_id, a.instrument_version): definition_for(a) for a in administrations}
    return [found[key] for key in sorted(found)]


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    return (ids[start:start + _CHUNK] for start in range(0, len(ids), _CHUNK))


def _clients(session: Session, ids: Sequence[int]) -> list[Client]:
    rows = [c for part in _chunks(ids) for c in session.exec(select(Client).where(col(Client.id).in_(part)))]
    return sorted(rows, key=lambda c: c.id or 0)


def _answers_of(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """``{administration_id: {item_id: value}}``, blank answers left out (as ``load_answers``)."""
    stored: dict[int, dict[str, Any]] = {}
    for part in _chunks(ids):
        for row in session.exec(select(Response).where(col(Response.administration_id).in_(part))):
            if row.value is not None:
                stored.setdefault(row.administration_id, {})[row.item_id] = row.value
    return stored


def _scores_of(session: Session, ids: Sequence[int]) -> dict[int, list[Score]]:
    scores: dict[int, list[Score]] = {}
    for part in _chunks(ids):
        for row in session.exec(select(Score).where(col(Score.administration_id).in_(part)).order_by(Score.id)):
            scores.setdefault(row.administration_id, []).append(row)
    return scores


# --- identity ---


def _uid(kind: str, key: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{key}"))


def _urn(resource: Resource) -> str:
    return f"urn:uuid:{resource.id}"


def _ref(kind: str, key: object) -> dict[str, str]:
    return {"reference": f"urn:uuid:{_uid(kind, key)}", "type": kind}


def _identifier(kind: str, value: object) -> dict[str, str]:
    return {"system": f"{BASE}/{kind}", "value": str(value)}


def _machine_name(instrument_id: str) -> str:
    """``trust-rebuilding`` -> ``TrustRebuilding`` (FHIR's computable-name pattern)."""
    return "".join(part.capitalize() for part in instrument_id.split("-"))
