"""Read-only helpers the pages share: couples with partner names, what the questionnaire
service knows about a client, a couple or the whole caseload (flags, links needing a look),
and a couple's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.auth.models import Counselor
from app.clients import service as clients
from app.clients.models import Couple
from app.clients.service import couples_public
from app.clients.subjects import Subject
from app.instruments.catalog import default_catalog
from app.questionnaires.administrations import service as questionnaires
from app.questionnaires.administrations.openings import LinkAttention, link_attention
from app.questionnaires.models import Administration
from app.questionnaires.schemas import AdministrationPublic, FlagPublic, FlagReviewPublic
from app.questionnaires.scores.history import held_back
from app.questionnaires.submission import flags as flag_service
from app.questionnaires.submission.results import latest_answers
from app.reports.core.roles import ROLE_ITEM, ROLE_WORDS, intake_roles
from app.scoring.history import Headline, ScoreHistory
from app.sessions.agreements import AgreementRecord
from app.sessions.models import TherapySession
from app.sessions.service import as_utc


def session_names(session: Session, rows: Sequence[TherapySession]) -> dict[int, str]:
    """Who each session was with (couple or client name), in two queries for any number of rows.

    ``rows`` come from the sessions service, already scoped to the counselor."""
    couple_ids = {r.couple_id for r in rows if r.couple_id}
    couples = list(session.exec(select(Couple).where(col(Couple.id).in_(couple_ids))).all()) if couple_ids else []
    couple_names = {c.id: c.name for c in couples_public(session, couples)}
    client_names = clients.display_names(session, [r.client_id for r in rows if r.client_id])
    return {r.id: couple_names.get(r.couple_id, "") if r.couple_id else client_names.get(r.client_id, "")
            for r in rows if r.id is not None}


def client_administrations(session: Session, me: Counselor, client_id: int) -> list[AdministrationPublic]:
    """Questionnaires given to one client, newest first."""
    rows = questionnaires.list_client_administrations(session, actor=me, client_id=client_id)
    return questionnaires.public_list(session, rows)


def couple_questionnaires(session: Session, me: Counselor, couple_id: int) -> list[AdministrationPublic]:
    """Questionnaires given in this couple's context (both partners), newest first."""
    rows = questionnaires.list_couple_administrations(session, actor=me, couple_id=couple_id)
    return questionnaires.public_list(session, rows)


def open_flags(session: Session, me: Counselor, *, couple_id: int | None = None) -> list[FlagPublic]:
    """Open flags in the caseload (or one couple's), most severe first."""
    return flag_service.list_flags(session, actor=me, status="open", couple_id=couple_id)


def subject_flags(session: Session, subject: Subject) -> list[FlagPublic]:
    """Open flags raised in this couple's context, or in this client's individual work."""
    return flag_service.flags_in_context(session, subject=subject, status="open")


# --- links that need a look ---------------------------------------------------------


@dataclass(frozen=True)
class LinkAlert:
    """A private link that is locked, had wrong passcodes, or was opened in several browsers."""

    attention: LinkAttention
    client_name: str
    title: str

    @property
    def administration_id(self) -> int:
        return self.attention.administration_id

    @property
    def locked(self) -> bool:
        return self.attention.locked_at is not None

    @property
    def sentence(self) -> str:
        """E.g. "Maya Lee's Trust Rebuilding Inventory link: locked after 5 wrong passcodes; ..."."""
        summary = self.attention.summary
        return f"{self.client_name}'s {self.title} link: {summary[:1].lower()}{summary[1:]}"


def _alerts(session: Session, where: Sequence[ColumnElement[bool]]) -> list[LinkAlert]:
    """``link_attention`` rows with names and titles: two queries plus one for the names."""
    rows = link_attention(session, where=[col(Administration.mode) == "link", *where])
    names = clients.display_names(session, [r.client_id for r in rows])
    catalog = default_catalog()
    titles = {i: catalog.latest(i).title if catalog.versions(i) else i for i in {r.instrument_id for r in rows}}
    return [LinkAlert(r, names.get(r.client_id, ""), titles[r.instrument_id]) for r in rows]


def caseload_link_alerts(session: Session, me: Counselor) -> list[LinkAlert]:
    """Links needing a look across the caller's caseload (owner: the practice)."""
    return _alerts(session, [questionnaires.administration_visible(me)])


def subject_link_alerts(session: Session, me: Counselor, subject: Subject) -> list[LinkAlert]:
    """Links needing a look on a couple's page (given in its context) or a client's (all theirs)."""
    if subject.couple is not None:
        return _alerts(session, [questionnaires.own_context(subject, strict=True)])
    return _alerts(session, [col(Administration.client_id) == subject.id,
                             questionnaires.administration_visible(me)])


# --- a couple's timeline --------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a couple's timeline: a session, an agreement's change, or a flag review."""

    at: datetime
    kind: Literal["session", "agreement", "flag"]
    session: TherapySession | None = None
    agreement_title: str = ""
    agreement_id: int | None = None
    from_status: str | None = None
    to_status: str = ""
    note: str = ""
    review: FlagReviewPublic | None = None
    reopen: bool = False  # the latest review of a flag that is dealt with now: offer "Reopen"


