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


class ClientBase(RequestModel):

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    pronouns: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40, pattern=r"^[0-9+()\-. ]*$")
    date_of_birth: date | None = None


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
