"""Viewer errors: each a type with a stable code and a message in zh-CN and en."""

from __future__ import annotations

from osteon.kit.errors import BadRequest, Forbidden


class AnnotateForbidden(Forbidden):
    """403: the role may look at images but not save measurements on them."""

    code = "viewer.annotate_forbidden"
    title_zh = "您的角色不能保存影像测量与标注"
    title_en = "Your role may not save measurements on images"


class AnnotationsTooLarge(BadRequest):
    """400: too many annotations or one too large to store."""

    code = "viewer.annotations_too_large"
    title_zh = "标注数量过多或内容过大"
    title_en = "Too many annotations, or one is too large"


class NothingToExport(BadRequest):
    """400: the study has no saved measurement that can go into a DICOM SR."""

    code = "viewer.nothing_to_export"
    title_zh = "该检查没有可导出为 DICOM SR 的已保存测量"
    title_en = "This study has no saved measurement that can be exported as DICOM SR"
