"""Errors of the orders domain."""

from __future__ import annotations

from osteon.kit.errors import BadRequest, Conflict, NotFound


class OrderNotFound(NotFound):
    """404."""

    code = "orders.not_found"
    title_zh = "未找到该医嘱"
    title_en = "Order not found"


class StepMissing(Conflict):
    """409: the order skipped a lifecycle step; the message names it."""

    code = "orders.step_missing"
    title_zh = "医嘱尚未完成前一步骤"
    title_en = "A previous step of this order is not done yet"


class StepDone(Conflict):
    """409: the step is already done."""

    code = "orders.step_done"
    title_zh = "该步骤已完成"
    title_en = "This step is already done"


class OrderCancelled(Conflict):
    """409."""

    code = "orders.cancelled"
    title_zh = "医嘱已撤销"
    title_en = "The order is cancelled"


class CannotCancel(Conflict):
    """409: performed orders cannot be cancelled."""

    code = "orders.cannot_cancel"
    title_zh = "医嘱已执行,不能撤销"
    title_en = "The order was already performed and cannot be cancelled"


class UnknownItem(BadRequest):
    """400: not on the price list (or the wrong kind of item)."""

    code = "orders.item_unknown"
    title_zh = "收费项目不存在"
    title_en = "Unknown price-list item"


class ChargeNotFound(NotFound):
    """404."""

    code = "charges.not_found"
    title_zh = "未找到该费用"
    title_en = "Charge not found"


class ChargeState(Conflict):
    """409: paying a paid charge, refunding an unpaid one …"""

    code = "charges.state"
    title_zh = "费用状态不允许此操作"
    title_en = "The charge's status does not allow this"


class AlertNotFound(NotFound):
    """404."""

    code = "orders.alert_not_found"
    title_zh = "未找到该危急值提醒"
    title_en = "Critical-value alert not found"
