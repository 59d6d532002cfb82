"""The consultation room's real-time layer: topic ``consult:<id>`` on ``/ws`` (docs/consultation.md §2).

Every client event is validated here (pydantic, extra fields forbidden, numbers finite and bounded, list sizes
capped), checked against the room's rules (viewer, annotation and pointer events only from the current
presenter; anyone in the room may take the presenter role) and turned into atomic steps for the hub
(:mod:`osteon.realtime.interactive`): the state change and its event with the next seq happen together, in
Redis across instances or in memory in one process.

Room state, one flat hash per room (values are JSON):

- ``presenter`` → user id; ``m:<user>`` → the participant card; ``media:<user>`` → camera/mic/screen state
- ``v.series`` {studyUid, seriesUid}, ``v.imageIndex``, ``v.voi``, ``v.camera.<zoom|pan|rotation|flipH|flipV>``,
  ``v.invert``, ``v.layout`` — the shared ViewerState, one field per event so that a partial event (e.g.
  ``camera.set`` with only ``zoom``) needs no read-modify-write
- ``a:<uid>`` → SharedAnnotation; ``t:<target>:<id>`` → a telestration mark on a participant's video
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.ext.asyncio import AsyncSession

from osteon.realtime import hub as hubmod
from osteon.realtime.interactive import Cond, Direct, Interactive, PublishContext, Rejected, RoomState, Step
from osteon.security import audit
from osteon.security.deps import Actor

TOPIC = r"consult:(?P<id>[0-9a-f-]{36})"
MAX_ANNOTATIONS = 500
MAX_MARKS_PER_TARGET = 200
CHAT_IN_SNAPSHOT = 50

# --- event payloads (mirror frontend/src/domains/imaging/viewerState.ts) ------------------------------------


def _num(lo: float, hi: float, *, gt: bool = False) -> Any:
    """A finite JSON number in [lo, hi] (or (lo, hi] with ``gt``); booleans and strings refused."""
    if gt:
        return Annotated[float, Field(strict=True, allow_inf_nan=False, gt=lo, le=hi)]
    return Annotated[float, Field(strict=True, allow_inf_nan=False, ge=lo, le=hi)]


DicomUid = Annotated[str, Field(max_length=64, pattern=r"^[0-9]+(\.[0-9]+)*$")]
ImageIndex = Annotated[StrictInt, Field(ge=0, le=100_000)]
World = _num(-1e6, 1e6)  # patient coordinates in mm: a metre is plenty, this is generous
Canvas = _num(-1e5, 1e5)  # canvas pixels
Unit = _num(0.0, 1.0)  # fraction of a video frame


class _Payload(BaseModel):
    """Every payload: unknown fields refused."""

    model_config = ConfigDict(extra="forbid")


class Empty(_Payload):
    """No data."""


class SeriesSelect(_Payload):
    """viewer.series.select."""

    studyUid: DicomUid
    seriesUid: DicomUid
    imageIndex: ImageIndex = 0


class ImageIndexSet(_Payload):
    """viewer.image.index."""

    imageIndex: ImageIndex


class Voi(_Payload):
    """Window width/centre (HU for CT)."""

    windowWidth: _num(0.0, 1e6, gt=True)  # type: ignore[valid-type]
    windowCenter: _num(-1e6, 1e6)  # type: ignore[valid-type]


class VoiSet(_Payload):
    """viewer.voi.set (null = the image's default window)."""

    voi: Voi | None


class CameraPatch(_Payload):
    """Part of the camera; rotation is normalised to 0..359 like the viewer does."""

    zoom: _num(0.0, 100.0, gt=True) | None = None  # type: ignore[valid-type]
    pan: Annotated[list[Canvas], Field(min_length=2, max_length=2)] | None = None  # type: ignore[valid-type]
    rotation: _num(-3600.0, 3600.0) | None = None  # type: ignore[valid-type]
    flipH: StrictBool | None = None
    flipV: StrictBool | None = None


class CameraSet(_Payload):
    """viewer.camera.set."""

    camera: CameraPatch


class InvertSet(_Payload):
    """viewer.invert.set."""

    invert: StrictBool


class LayoutSet(_Payload):
    """viewer.layout.set."""

    layout: Literal["1x1", "1x2", "2x2"]


class SharedAnnotation(_Payload):
    """A measurement or mark in world coordinates."""

    uid: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]
    tool: Literal["length", "angle", "cobb", "arrow", "freehand", "ellipse", "rectangle"]
    seriesUid: DicomUid
    sopUid: Annotated[str, Field(max_length=64, pattern=r"^([0-9]+(\.[0-9]+)*)?$")]
    label: Annotated[str, Field(max_length=200)] = ""
    points: Annotated[list[Annotated[list[World], Field(min_length=3, max_length=3)]],  # type: ignore[valid-type]
                      Field(min_length=1, max_length=2000)]


