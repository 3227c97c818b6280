"""The measurement loop's API: schedules, the outbox and the counselor's queue (thin wrappers)."""

from __future__ import annotations

from fastapi import status

from app.auth.deps import CurrentCounselor
from app.clients.subjects import load_subject
from app.db import SessionDep
from app.outreach import outbox, queue_view, schedules
from app.outreach.schemas import (
    MessagePublic,
    OutboxPublic,
    QueuePublic,
    ScheduleCreate,
    SchedulePublic,
    ScheduleUpdate,
)
from app.routing import ApiRouter

router = ApiRouter(prefix="/api/v1", tags=["schedules"])


@router.post("/couples/{couple_id:id}/schedules", response_model=SchedulePublic,
             status_code=status.HTTP_201_CREATED)
def create_couple_schedule(couple_id: int, data: ScheduleCreate, session: SessionDep,
                           counselor: CurrentCounselor) -> SchedulePublic:
    """Send a questionnaire to both partners on a rule; what is due now goes out at once."""
    made = schedules.create_schedule(session, actor=counselor, data=data, couple_id=couple_id)
    return schedules.schedule_public(session, made)


@router.get("/couples/{couple_id:id}/schedules", response_model=list[SchedulePublic])
def couple_schedules(couple_id: int, session: SessionDep, counselor: CurrentCounselor) -> list[SchedulePublic]:
    return schedules.list_schedules(session, subject=load_subject(session, actor=counselor, couple_id=couple_id))


@router.post("/clients/{client_id:id}/schedules", response_model=SchedulePublic,
             status_code=status.HTTP_201_CREATED)
def create_client_schedule(client_id: int, data: ScheduleCreate, session: SessionDep,
                           counselor: CurrentCounselor) -> SchedulePublic:
    """Send a questionnaire to one client (individual work) on a rule."""
    made = schedules.create_schedule(session, actor=counselor, data=data, client_id=client_id)
    return schedules.schedule_public(session, made)


@router.get("/clients/{client_id:id}/schedules", response_model=list[SchedulePublic])
def client_schedules(client_id: int, session: SessionDep, counselor: CurrentCounselor) -> list[SchedulePublic]:
    return schedules.list_schedules(session, subject=load_subject(session, actor=counselor, client_id=client_id))


@router.get("/schedules/{schedule_id:id}", response_model=SchedulePublic)
def get_schedule(schedule_id: int, session: SessionDep, counselor: CurrentCounselor) -> SchedulePublic:
    found = schedules.get_schedule(session, actor=counselor, schedule_id=schedule_id)
    return schedules.schedule_public(session, found)


@router.patch("/schedules/{schedule_id:id}", response_model=SchedulePublic)
def update_schedule(schedule_id: int, data: ScheduleUpdate, session: SessionDep,
                    counselor: CurrentCounselor) -> SchedulePublic:
    changed = schedules.update_schedule(session, actor=counselor, schedule_id=schedule_id, data=data)
    return schedules.schedule_public(session, changed)


@router.post("/schedules/{schedule_id:id}/pause", response_model=SchedulePublic)
def pause_schedule(schedule_id: int, session: SessionDep, counselor: CurrentCounselor) -> SchedulePublic:
    return schedules.schedule_public(
        session, schedules.pause_schedule(session, actor=counselor, schedule_id=schedule_id))


@router.post("/schedules/{schedule_id:id}/resume", response_model=SchedulePublic)
def resume_schedule(schedule_id: int, session: SessionDep, counselor: CurrentCounselor) -> SchedulePublic:
    """Start again from now: what fell due while it was paused is not sent."""
    return schedules.schedule_public(
        session, schedules.resume_schedule(session, actor=counselor, schedule_id=schedule_id))


@router.post("/schedules/{schedule_id:id}/stop", response_model=SchedulePublic)
def stop_schedule(schedule_id: int, session: SessionDep, counselor: CurrentCounselor) -> SchedulePublic:
    """End it for good; its messages that haven't gone out are cancelled."""
    return schedules.schedule_public(
        session, schedules.stop_schedule(session, actor=counselor, schedule_id=schedule_id))


@router.get("/outbox", response_model=OutboxPublic, tags=["outbox"])
def get_outbox(session: SessionDep, counselor: CurrentCounselor) -> OutboxPublic:
    """Messages to pass on by hand (text and live link) and messages held, in your caseload."""
    return outbox.outbox(session, actor=counselor)


def _one(session: SessionDep, counselor: CurrentCounselor, message_id: int) -> MessagePublic:
    found = outbox.get_message(session, actor=counselor, message_id=message_id)
    return outbox.message_public(session, found)


@router.post("/messages/{message_id:id}/passed-on", response_model=MessagePublic, tags=["outbox"])
def message_passed_on(message_id: int, session: SessionDep, counselor: CurrentCounselor) -> MessagePublic:
    """You handed this outbox message on; saying it again changes nothing."""
    outbox.passed_on(session, actor=counselor, message_id=message_id)
    return _one(session, counselor, message_id)


@router.post("/messages/{message_id:id}/release", response_model=MessagePublic, tags=["outbox"])
def message_release(message_id: int, session: SessionDep, counselor: CurrentCounselor) -> MessagePublic:
    """A message held for its email (unconfirmed, unsafe, none) goes to your outbox to hand on in person.
    Never one held for a safety flag (409): it waits until the flag is dealt with."""
    outbox.release(session, actor=counselor, message_id=message_id)
    return _one(session, counselor, message_id)


@router.get("/queue", response_model=QueuePublic, tags=["outbox"])
def get_queue(session: SessionDep, counselor: CurrentCounselor) -> QueuePublic:
    """What needs you: due, overdue, opened but not sent back, never opened, expiring soon, held,
    undeliverable, reminders stopped; each row says why."""
    return queue_view.counselor_queue(session, actor=counselor).public()
