"""The audit log, for the practice owner: filtered, named, reads folded; and its CSV export.

Paging counts events, not rows: each page is the next ``EVENTS_PER_PAGE`` events, newest
first, and runs of reads among them fold (``audit.service.fold_reads``). A run cut by the
page's edge says it goes on, so no count on a page claims more than it shows.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.audit.service import AuditFilter, Fold, fold_reads, iter_events, list_events, record
from app.auth import service as auth
from app.auth.models import Counselor
from app.db import SessionDep
from app.practice import service as practice_service
from app.reports.core.formatting import zone
from app.web import audit_filters
from app.web.audit_view import ACTIONS, ENTITIES, action_words, detail_words, entity_words, name_events, who
from app.web.deps import CurrentWebCounselor
from app.web.pages_admin import require_owner
from app.web.paging import Pager, pager
from app.web.templating import render

router = APIRouter()

EVENTS_PER_PAGE = 100
# An export is built in memory: beyond this many events, narrow the filters first.
CSV_LIMIT = 100_000
CSV_COLUMNS = ("time", "counselor", "action", "action_code", "entity_type", "entity_id", "entity_name", "detail")
# A cell starting with one of these is a formula to a spreadsheet: a leading apostrophe keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _window(session: Session, me: Counselor, wanted: AuditFilter, page: Pager
            ) -> tuple[list[AuditEvent], int, AuditEvent | None, AuditEvent | None]:
    """The page's events, the total, and the one event either side (does a fold go on?)."""
    start = max(page.offset - 1, 0)
    before = page.offset - start
    rows, total = list_events(session, practice_id=me.practice_id, wanted=wanted, offset=start,
                              limit=page.per_page + before + 1)
    body = rows[before:before + page.per_page]
    newer = rows[0] if before and rows else None
    older = rows[before + page.per_page] if len(rows) > before + page.per_page else None
    return body, total, newer, older


def _page(request: Request, session: Session, me: Counselor, filters: audit_filters.Filters, tz: str,
          errors: dict[str, str]) -> Response:
    page = pager(request, per_page=EVENTS_PER_PAGE)
    each = request.query_params.get("reads") == "each"
    rows, total, newer, older = (([], 0, None, None) if errors
                                 else _window(session, me, filters.wanted, page))
    here = zone(tz)
    folds = ([Fold((e,), e.at.astimezone(here).date()) for e in rows] if each
             else fold_reads(rows, here, newer=newer, older=older))
    counselors = auth.list_counselors(session, actor=me)
    return render(request, "admin/audit.html", {
        "folds": folds, "page": page.with_total(total), "each": each, "filters": filters, "errors": errors,
        "labels": audit_filters.LABELS, "today": datetime.now(here).date(),
        "names": name_events(session, practice_id=me.practice_id, events=rows, zone=tz),
        "people": {c.id: c.full_name for c in counselors}, "who": who, "words": action_words,
        "detail_words": detail_words,
        "persons": audit_filters.person_options(session, me),
        "counselors": [(str(c.id), c.full_name) for c in counselors] + list(audit_filters.ACTOR_KINDS.items()),
        "entities": sorted(ENTITIES.items(), key=lambda item: item[1]),
        "actions": sorted(ACTIONS.items(), key=lambda item: item[1]),
        "csv_url": "/audit.csv" + (f"?{request.url.query}" if request.url.query else ""),
    }, status=422 if errors else 200)


@router.get("/audit")
def audit_page(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    require_owner(me)
    tz = practice_service.get_practice(session, actor=me).timezone
    filters = audit_filters.read_filters(session, me, request.query_params, tz)
    return _page(request, session, me, filters, tz, filters.errors)


@router.get("/audit.csv")
def audit_csv(request: Request, session: SessionDep, me: CurrentWebCounselor) -> Response:
    """Every matching event, one per row (never folded); the export is itself audited."""
    require_owner(me)
    tz = practice_service.get_practice(session, actor=me).timezone
    filters = audit_filters.read_filters(session, me, request.query_params, tz)
    total = 0 if filters.errors else list_events(session, practice_id=me.practice_id, wanted=filters.wanted,
                                                 limit=1)[1]
    if filters.errors or total > CSV_LIMIT:
        too_many = {"export": f"{total} events match. Narrow the filters to at most {CSV_LIMIT} to export"}
        return _page(request, session, me, filters, tz, filters.errors or too_many)
    body = _csv(session, me, filters.wanted, tz)
    record(session, actor=me, practice_id=me.practice_id, action="export", entity="audit_log", entity_id=None,
           detail={"rows": total, "filters": {k: v for k, v in filters.values.items() if v}})
    stamp = datetime.now(zone(tz)).strftime("%Y-%m-%d")
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"', "Cache-Control": "no-store"})


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(session: Session, me: Counselor, wanted: AuditFilter, tz: str) -> str:
    """The export as text; a byte-order mark first so spreadsheets read it as UTF-8."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    counselors = {c.id: c.full_name for c in auth.list_counselors(session, actor=me)}
    here = zone(tz)
    for chunk in iter_events(session, practice_id=me.practice_id, wanted=wanted):
        names = name_events(session, practice_id=me.practice_id, events=chunk, zone=tz)
        for e in chunk:
            writer.writerow([cell(v) for v in (
                e.at.astimezone(here).isoformat(timespec="seconds"), who(e, counselors),
                action_words(e.action), e.action, entity_words(e.entity), e.entity_id, names.of(e).text,
                json.dumps(e.detail, sort_keys=True, ensure_ascii=False) if e.detail else "")])
    return out.getvalue()
