"""Field types shared by request schemas."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Ids fit the databases' 32-bit integer columns; a larger number is a bad request, not a crash.
RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class RequestModel(BaseModel):
    """Base of every request body: unknown fields refused, text trimmed, and no NUL
    characters (PostgreSQL can't store them, and no person types one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("Text must not contain NUL characters")
        return value
