"""Interactive topics: clients publish events, the topic keeps shared state, and presence.

A domain registers a topic with an :class:`Interactive` spec. When a subscribed client sends
``{"op": "publish", ...}`` the hub asks the domain (``on_publish``) to validate the event and to express its
effect as :class:`Step` s: conditions on the topic's state fields (e.g. "the sender is the presenter"), field
writes/deletes, and the event to publish. The sequencer applies a whole list of steps *atomically together
with* the seq allocation, the ring append and the fan-out:

- with Redis one Lua script checks the conditions (``HGET``), writes the state hash (``HSET``/``HDEL``),
  ``INCR``s the seq, appends to the ring and ``PUBLISH``es — so two instances can never interleave a state
  change and its event, and a snapshot (state hash + seq read by one script) is exactly "the state after
  event ``seq``";
- in one process the same steps run synchronously (no ``await`` between check, write and seq).

State values are JSON texts in a flat hash (``field -> json``); conditions compare those texts.

Presence: each subscribed socket is an entry ``"<user_id>|<conn_id>" -> expiry`` in the topic's presence hash.
The instance that holds the socket refreshes its entries every :data:`HEARTBEAT_SECONDS`; entries of a
crashed instance expire after :data:`PRESENCE_TTL_SECONDS` and are reaped (``presence.leave`` published) by any
instance that still serves the topic, or ignored by the next snapshot. A user "joins" when their first live
entry appears and "leaves" when their last one goes, checked inside the same atomic script.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from osteon.security.deps import Actor

# Tunable for tests that kill an instance (the two-instance test shortens both to seconds).
HEARTBEAT_SECONDS = float(os.environ.get("OSTEON_WS_HEARTBEAT_SECONDS", "10"))
PRESENCE_TTL_SECONDS = float(os.environ.get("OSTEON_WS_PRESENCE_TTL_SECONDS", "35"))

CondOp = Literal["eq", "absent", "present", "count_lt"]


def dumps(value: Any) -> str:
    """The canonical JSON text of a state value (conditions compare these texts)."""
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


class Rejected(Exception):
    """An event the domain refuses; goes back to its sender only as an error frame."""

    def __init__(self, message: str, code: str = "bad_request") -> None:
        """``code`` is the error frame's code (bad_request, forbidden …)."""
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Cond:
    """A condition on one state field: ``eq`` its JSON text, ``absent``, ``present``, or for ``count_lt`` the
    number of fields starting with ``field`` is below ``value``. A failure rejects with ``code``/``message``."""

    field: str
    op: CondOp
    value: Any = None
    code: str = "bad_request"
    message: str = "the room changed; this event no longer applies"


@dataclass
class Step:
    """One atomic unit: if every condition holds, write/delete fields and publish ``event`` (if any)."""

    event: str | None = None
    data: dict[str, Any] | None = None
    when: list[Cond] = field(default_factory=list)
    set: dict[str, Any] = field(default_factory=dict)
    delete: list[str] = field(default_factory=list)
    delete_prefix: list[str] = field(default_factory=list)
    required: bool = True  # a failed condition rejects the whole publish; else the step is just skipped


@dataclass(frozen=True)
class Direct:
    """An event delivered only to one user's sockets on the topic: no seq, never stored or replayed."""

    to: str
    event: str
    data: dict[str, Any]


@dataclass(frozen=True)
class RoomState:
    """A consistent read of an interactive topic: its state fields (decoded), who is online, at ``seq``."""

    seq: int
    fields: dict[str, Any]
    online: dict[str, int]  # user_id -> number of live sockets


@dataclass(frozen=True)
class PublishContext:
    """What ``on_publish`` gets: who sends what, on which topic."""

    topic: str
    match: re.Match[str]
    actor: Actor
    member: dict[str, Any]
    event: str
    data: Any


