"""The SCP's event-driven associations (dimse_reactor): same DICOM behaviour as pynetdicom's polling ones.

A bare pynetdicom AE with Osteon's request handler on a loopback port, and pynetdicom as the peer (the SCP inside
Osteon is exercised by dcmtk's tools in test_dimse.py and test_scp_transcode.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from importlib.metadata import version

import pytest
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage, Verification
from pynetdicom.transport import ThreadedAssociationServer

from osteon.imaging import dimse_reactor
from osteon.imaging.dimse_reactor import EventAssociation, EventRequestHandler
from tests.imaging.dicomgen import ct_slice


def wait_until(predicate, seconds: float = 10.0) -> bool:
    """Poll ``predicate`` until true or ``seconds`` pass (a functional deadline, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class Server:
    """An event-driven acceptor recording what it saw."""

    def __init__(self, network_timeout: float = 60) -> None:
        """Start on a free loopback port."""
        self.received: list[bytes] = []
        self.kinds: list[type] = []
        self.ae = AE("REACTOR")
        self.ae.network_timeout = network_timeout
        self.ae.add_supported_context(Verification)
        self.ae.add_supported_context(CTImageStorage, ExplicitVRLittleEndian)
        handlers = [(evt.EVT_C_ECHO, self._echo), (evt.EVT_C_STORE, self._store)]
        self.server = self.ae.make_server(("127.0.0.1", 0), evt_handlers=handlers,
                                          server_class=ThreadedAssociationServer, request_handler=EventRequestHandler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.ae._servers.append(self.server)
        self.port = self.server.server_address[1]

    def _echo(self, event) -> int:
        self.kinds.append(type(event.assoc))
        return 0x0000

    def _store(self, event) -> int:
        self.received.append(event.encoded_dataset(include_meta=False))
        return 0x0000

    def idle(self) -> bool:
        """No association thread left."""
        return not self.server.active_associations

    def stop(self) -> None:
        """Shut down."""
        self.ae.shutdown()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


def associate(port: int, max_pdu: int = 16_382):
    """A pynetdicom requestor association."""
    scu = AE("PEER")
    scu.maximum_pdu_size = max_pdu
    scu.add_requested_context(Verification)
    scu.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
    assoc = scu.associate("127.0.0.1", port, ae_title="REACTOR")
    assert assoc.is_established
    return assoc


def test_loops_are_copied_from_the_installed_pynetdicom():
    """dimse_reactor copies two pynetdicom loops: a pynetdicom upgrade must be looked at (and this pin moved)."""
    assert version("pynetdicom") == dimse_reactor.PYNETDICOM_VERSION


def test_accepted_associations_are_event_driven(server):
    """The handler makes every accepted association event-driven."""
    assoc = associate(server.port)
    assert assoc.send_c_echo().Status == 0x0000
    assoc.release()
    assert server.kinds == [EventAssociation]


@pytest.mark.parametrize("max_pdu", [16_382, 1_048_576])
def test_store_after_idle_then_release(server, max_pdu):
    """An association idle for longer than the reactors' wait still answers; a 512 KiB slice arrives byte for
    byte in many small PDUs or in one large one; release ends both threads."""
    assoc = associate(server.port, max_pdu)
    assert assoc.send_c_echo().Status == 0x0000
    time.sleep(dimse_reactor.IDLE_WAIT * 4)
    ds = ct_slice(size=512, seed=3)
    sent = encode(ds, False, True)  # what the peer puts on the wire: explicit VR little endian, no file meta
    for _ in range(3):
        assert assoc.send_c_store(ds).Status == 0x0000
    assoc.release()
    assert assoc.is_released
    assert server.received == [sent] * 3
    assert wait_until(server.idle), "association threads did not end after release"


def test_peer_abort_ends_the_association(server):
    """An A-ABORT from the peer ends the acceptor's threads."""
    assoc = associate(server.port)
    assert assoc.send_c_echo().Status == 0x0000
    assoc.abort()
    assert wait_until(server.idle), "association threads did not end after abort"


def test_dropped_connection_ends_the_association(server):
    """A peer that vanishes without releasing (socket closed) does not leave threads behind."""
    assoc = associate(server.port)
    assert assoc.send_c_echo().Status == 0x0000
    assoc.dul.socket.socket.close()
    assert wait_until(server.idle), "association threads did not end after the connection dropped"


def test_network_timeout_still_ends_an_idle_association():
    """The idle timer is still checked while the reactors wait: a silent peer is dropped after network_timeout."""
    s = Server(network_timeout=0.5)
    try:
        assoc = associate(s.port)
        assert assoc.send_c_echo().Status == 0x0000
        assert wait_until(lambda: not assoc.is_established and s.idle()), "idle association was not dropped"
    finally:
        s.stop()
