"""Errors of the surgery domain."""

from __future__ import annotations

from osteon.kit.errors import Conflict, NotFound


class SurgeryNotFound(NotFound):
    """404."""

    code = "surgery.not_found"
    title_zh = "未找到该手术"
    title_en = "Surgery not found"


class RoomNotFound(NotFound):
    """404."""

    code = "surgery.room_not_found"
    title_zh = "未找到该手术间"
    title_en = "Operating room not found"


class ChecklistIncomplete(Conflict):
    """409: the pre-op checklist misses items; the message names them."""

    code = "surgery.checklist_incomplete"
    title_zh = "术前核查未完成,不能排台"
    title_en = "The pre-op checklist is incomplete; cannot schedule"


class OrConflict(Conflict):
    """409: the room or a team member is already booked at that time."""

    code = "surgery.or_conflict"
    title_zh = "该时段手术间或医生已有安排"
    title_en = "The room or a team member is already booked at that time"


class SurgeryState(Conflict):
    """409: the surgery's status does not allow this."""

    code = "surgery.state"
    title_zh = "手术当前状态不允许此操作"
    title_en = "The surgery's status does not allow this"
