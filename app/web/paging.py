"""Page numbers for long lists (clients, sessions, audit), kept in the query string."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import Request

from app.fields import parse_id

PER_PAGE = 20


@dataclass(frozen=True)
class Pager:
    """Which page of a list is shown, and links to the others (other filters kept)."""

    path: str
    number: int
    per_page: int
    total: int = 0
    params: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def with_total(self, total: int) -> Pager:
        return Pager(self.path, self.number, self.per_page, total, self.params)

    def url(self, number: int) -> str:
        query = {k: v for k, v in self.params.items() if v and k != "page"}
        if number > 1:
            query["page"] = str(number)
        return self.path + (f"?{urlencode(query)}" if query else "")


def pager(request: Request, *, per_page: int = PER_PAGE) -> Pager:
    """The page asked for in ``?page=``; anything unreadable is page 1."""
    raw = request.query_params.get("page", "1")
    number = min(parse_id(raw) or 1, 100_000)
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "notice")}
    return Pager(request.url.path, number, per_page, 0, params)
