"""Event-driven reactors for the SCP's associations (pynetdicom polls; these wait).

pynetdicom 3 runs two loops per association, and both poll: the DUL thread sleeps 1 ms whenever it found
nothing to do (no data on the socket, nothing to send), and the association thread sleeps 1 ms before every
look at its queues. A modality sends one instance and waits for its answer, so each C-STORE pays those sleeps
in turn: the DUL notices the PDU (≤ 1 ms late), the association notices the decoded message (≈ 1 ms), and the
DUL notices the response waiting to be sent (≤ 1 ms). Measured with dcmtk's storescu and a handler that does
nothing (200 CT slices of 512 KB, loopback, 2026-12-06): stock pynetdicom 210–255 instances/s, these loops
300–320/s; the same client and a dcmtk receiver that discards 700–870/s. In Osteon's SCP (parse, hash, fsync,
index, audit) the gain is smaller, ≈ 15 %: see docs/imaging.md. pynetdicom's own source (dul.py) notes that
these loops should be made event based.

Here both loops block until there is something to do, with a 50 ms ceiling so their timers (ARTIM, network
idle timeout) and kill flags are still checked:

* the DUL waits in ``select`` on its socket and on a wake-up socket pair, which is written whenever a primitive is
  queued for it to send or an event is queued for its state machine;
* the association waits on a :class:`threading.Event`, set whenever a DIMSE message or an ACSE primitive is
  queued for it, when the DUL thread ends and when the association is killed.

Everything else is pynetdicom's: the two loops below are its own (``DULServiceProvider.run_reactor`` and
``Association._run_reactor`` of pynetdicom 3.0), line for line, with the sleep replaced by the wait. Only the
SCP's acceptor associations use them (:class:`EventRequestHandler`); Osteon's outgoing associations (C-MOVE
sub-operations, PACS queries) are pynetdicom's unchanged. ``tests/imaging/test_dimse_reactor.py`` pins the
version these loops were copied from.
"""

from __future__ import annotations

import logging
import queue
import select
import socket
import threading
import time
from typing import Any

from pynetdicom import evt
from pynetdicom.association import Association
from pynetdicom.dul import DULServiceProvider
from pynetdicom.pdu import A_ABORT_RQ
from pynetdicom.transport import RequestHandler
from pynetdicom.utils import make_target

log = logging.getLogger("osteon.imaging.dimse_reactor")

PYNETDICOM_VERSION = "3.0.4"  # the version whose loops these are (checked by a test)
IDLE_WAIT = 0.05  # seconds: the longest either loop waits before re-checking timers and kill flags


class _WakingQueue(queue.Queue):  # type: ignore[type-arg]
    """A queue that calls ``wake`` after every put (the consumer waits on something else than the queue)."""

    def __init__(self, wake: Any) -> None:
        """``wake``: called with no argument after each item is queued."""
        super().__init__()
        self._wake = wake

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        """Queue, then wake the consumer."""
        super().put(item, block, timeout)
        self._wake()


def _moved(old: queue.Queue, new: _WakingQueue) -> _WakingQueue:  # type: ignore[type-arg]
    """``new``, holding whatever ``old`` held (in order)."""
    while True:
        try:
            new.put(old.get(block=False))
        except queue.Empty:
            return new


