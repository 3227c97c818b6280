"""Messages beside a form's fields say what is wrong with that value, not a validator's words."""

from __future__ import annotations

from pydantic import Field

from app.fields import RequestModel
from app.web.forms import parse


class Sample(RequestModel):
    password: str = Field(min_length=8, max_length=20)
    name: str = Field(min_length=1, max_length=5)
    days: int = Field(ge=1, le=30)


def messages(**data) -> dict[str, str]:
    valid = {"password": "long enough", "name": "Ana", "days": "7"} | data
    _, errors = parse(Sample, valid)
    return dict(errors)


def test_a_short_password_says_how_long_not_required():
    assert messages(password="abcde") == {"password": "Use at least 8 characters"}
    assert messages(password="") == {"password": "This is required"}


def test_limits_are_named_in_the_fields_terms():
    assert messages(name="Annabel") == {"name": "Keep this to 5 characters or fewer"}
    assert messages(days="0") == {"days": "Enter 1 or more"}
    assert messages(days="31") == {"days": "Enter 30 or less"}
    assert messages(days="seven") == {"days": "Enter a whole number"}
    assert messages(name="") == {"name": "This is required"}


def test_the_owner_adding_a_counselor_with_a_short_password_is_told_its_length(client, factory):
    from tests.web.conftest import Browser

    owner = factory.owner()
    page = Browser(client, owner).post("/settings/counselors", {
        "full_name": "Noor Haddad", "email": "noor@example.test", "password": "abcde", "role": "counselor"})
    assert page.status_code == 422
    assert "Use at least 10 characters" in page.text and "This is required" not in page.text


def test_large_limits_read_with_a_thousands_separator_like_the_counters():
    from pydantic import BaseModel, Field

    from app.web.forms import parse

    class Long(BaseModel):
        text: str = Field(max_length=20000)
        count: int = Field(le=15000)

    _, errors = parse(Long, {"text": "x" * 20001, "count": "15001"})
    assert errors == {"text": "Keep this to 20,000 characters or fewer", "count": "Enter 15,000 or less"}
