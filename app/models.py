"""Imports every table so SQLModel.metadata is complete (Alembic, tests)."""

from app.audit.models import AuditEvent
from app.auth.models import AccessToken, Counselor, LoginFailure, RecoveryCode
from app.clients.models import Client, Couple
from app.outreach.models import Message, Schedule
from app.practice.models import Practice
from app.questionnaires.models import Administration, AdministrationFlag, Response, Score
from app.reports.models import Report
from app.sessions.models import (
    Agreement,
    AgreementCheckIn,
    AgreementStatusChange,
    NoteAddendum,
    TherapySession,
)

__all__ = [
    "AccessToken",
    "Administration",
    "AdministrationFlag",
    "Agreement",
    "AgreementCheckIn",
    "AgreementStatusChange",
    "AuditEvent",
    "Client",
    "Counselor",
    "Couple",
    "LoginFailure",
    "Message",
    "NoteAddendum",
    "Practice",
    "RecoveryCode",
    "Report",
    "Response",
    "Schedule",
    "Score",
    "TherapySession",
]