class EventDUL(DULServiceProvider):
    """The DUL reactor, waiting on its socket and a wake-up pair instead of sleeping 1 ms."""

    def _become_event_driven(self) -> None:
        """Install the wake-up pair and the waking queues (called before the thread starts)."""
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.to_provider_queue = _moved(self.to_provider_queue, _WakingQueue(self._wake))
        self.event_queue = _moved(self.event_queue, _WakingQueue(self._wake))  # holds Evt5 (connection) already
        self._target = make_target(self.run_reactor)  # the thread was made with the stock loop as its target

    def _wake(self) -> None:
        """Make the reactor's next (or current) wait return at once."""
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):  # buffer full: it is awake already; closed: it has ended
            pass

    def kill_dul(self) -> None:
        """Stop the reactor thread (woken so it sees the flag now, not after its wait)."""
        super().kill_dul()
        self._wake()

    def _wait_for_work(self) -> None:
        """Block until the socket has data, something is queued, or IDLE_WAIT passes."""
        waitables: list[Any] = [self._wake_r]
        sock = self.socket.socket if self.socket is not None else None
        if sock is not None and self.socket._is_connected:  # type: ignore[union-attr]
            waitables.append(sock)
        try:
            select.select(waitables, [], [], IDLE_WAIT)
        except (OSError, ValueError):  # the socket closed under us: the next ready() check reports it
            time.sleep(self._run_loop_delay)  # as pynetdicom would, never a busy loop
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def run_reactor(self) -> None:
        """pynetdicom's ``DULServiceProvider.run_reactor`` with ``_wait_for_work`` for its idle sleep."""
        try:
            self._run_reactor_loop()
        finally:
            self._wake_r.close()
            self._wake_w.close()
            assoc_wake = getattr(self.assoc, "_osteon_wake", None)
            if assoc_wake is not None:
                assoc_wake.set()  # the association checks dul.is_alive() now

    def _run_reactor_loop(self) -> None:
        """The loop itself (see :meth:`run_reactor`)."""
        self._idle_timer.start()
        sleep = False
        while True:
            if not self.assoc._dul_ready.is_set():
                self.assoc._dul_ready.set()
                sleep = True
            if sleep:
                self._wait_for_work()
            if self._kill_thread:
                break
            if self.artim_timer.expired:
                self.event_queue.put("Evt18")
            try:
                # Encode and send a primitive, or receive and decode a PDU: one per loop, as pynetdicom does.
                if self._process_recv_primitive():
                    pass
                elif self._is_transport_event():
                    self._idle_timer.restart()
            except Exception:
                log.exception("Exception in the DUL reactor, aborting association")
                abort_pdu = A_ABORT_RQ()
                abort_pdu.source = 0x02
                abort_pdu.reason_diagnostic = 0x00
                self.socket.send(abort_pdu.encode())  # type: ignore[union-attr]
                self.assoc.is_aborted = True
                self.assoc.is_established = False
                self.assoc._kill = True
                self._kill_thread = True
                return
            try:
                event = self.event_queue.get(block=False)
            except queue.Empty:
                sleep = True
                continue
            self.state_machine.do_action(event)
            sleep = False


class EventAssociation(Association):
    """An acceptor association whose reactor waits for messages instead of sleeping 1 ms per look."""

    def _become_event_driven(self) -> None:
        """Swap in the event-driven DUL and the waking queues (before either thread starts)."""
        self._osteon_wake = threading.Event()
        self.dul.__class__ = EventDUL
        dul: EventDUL = self.dul  # type: ignore[assignment]
        dul._become_event_driven()
        dul.to_user_queue = _moved(dul.to_user_queue, _WakingQueue(self._osteon_wake.set))
        self.dimse.msg_queue = _moved(self.dimse.msg_queue, _WakingQueue(self._osteon_wake.set))

    def kill(self) -> None:
        """Kill the thread (woken so it sees the flag now)."""
        self._osteon_wake.set()
        super().kill()

    def _has_work(self) -> bool:
        """A DIMSE message or an ACSE primitive is waiting."""
        return not self.dimse.msg_queue.empty() or not self.dul.to_user_queue.empty()

    def _run_reactor(self) -> None:
        """pynetdicom's acceptor loop (``Association._run_reactor``) with a wait for its 1 ms sleep."""
        self._is_paused = False
        while not self._kill:
            # Paused while waiting: another thread's send_c_*() or release() may go ahead (pynetdicom's contract).
            self._is_paused = True
            if not self._has_work():
                self._osteon_wake.wait(IDLE_WAIT)
            self._osteon_wake.clear()
            self._reactor_checkpoint.wait()
            self._is_paused = False

            context_id, msg = self.dimse.get_msg(block=False)
            if msg:
                self._serve_request(msg, context_id)  # type: ignore[arg-type]

            if self.is_established and self.acse.is_release_requested():
                self.acse.send_release(is_response=True)
                log.info("Association Released")
                self.is_released = True
                self.is_established = False
                evt.trigger(self, evt.EVT_RELEASED, {})
                self.kill()
                return

            if self.acse.is_aborted():
                log.info("Association Aborted%s", " (A-P-ABORT)" if self.acse.is_aborted("a-p-abort") else "")
                self.dul.receive_pdu(wait=False)  # so EVT_ACSE_RECV fires for subscribers
                self.is_aborted = True
                self.is_established = False
                evt.trigger(self, evt.EVT_ABORTED, {})
                self.kill()
                return

            if not self.dul.is_alive():
                self.kill()
                return

            if self.dul.idle_timer_expired():
                log.error("Network timeout reached")
                if self.network_timeout_response == "A-RELEASE":
                    self._is_paused = True
                    self._reactor_checkpoint.wait()
                    self.release()
                    self._is_paused = False
                else:
                    self.abort()
                self.kill()
                return


class EventRequestHandler(RequestHandler):
    """pynetdicom's request handler, making event-driven associations."""

    def _create_association(self) -> Association:
        """pynetdicom's association, configured as usual, then made event-driven (its threads are not started)."""
        assoc = super()._create_association()
        assoc.__class__ = EventAssociation
        assoc._become_event_driven()  # type: ignore[attr-defined]
        return assoc
