"""Imaging errors: each a type with a stable code and a message in zh-CN and en."""

from __future__ import annotations

from osteon.kit.errors import BadRequest, Conflict, Forbidden, NotFound, ServiceUnavailable


class InvalidDicom(BadRequest):
    """400: the bytes are not a usable DICOM instance (truncated, malformed, required tags missing)."""

    code = "imaging.invalid_dicom"
    title_zh = "DICOM 文件无效或不完整"
    title_en = "The DICOM data is invalid or incomplete"


class StudyNotFound(NotFound):
    """404: missing, or its patient is not one you may see (the two look the same)."""

    code = "imaging.study_not_found"
    title_zh = "未找到该影像检查"
    title_en = "Imaging study not found"


class InstanceNotFound(NotFound):
    """404 for a series, instance or frame."""

    code = "imaging.instance_not_found"
    title_zh = "未找到该影像"
    title_en = "Image not found"


class DeviceNotFound(NotFound):
    """404."""

    code = "imaging.device_not_found"
    title_zh = "未找到该设备"
    title_en = "DICOM device not found"


class DuplicateAeTitle(Conflict):
    """409: AE titles identify callers, so they are unique across the deployment."""

    code = "imaging.duplicate_ae_title"
    title_zh = "该 AE 名称已被其他设备或 PACS 节点使用"
    title_en = "This AE title is already used by another device or PACS node"


class NodeNotFound(NotFound):
    """404."""

    code = "imaging.node_not_found"
    title_zh = "未找到该 PACS 节点"
    title_en = "PACS node not found"


class RequestNotFound(NotFound):
    """404 for an imaging request (order)."""

    code = "imaging.request_not_found"
    title_zh = "未找到该影像检查申请"
    title_en = "Imaging request not found"


class DuplicateAccession(Conflict):
    """409."""

    code = "imaging.duplicate_accession"
    title_zh = "该检查号(Accession Number)已存在"
    title_en = "This accession number already exists"


class ReconciliationNotFound(NotFound):
    """404."""

    code = "imaging.reconciliation_not_found"
    title_zh = "未找到该待核对检查"
    title_en = "Reconciliation item not found"


class AlreadyReconciled(Conflict):
    """409."""

    code = "imaging.already_reconciled"
    title_zh = "该检查已核对完成"
    title_en = "This study has already been reconciled"


class NotAcceptable(BadRequest):
    """406: the requested media type cannot be produced."""

    status = 406
    code = "imaging.not_acceptable"
    title_zh = "无法提供所请求的格式"
    title_en = "The requested media type is not available"


class UnsupportedMediaType(BadRequest):
    """415: STOW-RS bodies must be multipart/related with application/dicom parts."""

    status = 415
    code = "imaging.unsupported_media_type"
    title_zh = "不支持的内容类型,请使用 multipart/related; type=application/dicom"
    title_en = "Unsupported media type; use multipart/related; type=application/dicom"


class StoreRefused(Forbidden):
    """403: the instance belongs to a patient you may not write images for."""

    code = "imaging.store_refused"
    title_zh = "无权为该患者存储影像"
    title_en = "You may not store images for this patient"


class PacsUnavailable(ServiceUnavailable):
    """503: the remote PACS did not answer."""

    code = "imaging.pacs_unavailable"
    title_zh = "远程 PACS 无法连接"
    title_en = "The remote PACS is not reachable"


class FrameNotDecodable(BadRequest):
    """400/406: pixel data in a transfer syntax no installed decoder handles."""

    status = 406
    code = "imaging.frame_not_decodable"
    title_zh = "无法解码该图像的压缩格式"
    title_en = "This image's compression cannot be decoded here"
