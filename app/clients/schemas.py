"""Request/response models for clients and couples."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from app.fields import RecordId, RequestModel

BreachType = Literal[
    "infidelity", "emotional_affair", "deception", "financial_betrayal",
    "neglect", "manipulation", "addiction", "other",
]
CoupleStatus = Literal["active", "paused", "discharged"]
ContactPreference = Literal["email", "counselor"]
EmailSafety = Literal["unknown", "yes", "no"]


class ClientBase(RequestModel):

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    pronouns: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+()\-. ]*$")
    date_of_birth: date | None = None
    contact_preference: ContactPreference = Field(
        default="email", description="How questionnaire links reach them: by email, or only through the counselor")
    email_safe: EmailSafety = Field(
        default="unknown", description="Whether email is safe for them; Mend emails only on yes. Set here, the "
                                       "intake's safety answers never override it")


class ClientCreate(ClientBase):
    counselor_id: RecordId | None = Field(default=None, description="Defaults to the caller")


class ClientUpdate(RequestModel):

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    pronouns: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+()\-. ]*$")
    date_of_birth: date | None = None
    counselor_id: RecordId | None = None
    contact_preference: ContactPreference | None = None
    email_safe: EmailSafety | None = Field(
        default=None, description="yes or no is the counselor's choice from then on (the intake no longer sets "
                                  "it); unknown lets the intake's safety answers decide again")


class ClientPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    counselor_id: RecordId
    first_name: str
    last_name: str
    preferred_name: str | None
    pronouns: str | None
    email: str | None
    phone: str | None
    date_of_birth: date | None
    status: str
    discharged_at: datetime | None
    contact_preference: ContactPreference
    email_safe: EmailSafety
    email_safe_source: Literal["counselor", "intake"] | None = Field(
        description="Who said whether email is safe: the counselor, or the client's intake answers")
    created_at: datetime
    display_name: str


class CoupleCreate(RequestModel):

    partner_a_id: RecordId
    partner_b_id: RecordId
    breach_type: BreachType
    breach_summary: str | None = Field(default=None, max_length=2000)
    disclosed_on: date | None = None
    started_on: date | None = None
    counselor_id: RecordId | None = Field(default=None, description="Defaults to the caller")


class CoupleUpdate(RequestModel):

    breach_type: BreachType | None = None
    breach_summary: str | None = Field(default=None, max_length=2000)
    disclosed_on: date | None = None
    started_on: date | None = None
    status: CoupleStatus | None = None
    counselor_id: RecordId | None = None


class CouplePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    counselor_id: RecordId
    partner_a: ClientPublic
    partner_b: ClientPublic
    breach_type: BreachType
    breach_summary: str | None
    disclosed_on: date | None
    started_on: date | None
    status: CoupleStatus
    created_at: datetime
    name: str
