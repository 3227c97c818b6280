"""Paginated list responses and the query parameters that drive them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlmodel import Session, func, select
from sqlmodel.sql.expression import Select

T = TypeVar("T")


class PageParams(BaseModel):
    q: str | None = None
    offset: int = 0
    limit: int = 50


async def page_params(
    q: Annotated[str | None, Query(max_length=100, description="Search by name")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PageParams:
    # async although it awaits nothing: FastAPI runs a plain function dependency in its thread
    # pool, and a hop to a worker thread costs more than this whole function.
    return PageParams(q=q.strip() if q else None, offset=offset, limit=limit)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int

    @classmethod
    def of(cls, rows: Sequence[Any], total: int, params: PageParams,
           model: type[BaseModel] | None = None) -> Page[Any]:
        """One page for the API: ``rows`` as they are, or each read into ``model``."""
        items = [model.model_validate(row) for row in rows] if model is not None else list(rows)
        return cls(items=items, total=total, offset=params.offset, limit=params.limit)


def paged(session: Session, query: Select, *, order_by: tuple, offset: int, limit: int) -> tuple[list, int]:
    """One page of a query's entities and the total count, in one statement.

    ``COUNT(*) OVER ()`` rides along with the page, so a search scans its table once
    instead of twice; only a page past the end needs a separate count.
    """
    counted = query.add_columns(func.count().over().label("total_rows"))
    # execute(), not exec(): SQLModel would unwrap each row to its first column.
    rows = session.execute(counted.order_by(*order_by).offset(offset).limit(limit)).all()
    if rows:
        return [row[0] for row in rows], rows[0][-1]
    if offset == 0:
        return [], 0
    return [], session.exec(select(func.count()).select_from(query.subquery())).one()
