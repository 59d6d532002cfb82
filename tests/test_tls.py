"""SECURITY 20: `osteon serve` speaks HTTPS itself when given a certificate (cookies then marked Secure)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import DEMO_PASSWORD


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "osteon.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def https_server(tmp_path):
    cert, key = _self_signed(tmp_path)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSTEON_")}
    env["OSTEON_DEMO_PASSWORD"] = DEMO_PASSWORD
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-m", "osteon.cli", "serve", "--demo", "--data-dir", str(tmp_path / "var"),
                             "--port", str(port), "--dicom-port", "0", "--tls-cert", str(cert), "--tls-key", str(key)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"https://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz", verify=str(cert), timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        yield base, cert, port
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_control_20_https_with_secure_cookies(https_server):
    base, cert, port = https_server
    with httpx.Client(base_url=base, verify=str(cert), timeout=10) as c:
        r = c.post("/api/v1/auth/login", json={"username": "doctor", "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        cookies = r.headers.get_list("set-cookie")
        assert cookies and all("Secure" in h for h in cookies)
    # the same port does not answer plain HTTP
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=3).raise_for_status()
