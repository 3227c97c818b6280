"""Owner pages: practice settings, counselors (add, change role, retire)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.auth import service as auth
from app.auth.models import Counselor
from app.auth.schemas import CounselorCreate, CounselorUpdate
from app.db import SessionDep
from app.errors import Forbidden, InvalidField
from app.practice import service as practice_service
from app.practice import zones
from app.practice.schemas import PracticeUpdate
from app.web.deps import CheckedForm, CurrentWebCounselor
from app.web.forms import FormErrors, parse, pick, submit_form, text, values_of
from app.web.templating import render

router = APIRouter()

FIELD_LABELS = {"name": "Practice name", "timezone": "Time zone", "support_text": "Support information",
                "mail_name": "Name on messages to clients", "link_days": "Links work for",
                "reminder_after_days": "First reminder", "reminder_before_days": "Last reminder",
                "retention_years": "Keep records for", "retention_auto_purge": "Purge each night",
                "full_name": "Full name", "email": "Email", "password": "First password", "role": "Role"}
ROLE_OPTIONS = [("counselor", "Counselor"), ("owner", "Owner")]


def require_owner(me: Counselor) -> None:
    if not me.is_owner:
        raise Forbidden("Only the practice owner can open this page.")


def _settings_page(request: Request, session: Session, me: Counselor, *, values: dict[str, Any] | None = None,
                   errors: FormErrors | None = None, status: int = 200) -> Response:
    practice = practice_service.get_practice(session, actor=me)
    chosen = (values or {}).get("timezone") or practice.timezone
    if chosen not in available_timezones():  # an unknown name typed in: keep the saved one selected
        chosen = practice.timezone
    return render(request, "admin/settings.html", {
        "practice": practice,
        "values": values if values is not None else {
            "name": practice.name, "timezone": practice.timezone, "support_text": practice.support_text or "",
            "mail_name": practice.mail_name or "", "link_days": practice.link_days,
            "reminder_after_days": practice.reminder_after_days or "",
            "reminder_before_days": practice.reminder_before_days or "",
            "retention_years": practice.retention_years, "retention_auto_purge": practice.retention_auto_purge,
            "require_two_factor": practice.require_two_factor},
        "default_support": practice_service.DEFAULT_SUPPORT_TEXT,
        "mail_warning": practice_service.mail_name_warning(practice),
        "errors": errors or FormErrors(), "labels": FIELD_LABELS,
        "zone_groups": zones.selectable_zones(), "utc": zones.UTC, "chosen_zone": chosen,
        # A valid zone that isn't in the list (an alias set through the API) stays choosable as it is.
        "unlisted_zone": None if zones.is_listed(chosen) else chosen,
    }, status=status)


@router.get("/settings")
def settings_page(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    require_owner(me)
    return _settings_page(request, session, me)


@router.post("/settings")
def settings_save(request: Request, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    require_owner(me)
    given = pick(form, ("name", "timezone", "support_text", "mail_name", "link_days", "retention_years"))
    given["retention_auto_purge"] = text(form, "retention_auto_purge") == "on"  # an unticked box posts nothing
    given["require_two_factor"] = text(form, "require_two_factor") == "on"
    # An empty reminder field turns that reminder off.
    given |= {f: text(form, f) or "0" for f in ("reminder_after_days", "reminder_before_days")}
    data, errors = parse(PracticeUpdate, given)
    if not text(form, "name"):
        errors.add("name", "Enter the practice's name")

    def save(valid: PracticeUpdate) -> Response:
        practice_service.update_practice(session, actor=me, name=valid.name, timezone=valid.timezone,
                                        support_text=valid.support_text or "", mail_name=valid.mail_name or "",
                                        link_days=valid.link_days, reminder_after_days=valid.reminder_after_days,
                                        reminder_before_days=valid.reminder_before_days,
                                        retention_years=valid.retention_years,
                                        retention_auto_purge=valid.retention_auto_purge,
                                        require_two_factor=valid.require_two_factor)
        return RedirectResponse("/settings?notice=practice-saved", status_code=303)

    return submit_form(session, data, errors, save=save, show=lambda problems: _settings_page(
        request, session, me, values=values_of(form), errors=problems, status=422))


def _counselors_page(request: Request, session: Session, me: Counselor, *,
                     values: dict[str, Any] | None = None, errors: FormErrors | None = None,
                     status: int = 200) -> Response:
    return render(request, "admin/counselors.html", {
        "counselors": auth.list_counselors(session, actor=me), "roles": ROLE_OPTIONS,
        "values": values or {"role": "counselor"}, "errors": errors or FormErrors(), "labels": FIELD_LABELS,
    }, status=status)


@router.get("/settings/counselors")
def counselors_page(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    require_owner(me)
    return _counselors_page(request, session, me)


@router.post("/settings/counselors")
def counselor_add(request: Request, session: SessionDep, me: CurrentWebCounselor, form: CheckedForm) -> Response:
    require_owner(me)
    data, errors = parse(CounselorCreate, pick(form, ("full_name", "email", "password", "role")))
    values = values_of(form)
    values.pop("password", None)  # never echo a password back into the page

    def save(valid: CounselorCreate) -> Response:
        auth.create_counselor(session, practice_id=me.practice_id, data=valid, actor=me)
        return RedirectResponse("/settings/counselors?notice=counselor-added", status_code=303)

    return submit_form(session, data, errors, save=save, show=lambda problems: _counselors_page(
        request, session, me, values=values, errors=problems, status=422))


@router.post("/settings/counselors/{counselor_id:id}")
def counselor_change(counselor_id: int, request: Request, session: SessionDep, me: CurrentWebCounselor,
                     form: CheckedForm) -> Response:
    """Change a role, retire (which signs them out everywhere) or reinstate a counselor."""
    require_owner(me)
    auth.get_counselor(session, actor=me, counselor_id=counselor_id)  # another practice's: 404 first
    action = text(form, "action")
    changes: dict[str, Any] = {"retire": {"active": False}, "reinstate": {"active": True}}.get(action, {})
    if action == "role":
        changes = {"role": text(form, "role")}
    data, _ = parse(CounselorUpdate, changes)
    if data is None or not changes:
        raise InvalidField("role", "Choose a role: counselor or owner")
    auth.update_counselor(session, actor=me, counselor_id=counselor_id, data=data)
    return RedirectResponse("/settings/counselors?notice=counselor-saved", status_code=303)
