"""Scheduling errors: a stable code and a message the registration desk understands."""

from __future__ import annotations

from osteon.kit.errors import BadRequest, Conflict, Forbidden, NotFound


class SessionNotFound(NotFound):
    """404."""

    code = "scheduling.session_not_found"
    title_zh = "未找到该出诊安排"
    title_en = "Clinic session not found"


class AppointmentNotFound(NotFound):
    """404 (also for someone else's appointment)."""

    code = "scheduling.appointment_not_found"
    title_zh = "未找到该预约"
    title_en = "Appointment not found"


class SlotFull(Conflict):
    """409: no capacity left."""

    code = "scheduling.slot_full"
    title_zh = "该时段号源已满,请选择其他时段"
    title_en = "This time slot is fully booked; please choose another"


class AlreadyBooked(Conflict):
    """409: the patient already holds an active appointment in this session."""

    code = "scheduling.already_booked"
    title_zh = "该患者在本次出诊已有有效预约"
    title_en = "The patient already has an active appointment in this session"


class BookingBlocked(Conflict):
    """409: too many no-shows."""

    code = "scheduling.booking_blocked"
    title_zh = "因多次爽约,暂停网上预约,请到挂号窗口办理"
    title_en = "Online booking is paused after repeated no-shows; please register at the desk"


class SessionClosed(Conflict):
    """409: the session is not open for this action (started, ended, cancelled, too far ahead)."""

    code = "scheduling.session_closed"
    title_zh = "该出诊已停止预约"
    title_en = "This clinic session is not open for booking"


class InvalidTransition(Conflict):
    """409 naming the missing step."""

    code = "scheduling.invalid_transition"
    title_zh = "当前状态不允许此操作"
    title_en = "Not allowed in the current state"


class DuplicateSession(Conflict):
    """409."""

    code = "scheduling.duplicate_session"
    title_zh = "该医生在此时段已有出诊安排"
    title_en = "The doctor already has a session in this period"


class NotAllowed(Forbidden):
    """403."""

    code = "scheduling.forbidden"


class BadSchedule(BadRequest):
    """400."""

    code = "scheduling.bad_schedule"
    title_zh = "出诊安排有误"
    title_en = "The schedule is not valid"