class AnnotationPut(_Payload):
    """annotation.add / annotation.update."""

    annotation: SharedAnnotation


class AnnotationRemove(_Payload):
    """annotation.remove."""

    uid: Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,64}$")]


class PointerMove(_Payload):
    """pointer.move (the laser pointer): canvas position, optionally the world point under it."""

    x: Canvas  # type: ignore[valid-type]
    y: Canvas  # type: ignore[valid-type]
    world: Annotated[list[World], Field(min_length=3, max_length=3)] | None = None  # type: ignore[valid-type]


Target = Annotated[str, Field(pattern=r"^(or-camera|[0-9a-f-]{36})$")]


class Stroke(_Payload):
    """One pen stroke on a video frame; points are fractions of the frame (0..1)."""

    points: Annotated[list[Annotated[list[Unit], Field(min_length=2, max_length=2)]],  # type: ignore[valid-type]
                      Field(min_length=1, max_length=2000)]
    color: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#ff3b30"
    width: _num(0.5, 50.0) = 3.0  # type: ignore[valid-type]


class TelestrationAdd(_Payload):
    """telestration.add: marks drawn on the live or a frozen frame of ``target``'s video."""

    target: Target
    frame: Literal["live", "frozen"]
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    strokes: Annotated[list[Stroke], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _total(self) -> TelestrationAdd:
        """At most 5000 points per mark."""
        if sum(len(s.points) for s in self.strokes) > 5000:
            raise ValueError("at most 5000 points per mark")
        return self


class TelestrationClear(_Payload):
    """telestration.clear."""

    target: Target


class MediaState(_Payload):
    """media.state: the sender's own camera/mic/screen and network quality."""

    camera: StrictBool
    mic: StrictBool
    screen: StrictBool = False
    quality: Literal["good", "fair", "poor", "unknown"] = "unknown"


class Signal(_Payload):
    """signal: WebRTC signalling for the peer-to-peer backend, to one participant."""

    to: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")]
    kind: Literal["offer", "answer", "candidate", "bye"]
    payload: dict[str, Any] | None = None

    @field_validator("to")
    @classmethod
    def _uuid(cls, v: str) -> str:
        """Canonical UUID text."""
        return str(uuid.UUID(v))


PAYLOADS: dict[str, type[_Payload]] = {
    "presenter.take": Empty,
    "presenter.release": Empty,
    "viewer.series.select": SeriesSelect,
    "viewer.image.index": ImageIndexSet,
    "viewer.voi.set": VoiSet,
    "viewer.camera.set": CameraSet,
    "viewer.invert.set": InvertSet,
    "viewer.layout.set": LayoutSet,
    "annotation.add": AnnotationPut,
    "annotation.update": AnnotationPut,
    "annotation.remove": AnnotationRemove,
    "pointer.move": PointerMove,
    "telestration.add": TelestrationAdd,
    "telestration.clear": TelestrationClear,
    "media.state": MediaState,
    "signal": Signal,
}
SERVER_ONLY = {"presence.join", "presence.leave", "presenter.clear", "chat.message"}
DEFAULT_CAMERA: dict[str, Any] = {"zoom": 1.0, "pan": [0.0, 0.0], "rotation": 0, "flipH": False, "flipV": False}


def _parse(event: str, data: Any) -> _Payload:
    """The validated payload, or Rejected(bad_request) naming the first problem."""
    if event in SERVER_ONLY:
        raise Rejected(f"{event} is sent by the server only")
    model = PAYLOADS.get(event)
    if model is None:
        raise Rejected(f"unknown event {event!r}")
    if not isinstance(data, dict):
        raise Rejected("data must be an object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "data"
        raise Rejected(f"{event}: {where}: {err['msg']}") from None


# --- the rules -------------------------------------------------------------------------------------------


def _presenter(user: str) -> Cond:
    """The sender must be the current presenter."""
    return Cond("presenter", "eq", user, code="forbidden",
                message="only the presenter can change the shared viewer; take the presenter role first")


def _series(user: str) -> list[Cond]:
    """Presenter, and a series already selected."""
    return [_presenter(user), Cond("v.series", "present", message="select a series first (viewer.series.select)")]


def on_publish(ctx: PublishContext) -> list[Step] | Direct:
    """Validate one client event and express its effect on the room as atomic steps."""
    p = _parse(ctx.event, ctx.data)
    user = str(ctx.actor.user_id)
    ev = ctx.event
    if isinstance(p, Signal):
        if p.to == user:
            raise Rejected("signal: cannot signal yourself")
        return Direct(p.to, "signal", {**p.model_dump(), "by": user})
    data = {**p.model_dump(exclude_none=True), "by": user}
    if ev == "presenter.take":
        return [Step(ev, {"presenter": user, "by": user}, set={"presenter": user})]
    if ev == "presenter.release":
        return [Step("presenter.clear", {"presenter": None, "reason": "released", "by": user},
                     when=[_presenter(user)], delete=["presenter"])]
    if isinstance(p, SeriesSelect):
        data["imageIndex"] = p.imageIndex  # always explicit: every viewer then resets voi and camera alike
        return [Step(ev, data, when=[_presenter(user)], set={
            "v.series": {"studyUid": p.studyUid, "seriesUid": p.seriesUid}, "v.imageIndex": p.imageIndex,
            "v.voi": None, **{f"v.camera.{k}": v for k, v in DEFAULT_CAMERA.items()}})]
    if isinstance(p, ImageIndexSet):
        return [Step(ev, data, when=_series(user), set={"v.imageIndex": p.imageIndex})]
    if isinstance(p, VoiSet):
        return [Step(ev, {"voi": p.voi.model_dump() if p.voi else None, "by": user}, when=_series(user),
                     set={"v.voi": p.voi.model_dump() if p.voi else None})]
    if isinstance(p, CameraSet):
        cam = p.camera.model_dump(exclude_none=True)
        if "rotation" in cam:
            cam["rotation"] = round(cam["rotation"]) % 360
        if not cam:
            raise Rejected("viewer.camera.set: camera: give at least one of zoom, pan, rotation, flipH, flipV")
        return [Step(ev, {"camera": cam, "by": user}, when=_series(user),
                     set={f"v.camera.{k}": v for k, v in cam.items()})]
    if isinstance(p, InvertSet):
        return [Step(ev, data, when=_series(user), set={"v.invert": p.invert})]
    if isinstance(p, LayoutSet):
        return [Step(ev, data, when=_series(user), set={"v.layout": p.layout})]
    if isinstance(p, AnnotationPut):
        a = p.annotation.model_dump()
        key = f"a:{a['uid']}"
        if ev == "annotation.add":
            when = [_presenter(user),
                    Cond(key, "absent", message="an annotation with this uid exists; use annotation.update"),
                    Cond("a:", "count_lt", MAX_ANNOTATIONS, message=f"at most {MAX_ANNOTATIONS} annotations per room")]
        else:
            when = [_presenter(user), Cond(key, "present", message="no annotation with this uid (removed?)")]
        return [Step(ev, {"annotation": a, "by": user}, when=when, set={key: {**a, "by": user}})]
    if isinstance(p, AnnotationRemove):
        key = f"a:{p.uid}"
        return [Step(ev, data, when=[_presenter(user), Cond(key, "present", message="no annotation with this uid")],
                     delete=[key])]
    if isinstance(p, PointerMove):
        return [Step(ev, data, when=[_presenter(user)])]  # transient: a seq, but no state
    if isinstance(p, TelestrationAdd):
        key = f"t:{p.target}:{p.id}"
        mark = {**p.model_dump(), "by": user, "at": time.time()}
        return [Step(ev, data, set={key: mark}, when=[
            Cond(key, "absent", message="a mark with this id exists"),
            Cond(f"t:{p.target}:", "count_lt", MAX_MARKS_PER_TARGET,
                 message=f"at most {MAX_MARKS_PER_TARGET} marks per video; clear some first")])]
    if isinstance(p, TelestrationClear):
        return [Step(ev, data, delete_prefix=[f"t:{p.target}:"])]
    if isinstance(p, MediaState):
        return [Step(ev, data, set={f"media:{user}": p.model_dump()})]
    raise Rejected(f"unknown event {ev!r}")  # pragma: no cover - PAYLOADS and the branches above match


def on_join(user: str, member: dict[str, Any]) -> list[Step]:
    """A user's first socket in the room."""
    return [Step("presence.join", member, set={f"m:{user}": member})]


def on_leave(user: str) -> list[Step]:
    """A user's last socket left: gone from the room; if they presented, nobody presents now."""
    return [
        Step("presence.leave", {"user_id": user}, delete=[f"m:{user}", f"media:{user}"]),
        Step("presenter.clear", {"presenter": None, "reason": "left", "by": None},
             when=[Cond("presenter", "eq", user)], delete=["presenter"], required=False),
    ]


# --- access and snapshot ---------------------------------------------------------------------------------


async def member(session: AsyncSession, actor: Actor, m: re.Match[str]) -> dict[str, Any] | None:
    """The actor's card in the room, or None — refusals are audited (kept although nothing else is written)."""
    from osteon.consultations import repository, service  # part A; imported late (it imports the hub)

    try:
        cid = uuid.UUID(m["id"])
    except ValueError:
        return None
    seat = await service.room_member(session, actor, cid)
    if seat is None:
        c = await repository.get(session, cid)
        audit.record(session, "consultation.room.subscribe", patient_id=c.patient_id if c else None,
                     resource_type="Consultation", resource_id=cid, outcome="denied", severity="warning",
                     keep_on_failure=True)
        return None
    return seat.as_dict()


def viewer_of(fields: dict[str, Any]) -> dict[str, Any] | None:
    """The shared ViewerState (viewerState.ts shape) from the state fields; None before any series."""
    series = fields.get("v.series")
    if series is None:
        return None
    camera = {k: fields.get(f"v.camera.{k}", v) for k, v in DEFAULT_CAMERA.items()}
    return {"studyUid": series["studyUid"], "seriesUid": series["seriesUid"],
            "imageIndex": fields.get("v.imageIndex", 0), "voi": fields.get("v.voi"), "camera": camera,
            "invert": fields.get("v.invert", False), "layout": fields.get("v.layout", "1x1"),
            "visibleAnnotationUids": sorted(k[2:] for k in fields if k.startswith("a:"))}


def state_view(state: RoomState) -> dict[str, Any]:
    """The room state part of the snapshot (everything but chat)."""
    f = state.fields
    participants = sorted((f[f"m:{u}"] for u in state.online if f"m:{u}" in f), key=lambda x: (x["name"], x["user_id"]))
    telestration: dict[str, list[dict[str, Any]]] = {}
    for k, mark in f.items():
        if k.startswith("t:"):
            telestration.setdefault(mark["target"], []).append(mark)
    for marks in telestration.values():
        marks.sort(key=lambda x: (x["at"], x["id"]))
    return {
        "participants": participants,
        "presenter": f.get("presenter"),
        "viewer": viewer_of(f),
        "annotations": {k[2:]: v for k, v in f.items() if k.startswith("a:")},
        "telestration": telestration,
        "media": {k[6:]: v for k, v in f.items() if k.startswith("media:") and k[6:] in state.online},
    }


async def snapshot(session: AsyncSession, actor: Actor, m: re.Match[str], state: RoomState) -> dict[str, Any]:
    """State as of ``state.seq`` plus the last chat messages (read after the state: a message may also arrive
    as a ``chat.message`` event — clients deduplicate by its id)."""
    from osteon.consultations import repository, service

    cid = uuid.UUID(m["id"])
    c = await repository.get(session, cid)
    audit.record(session, "consultation.room.snapshot", patient_id=c.patient_id if c else None,
                 resource_type="Consultation", resource_id=cid)
    return {**state_view(state), "chat": await service.recent_messages(session, cid, limit=CHAT_IN_SNAPSHOT)}


SPEC = hubmod.register_topic(TOPIC, name="consult", interactive=Interactive(
    member=member, on_publish=on_publish, on_join=on_join, on_leave=on_leave, snapshot=snapshot))
