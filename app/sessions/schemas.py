"""Request/response models for therapy sessions, addenda, agreements and check-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NaiveDatetime, model_validator

from app.fields import RecordId, RequestModel
from app.sessions.integrity import integrity as note_integrity

Modality = Literal["in_person", "video", "phone"]
AgreementKind = Literal["boundary", "rule", "amend", "transparency_practice"]
AgreementStatus = Literal["active", "kept", "broken", "retired"]
Outcome = Literal["kept", "partly", "not_kept"]
#: A session is planned ahead, then held (its note as before), cancelled or a no-show.
Attendance = Literal["planned", "held", "cancelled", "no_show"]
NOTE_MAX = 20_000


class SessionCreate(RequestModel):

    couple_id: RecordId | None = None
    client_id: RecordId | None = None
    starts_at: AwareDatetime | NaiveDatetime = Field(description="Naive times are taken as UTC")
    duration_minutes: int = Field(default=50, ge=5, le=600)
    modality: Modality = "in_person"
    attendee_ids: list[RecordId] | None = Field(default=None, max_length=2)
    note_data: str = Field(default="", max_length=NOTE_MAX)
    note_assessment: str = Field(default="", max_length=NOTE_MAX)
    note_plan: str = Field(default="", max_length=NOTE_MAX)
    attendance: Attendance = Field(
        default="held", description="planned: booked ahead (its start may be in the future, no note yet); "
                                    "held: it took place (the note as usual); cancelled; no_show")


class SessionUpdate(RequestModel):

    starts_at: AwareDatetime | NaiveDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=600)
    modality: Modality | None = None
    attendee_ids: list[RecordId] | None = Field(default=None, max_length=2)
    note_data: str | None = Field(default=None, max_length=NOTE_MAX)
    note_assessment: str | None = Field(default=None, max_length=NOTE_MAX)
    note_plan: str | None = Field(default=None, max_length=NOTE_MAX)
    attendance: Attendance | None = Field(
        default=None, description="planned -> held, cancelled or no_show; not once the note is signed")


class SessionCorrection(RequestModel):
    """A correction of when, how long and where a session took place, of its attendance and of
    who attended (``service.correct_session``: a signed session keeps its attendance and attendees)."""

    starts_at: AwareDatetime | NaiveDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=5, le=600)
    modality: Modality | None = None
    attendance: Attendance | None = None
    attendee_ids: list[RecordId] | None = Field(
        default=None, max_length=2, description="The couple's partners or the client who attended; "
                                                "at least one for a held session; not once the note is signed")


class SessionSummary(BaseModel):
    """A session without its note: lists don't expose clinical text."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    counselor_id: RecordId
    couple_id: int | None
    client_id: int | None
    starts_at: datetime
    duration_minutes: int
    modality: Modality
    attendee_ids: list[RecordId]
    attendance: Attendance
    status: Literal["draft", "signed"]
    signed_at: datetime | None


class AddendumCreate(RequestModel):

    text: str = Field(min_length=1, max_length=NOTE_MAX)


class AddendumPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author_id: RecordId
    text: str
    created_at: datetime


class SessionPublic(SessionSummary):
    note_data: str
    note_assessment: str
    note_plan: str
    signed_by_id: int | None
    created_at: datetime
    updated_at: datetime
    addenda: list[AddendumPublic] = []
    integrity: Literal["ok", "changed", "unsealed"] | None = Field(
        default=None, description="A signed note: ok, changed (its text no longer matches what was signed), "
        "or unsealed (signed before integrity checks); null when not signed")

    @model_validator(mode="before")
    @classmethod
    def _integrity(cls, data: Any) -> Any:
        if isinstance(data, dict) and "integrity" not in data and "note_hash" in data:
            return {**data, "integrity": note_integrity(data)}
        return data


class AgreementCreate(RequestModel):

    kind: AgreementKind
    title: str = Field(min_length=1, max_length=200)
    details: str = Field(default="", max_length=5000)


class AgreementUpdate(RequestModel):

    title: str | None = Field(default=None, min_length=1, max_length=200)
    details: str | None = Field(default=None, max_length=5000)
    status: AgreementStatus | None = None
    note: str = Field(default="", max_length=1000, description="Why the status changed")


class AgreementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    couple_id: RecordId
    kind: AgreementKind
    title: str
    details: str
    status: AgreementStatus
    created_at: datetime
    updated_at: datetime


class StatusChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    note: str
    changed_by_id: RecordId
    changed_at: datetime


class CheckInCreate(RequestModel):

    session_id: RecordId
    outcome: Outcome
    comment: str = Field(default="", max_length=2000)


class CheckInPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    agreement_id: RecordId
    session_id: RecordId
    outcome: Outcome
    comment: str
    recorded_by_id: RecordId
    created_at: datetime
