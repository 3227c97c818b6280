"""A path convertor for record ids, registered once at import.

Ids are positive 32-bit integers in both databases. Matching only those in the route
itself means `/clients/abc` or `/clients/99999999999999999999` is simply not found (404),
like any record that doesn't exist, instead of a validation or database error.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

MAX_ID = 2_147_483_647


# 1 … 2,147,483,647, digit by digit (a regex can't compare numbers).
_UP_TO_MAX_ID = "|".join([
    "[1-9][0-9]{0,8}", "1[0-9]{9}", "20[0-9]{8}", "21[0-3][0-9]{7}", "214[0-6][0-9]{6}",
    "2147[0-3][0-9]{5}", "21474[0-7][0-9]{4}", "214748[0-2][0-9]{3}", "2147483[0-5][0-9]{2}",
    "21474836[0-3][0-9]", "214748364[0-7]",
])


class RecordIdConvertor(Convertor[int]):
    regex = f"(?:{_UP_TO_MAX_ID})"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", RecordIdConvertor())
