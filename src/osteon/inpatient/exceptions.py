"""Errors of the inpatient domain."""

from __future__ import annotations

from osteon.kit.errors import Conflict, NotFound


class BedNotFound(NotFound):
    """404."""

    code = "inpatient.bed_not_found"
    title_zh = "未找到该床位"
    title_en = "Bed not found"


class WardNotFound(NotFound):
    """404."""

    code = "inpatient.ward_not_found"
    title_zh = "未找到该病区"
    title_en = "Ward not found"


class AdmissionNotFound(NotFound):
    """404."""

    code = "inpatient.admission_not_found"
    title_zh = "未找到该住院记录"
    title_en = "Admission not found"


class BedNotAvailable(Conflict):
    """409: somebody else took the bed first, or it is being cleaned/closed."""

    code = "inpatient.bed_not_available"
    title_zh = "该床位已被占用或不可用,请选择其他床位"
    title_en = "This bed is already taken or unavailable; choose another bed"


class BedStateConflict(Conflict):
    """409: the bed cannot move from its current state to the requested one."""

    code = "inpatient.bed_state"
    title_zh = "床位当前状态不允许此操作"
    title_en = "The bed's current state does not allow this"


class AlreadyAdmitted(Conflict):
    """409: one open admission per patient."""

    code = "inpatient.already_admitted"
    title_zh = "该患者已在院,不能重复入院"
    title_en = "The patient is already admitted"


class NotAdmitted(Conflict):
    """409: the stay is over."""

    code = "inpatient.not_admitted"
    title_zh = "该患者已出院"
    title_en = "The patient has been discharged"


class DischargeSummaryMissing(Conflict):
    """409: discharge needs the 出院小结."""

    code = "inpatient.discharge_summary_missing"
    title_zh = "尚未完成出院小结,不能办理出院"
    title_en = "Cannot discharge: the discharge summary is missing"
