"""Text in every request body: a line break posted as CR LF is stored and counted as one."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from app.fields import RequestModel


class Note(RequestModel):
    text: str = Field(max_length=5)
    lines: list[str] = []


def test_crlf_is_one_character_against_max_length() -> None:
    assert Note(text="ab\r\ncd").text == "ab\ncd"  # 5 in the browser, 6 as posted
    assert Note(text="x", lines=["a\r\nb", "c"]).lines == ["a\nb", "c"]
    with pytest.raises(ValidationError):
        Note(text="abc\r\ncd")  # six characters however it is counted
