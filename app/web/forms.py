"""Turning posted HTML forms into the services' request models, with errors per field.

A failed form is shown again with what the person typed and a message next to
each field, so nothing is lost; the messages are written for a counselor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData

from app.errors import InvalidField

M = TypeVar("M", bound=BaseModel)
D = TypeVar("D")

_MESSAGES = {
    "missing": "This is required",
    "string_too_short": "This is required",
    "value_error": "Enter a valid value",
    "date_from_datetime_parsing": "Enter a date (YYYY-MM-DD)",
    "date_parsing": "Enter a date (YYYY-MM-DD)",
    "datetime_from_date_parsing": "Enter a date and time",
    "datetime_parsing": "Enter a date and time",
    "int_parsing": "Enter a whole number",
    "literal_error": "Choose one of the options",
    "string_pattern_mismatch": "Use only digits, spaces and + ( ) - .",
}


class FormErrors(dict[str, str]):
    """Field name -> message; empty means the form is fine."""

    def add(self, field: str, message: str) -> None:
        self.setdefault(field, message)


def values_of(form: FormData) -> dict[str, Any]:
    """What was typed, for showing the form again (lists for repeated fields; no CSRF token)."""
    out: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = items if len(items) > 1 else (items[0] if items else "")
    return out


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _message(error: dict[str, Any]) -> str:
    """The message beside a field: what is wrong with this value, in the field's own terms."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error" and "email" in str(error.get("msg", "")).lower():
        return "Enter an email address like name@example.com"
    if kind == "string_too_long":
        limit = ctx.get("max_length")
        return f"Keep this to {_number(limit)} characters or fewer" if limit else "This is too long"
    if kind == "string_too_short" and error.get("input") and (ctx.get("min_length") or 0) > 1:
        return f"Use at least {_number(ctx['min_length'])} characters"
    bounds = {"greater_than_equal": ("ge", "{} or more"), "less_than_equal": ("le", "{} or less"),
              "greater_than": ("gt", "more than {}"), "less_than": ("lt", "less than {}")}
    if kind in bounds:
        key, words = bounds[kind]
        return f"Enter {words.format(_number(ctx[key]))}" if key in ctx else "Out of range"
    return _MESSAGES.get(kind, str(error.get("msg", "Check this value")))


def _number(value: Any) -> str:
    """``20000`` as ``20,000``, as the character counters show it."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def parse(model: type[M], data: dict[str, Any], *, prefix: str = "") -> tuple[M | None, FormErrors]:
    """Validate ``data`` (blank optional fields already dropped) into ``model``.

    Error keys are the form's field names (``prefix`` + model field).
    """
    errors = FormErrors()
    try:
        return model.model_validate(data), errors
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            errors.add(prefix + field, _message(error))
        return None, errors


def pick(form: FormData, fields: tuple[str, ...], *, prefix: str = "") -> dict[str, Any]:
    """The non-blank values of ``fields`` (blank means "not given", so optional fields stay None)."""
    data: dict[str, Any] = {}
    for name in fields:
        value = text(form, prefix + name)
        if value:
            data[name] = value
    return data


def from_invalid(exc: InvalidField, *, rename: dict[str, str] | None = None) -> FormErrors:
    """A service's InvalidField as a form error on the matching field."""
    errors = FormErrors()
    errors.add((rename or {}).get(exc.field, exc.field), exc.message)
    return errors


def submit_form(
    session: Session, data: D | None, errors: FormErrors, *, save: Callable[[D], Response],
    show: Callable[[FormErrors], Response], rename: dict[str, str] | None = None,
) -> Response:
    """The web's one way to handle a posted form.

    A valid form is saved (``save`` returns the redirect). A form with errors, or one a
    service refuses with ``InvalidField``, is rolled back, so nothing half-made survives,
    and shown again by ``show`` with each message next to its field.
    """
    if data is not None and not errors:
        try:
            return save(data)
        except InvalidField as exc:
            session.rollback()
            errors = FormErrors({**errors, **from_invalid(exc, rename=rename)})
    return show(errors)
