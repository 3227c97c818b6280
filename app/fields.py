"""Field types shared by request schemas."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Ids fit the databases' 32-bit integer columns; a larger number is a bad request, not a crash.
MAX_ID = 2_147_483_647
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]

# The longest a questionnaire link may work, in days: a send, a schedule and the practice's
# setting all take 1 to this (a link that lives shorter is safer).
LINK_DAYS_MAX = 30


class RequestModel(BaseModel):
    """Base of every request body: unknown fields refused, text trimmed, line breaks as one
    character, and no NUL characters (PostgreSQL can't store them, and no person types one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _one_line_break(cls, value: Any) -> Any:
        # A browser counts a line break as one character against a textarea's maxlength but
        # posts it as CR LF; stored and counted as LF, text that fit in the browser fits here.
        if isinstance(value, str):
            return value.replace("\r\n", "\n")
        if isinstance(value, list):
            return [v.replace("\r\n", "\n") if isinstance(v, str) else v for v in value]
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("Text must not contain NUL characters")
        return value


_ASCII_ID = re.compile(r"[0-9]{1,10}")


def parse_id(raw: object) -> int | None:
    """A record id (or page number) typed into a URL or form: ASCII digits within range, else None.

    ``str.isdigit`` is not enough: it accepts "²" and "٣", which ``int`` then rejects or
    reads, and a 5,000-digit string makes ``int`` raise."""
    if not isinstance(raw, str) or not _ASCII_ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None
