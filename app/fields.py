"""Field types shared by request schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Ids fit the databases' 32-bit integer columns; a larger number is a bad request, not a crash.
RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]