def couple_timeline(
    sessions: Sequence[TherapySession], *, all_sessions: bool, agreements: Sequence[AgreementRecord],
    reviews: Sequence[FlagReviewPublic], all_reviews: bool, limit: int = 20,
) -> list[TimelineEntry]:
    """Sessions, agreement changes and flag reviews, newest first, from rows the page already
    read (no query here). A source read only in part (``all_sessions``/``all_reviews`` False)
    cuts the timeline at its oldest row, so nothing older appears while its neighbours are missing."""
    entries = [TimelineEntry(at=as_utc(s.starts_at), kind="session", session=s) for s in sessions]
    for record in agreements:
        for change in record.history:
            entries.append(TimelineEntry(
                at=as_utc(change.changed_at), kind="agreement", agreement_title=record.agreement.title,
                agreement_id=record.agreement.id, from_status=change.from_status, to_status=change.to_status,
                note=change.note))
    latest_review: set[int] = set()
    for review in reviews:  # newest first: the first seen of each flag is its latest
        entries.append(TimelineEntry(at=as_utc(review.at), kind="flag", review=review,
                                     reopen=review.flag_id not in latest_review and not review.flag_open
                                     and review.action == "resolved"))
        latest_review.add(review.flag_id)
    cuts = [as_utc(sessions[-1].starts_at)] if sessions and not all_sessions else []
    cuts += [as_utc(reviews[-1].at)] if reviews and not all_reviews else []
    if cuts:
        entries = [e for e in entries if e.at >= max(cuts)]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


# --- the couple page's scores ---------------------------------------------------------


@dataclass(frozen=True)
class ScoreView:
    """One score history as the couple page shows it: the per-person headline and, per person,
    the guarded subscales that read "see safety alert" (an open high-severity flag)."""

    history: ScoreHistory
    headline: dict[int, Headline]
    alerted: dict[int, frozenset[str]]  # client id -> guarded subscales held back

    def held(self, client_id: int, subscale_id: str) -> bool:
        return subscale_id in self.alerted.get(client_id, frozenset())


def score_views(histories: Sequence[ScoreHistory], open_flags: Sequence[FlagPublic]) -> list[ScoreView]:
    """Each history with its headline; a guarded subscale (``Definition.guarded_subscales``) of a
    person with an open high-severity flag is never shown as reassuring."""
    alerted = {f.client_id for f in open_flags if f.severity == "high" and f.resolved_at is None}
    out = []
    for h in histories:
        held = held_back(h, alerted)
        out.append(ScoreView(h, h.headline(held), held))
    return out


def partner_roles(session: Session, subject: Subject) -> dict[int, str]:
    """Each partner's side of the breach as they gave it at intake, in words ("hurt partner",
    "partner who broke trust"), by the report's rule (``reports.core.roles``): only clear,
    non-conflicting answers from this couple's own context. Empty when there are none."""
    intakes = [d.id for d in default_catalog().of_kind("intake")]
    found = latest_answers(session, subject=subject, instrument_ids=intakes, item_ids=(ROLE_ITEM,))
    roles = intake_roles(found, subject.client_ids)
    return {person_id: ROLE_WORDS[role] for person_id, role in zip(subject.client_ids, roles, strict=True) if role}


# --- the safety warning on session pages ------------------------------------------------


@dataclass(frozen=True)
class SafetyWarning:
    """An open high-severity flag of someone a session is with, and for how long it has been open."""

    flag: FlagPublic
    days_open: int

    @property
    def open_for(self) -> str:
        """"open for 12 days", "open for 1 day" or "raised today"."""
        return open_for(self.days_open)


def open_for(days: int) -> str:
    return "raised today" if days < 1 else f"open for {days} day{'' if days == 1 else 's'}"


def days_open(raised_at: datetime, now: datetime | None = None) -> int:
    """Whole days since a flag was raised (0 on the day itself)."""
    return max(0, ((now or datetime.now().astimezone()) - as_utc(raised_at)).days)


def safety_warnings(session: Session, me: Counselor, subject: Subject) -> list[SafetyWarning]:
    """The open high-severity flags a session's pages warn about, partner by partner, oldest first:
    for a couple those raised in this couple's context and in each partner's individual work (a
    partner afraid of the other is as much at risk in a joint session whichever form said so, and
    the counselor sees both lists already); for a client alone, their individual work. A flag from
    another couple's context stays out, as on every page. One query, scoped by the flag service."""
    people = subject.client_ids
    contexts = {None, subject.couple_id}
    found = [f for f in flag_service.list_flags(session, actor=me, status="open")
             if f.severity == "high" and f.client_id in people and f.couple_id in contexts]
    found.sort(key=lambda f: (people.index(f.client_id), as_utc(f.raised_at)))
    return [SafetyWarning(f, days_open(f.raised_at)) for f in found]