Member = Callable[[AsyncSession, Actor, re.Match[str]], Awaitable[dict[str, Any] | None]]
OnPublish = Callable[[PublishContext], "list[Step] | Direct"]
OnJoin = Callable[[str, dict[str, Any]], "list[Step]"]
OnLeave = Callable[[str], "list[Step]"]
InteractiveSnapshot = Callable[[AsyncSession, Actor, re.Match[str], RoomState], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Interactive:
    """The domain's hooks for an interactive topic.

    - ``member(session, actor, match)``: the sender's public identity in the topic (``{"user_id", "name", …}``)
      or None (refused: raise NotFound/Forbidden or return None); called on subscribe and on a publish to an
      unsubscribed topic.
    - ``on_publish(ctx)``: validate; return the steps (or a :class:`Direct`); raise :class:`Rejected`.
    - ``on_join(user_id, member)`` / ``on_leave(user_id)``: the steps run atomically with a user's first join /
      last leave (e.g. publish ``presence.join``; clear the presenter role).
    - ``snapshot(session, actor, match, state)``: the client's snapshot from a consistent :class:`RoomState`.
    """

    member: Member
    on_publish: OnPublish
    on_join: OnJoin
    on_leave: OnLeave
    snapshot: InteractiveSnapshot
    ring_size: int = 1024
    rate_per_second: float = 150.0  # a presenter dragging: pointer.move + camera.set at 60 Hz each fits
    burst: float = 300.0
    max_frame_bytes: int = 256 * 1024


# --- the atomic apply, in Lua (Redis) and Python (one process) ----------------------------------------

# KEYS: seq, ring, state, presence. ARGV[1]: JSON {presence?, steps, ring, ttl, channel}.
# Returns JSON {"seqs": [...]} | {"skip": true} | {"fail": [step, cond]}.
LUA_APPLY = r"""
local spec = cjson.decode(ARGV[1])
local ttl = tonumber(spec.ttl)

local function live_other(user, fld, now)
  local all = redis.call('HGETALL', KEYS[4])
  local prefix = user .. '|'
  for i = 1, #all, 2 do
    if all[i] ~= fld and tonumber(all[i + 1]) > now and string.sub(all[i], 1, #prefix) == prefix then
      return true
    end
  end
  return false
end

local p = spec.presence
if p and p ~= cjson.null then
  local old = tonumber(redis.call('HGET', KEYS[4], p.field) or '0')
  if p.op == 'join' then
    redis.call('HSET', KEYS[4], p.field, p.exp)
    redis.call('EXPIRE', KEYS[4], ttl)
    if old > p.now or live_other(p.user, p.field, p.now) then
      return '{"skip":true}'
    end
  else
    if old == 0 then return '{"skip":true}' end
    if p.expired_before and p.expired_before ~= cjson.null and old > p.expired_before then
      return '{"skip":true}'
    end
    redis.call('HDEL', KEYS[4], p.field)
    if live_other(p.user, p.field, p.now) then return '{"skip":true}' end
  end
end

local function count_prefix(prefix)
  local n = 0
  for _, k in ipairs(redis.call('HKEYS', KEYS[3])) do
    if string.sub(k, 1, #prefix) == prefix then n = n + 1 end
  end
  return n
end

local function holds(c)
  if c[2] == 'eq' then return redis.call('HGET', KEYS[3], c[1]) == c[3] end
  if c[2] == 'absent' then return redis.call('HEXISTS', KEYS[3], c[1]) == 0 end
  if c[2] == 'present' then return redis.call('HEXISTS', KEYS[3], c[1]) == 1 end
  if c[2] == 'count_lt' then return count_prefix(c[1]) < tonumber(c[3]) end
  return false
end

-- Check the required steps' conditions first: a rejected publish changes nothing.
for i, st in ipairs(spec.steps) do
  if st.required then
    for j, c in ipairs(st.when) do
      if not holds(c) then return cjson.encode({fail = {i - 1, j - 1}}) end
    end
  end
end

local seqs = {}
for i, st in ipairs(spec.steps) do
  local ok = true
  if not st.required then
    for _, c in ipairs(st.when) do
      if not holds(c) then ok = false break end
    end
  end
  local seq = 0
  if ok then
    for _, prefix in ipairs(st.delete_prefix) do
      for _, k in ipairs(redis.call('HKEYS', KEYS[3])) do
        if string.sub(k, 1, #prefix) == prefix then redis.call('HDEL', KEYS[3], k) end
      end
    end
    for _, k in ipairs(st.delete) do redis.call('HDEL', KEYS[3], k) end
    for k, v in pairs(st.set) do redis.call('HSET', KEYS[3], k, v) end
    if redis.call('EXISTS', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ttl) end
    if st.body and st.body ~= cjson.null then
      seq = redis.call('INCR', KEYS[1])
      redis.call('EXPIRE', KEYS[1], ttl)
      local msg = '{"seq":' .. seq .. ',' .. string.sub(st.body, 2)
      redis.call('RPUSH', KEYS[2], msg)
      redis.call('LTRIM', KEYS[2], -tonumber(spec.ring), -1)
      redis.call('EXPIRE', KEYS[2], ttl)
      redis.call('PUBLISH', spec.channel, msg)
    end
  end
  seqs[#seqs + 1] = seq
end
return cjson.encode({seqs = seqs})
"""

# KEYS: seq, state, presence → JSON {seq, state: [k, v, ...], presence: [k, exp, ...]} in one atomic read.
LUA_READ = r"""
return cjson.encode({seq = redis.call('GET', KEYS[1]) or '0', state = redis.call('HGETALL', KEYS[2]),
                     presence = redis.call('HGETALL', KEYS[3])})
"""

# KEYS: presence. ARGV: exp, field... → refresh the entries that still exist; return the missing ones (reaped
# while this instance was stalled: the hub joins them again rather than resurrecting them silently).
LUA_REFRESH = r"""
local missing = {}
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
  else
    missing[#missing + 1] = ARGV[i]
  end
end
redis.call('EXPIRE', KEYS[1], 86400)
return missing
"""


def encode_steps(steps: list[Step], topic: str, ts: float, ref: Any = None) -> list[dict[str, Any]]:
    """The steps as the apply script takes them (event bodies as JSON text without seq)."""
    out = []
    for st in steps:
        body = None
        if st.event is not None:
            frame: dict[str, Any] = {"op": "event", "topic": topic, "event": st.event, "ts": ts, "data": st.data or {}}
            if ref is not None:
                frame["ref"] = ref
            body = dumps(frame)
        out.append({
            "when": [[c.field, c.op, dumps(c.value) if c.op == "eq" else c.value] for c in st.when],
            "set": {k: dumps(v) for k, v in st.set.items()},
            "delete": list(st.delete),
            "delete_prefix": list(st.delete_prefix),
            "required": st.required,
            "body": body,
        })
    return out


def online_from(presence: dict[str, float], now: float) -> dict[str, int]:
    """user_id -> live sockets, from presence entries ``"<user>|<conn>" -> expiry``."""
    online: dict[str, int] = {}
    for key, exp in presence.items():
        if float(exp) > now:
            user = key.split("|", 1)[0]
            online[user] = online.get(user, 0) + 1
    return online


@dataclass
class LocalTopicState:
    """One topic's state and presence in one process (the memory twin of the Redis hashes)."""

    fields: dict[str, str] = field(default_factory=dict)
    presence: dict[str, float] = field(default_factory=dict)

    def _live_other(self, user: str, fld: str, now: float) -> bool:
        """Another live socket of ``user``?"""
        prefix = user + "|"
        return any(k != fld and exp > now and k.startswith(prefix) for k, exp in self.presence.items())

    def _holds(self, c: list[Any]) -> bool:
        """One encoded condition against the fields."""
        name, op, value = c
        if op == "eq":
            return self.fields.get(name) == value
        if op == "absent":
            return name not in self.fields
        if op == "present":
            return name in self.fields
        if op == "count_lt":
            return sum(1 for k in self.fields if k.startswith(name)) < int(value)
        return False

    def apply(self, presence: dict[str, Any] | None, steps: list[dict[str, Any]]) -> dict[str, Any]:
        """Exactly what LUA_APPLY does; returns which steps ran (``run``) or ``skip`` / ``fail``."""
        if presence:
            fld, now = presence["field"], presence["now"]
            old = self.presence.get(fld, 0.0)
            if presence["op"] == "join":
                self.presence[fld] = presence["exp"]
                if old > now or self._live_other(presence["user"], fld, now):
                    return {"skip": True}
            else:
                if not old:
                    return {"skip": True}
                if presence.get("expired_before") is not None and old > presence["expired_before"]:
                    return {"skip": True}
                del self.presence[fld]
                if self._live_other(presence["user"], fld, now):
                    return {"skip": True}
        for i, st in enumerate(steps):
            if st["required"]:
                for j, c in enumerate(st["when"]):
                    if not self._holds(c):
                        return {"fail": [i, j]}
        run = []
        for st in steps:
            ok = st["required"] or all(self._holds(c) for c in st["when"])
            if ok:
                for prefix in st["delete_prefix"]:
                    for k in [k for k in self.fields if k.startswith(prefix)]:
                        del self.fields[k]
                for k in st["delete"]:
                    self.fields.pop(k, None)
                self.fields.update(st["set"])
            run.append(ok)
        return {"run": run}
