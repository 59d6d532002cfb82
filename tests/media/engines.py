"""Real Janus and coturn in a private network namespace, for the media tests and bench/media_latency.py.

Janus (libnice) never gathers ICE candidates on a loopback interface, so it runs in a network namespace of
its own with a veth pair (``osteonA`` carries 127.0.0.2, ``ice_enforce_list = "osteonA"``): nothing in the
namespace can reach any outside address, and everything that talks to that Janus runs inside it too
(``Engines.run_python``). See /work/shared/notes/services-on-loopback.md. Needs root (unshare, nsenter, ip).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv" / "bin" / "python").exists() else sys.executable
LIBDIR = Path("/usr/lib/x86_64-linux-gnu/janus")
if not LIBDIR.exists():  # other architectures
    LIBDIR = next(Path("/usr/lib").glob("*/janus"), LIBDIR)

JANUS_HTTP, JANUS_WS, JANUS_ADMIN, TURN_PORT = 8088, 8188, 7088, 3478
ADDRESS = "127.0.0.2"  # on osteonA: the address every peer (and Janus) uses for media


class EnginesUnavailable(RuntimeError):
    """A tool or privilege the engines need is missing on this machine."""


def missing_tools() -> list[str]:
    """Executables the engines need that are not installed."""
    tools = ["janus", "turnserver", "janus-pp-rec", "unshare", "nsenter", "ip", "umount"]
    return [t for t in tools if shutil.which(t) is None]


def _sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing output; failures carry stderr."""
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False)
    if check and proc.returncode != 0:
        raise EnginesUnavailable(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[:400]}")
    return proc


def _janus_config(d: Path, admin_secret: str, room_admin_key: str) -> None:
    """janus.jcfg and the configs of the one plugin and three transports (HTTP, WebSocket, Admin) used."""
    plugins = [p.name for p in (LIBDIR / "plugins").glob("*.so") if p.name != "libjanus_videoroom.so"]
    transports = [p.name for p in (LIBDIR / "transports").glob("*.so")
                  if p.name not in ("libjanus_http.so", "libjanus_websockets.so")]
    events = [p.name for p in (LIBDIR / "events").glob("*.so")]
    loggers = [p.name for p in (LIBDIR / "loggers").glob("*.so")]
    (d / "janus.jcfg").write_text(f"""
general: {{
  configs_folder = "{d}"
  plugins_folder = "{LIBDIR / 'plugins'}"
  transports_folder = "{LIBDIR / 'transports'}"
  events_folder = "{LIBDIR / 'events'}"
  loggers_folder = "{LIBDIR / 'loggers'}"
  debug_level = 4
  admin_secret = "{admin_secret}"
  token_auth = true
  interface = "127.0.0.1"
  session_timeout = 60
  protected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr"]
}}
media: {{
  rtp_port_range = "40000-40999"
}}
nat: {{
  ice_enforce_list = "osteonA"
  full_trickle = false
  ignore_mdns = true
  nice_debug = false
}}
plugins: {{ disable = "{','.join(plugins)}" }}
transports: {{ disable = "{','.join(transports)}" }}
events: {{ broadcast = false
  disable = "{','.join(events)}" }}
loggers: {{ disable = "{','.join(loggers)}" }}
""")
    (d / "janus.plugin.videoroom.jcfg").write_text(f"""
general: {{
  admin_key = "{room_admin_key}"
  lock_rtp_forward = true
}}
""")
    (d / "janus.transport.http.jcfg").write_text(f"""
general: {{
  json = "indented"
  base_path = "/janus"
  http = true
  port = {JANUS_HTTP}
  ip = "127.0.0.1"
  https = false
}}
admin: {{
  admin_base_path = "/admin"
  admin_http = true
  admin_port = {JANUS_ADMIN}
  admin_ip = "127.0.0.1"
  admin_https = false
  admin_acl = "127."
}}
cors: {{ }}
""")
    (d / "janus.transport.websockets.jcfg").write_text(f"""
general: {{
  json = "indented"
  ws = true
  ws_port = {JANUS_WS}
  ws_ip = "127.0.0.1"
  wss = false
}}
admin: {{ admin_ws = false  admin_wss = false }}
""")


@dataclass
class Engines:
    """A network namespace with Janus and coturn running in it."""

    root: Path
    netns: Path = field(init=False)
    admin_secret: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    room_admin_key: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    turn_secret: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    janus: subprocess.Popen[bytes] | None = None
    turn: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        """Paths inside root."""
        self.netns = self.root / "netns"
        self.janus_dir = self.root / "janus"
        self.record_dir = self.root / "recordings"
        self.turn_dir = self.root / "coturn"

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Engines:
        """Namespace, veth pair, coturn and Janus; raises EnginesUnavailable with the reason."""
        missing = missing_tools()
        if missing:
            raise EnginesUnavailable(f"not installed: {', '.join(missing)} (apt-get install janus janus-tools coturn)")
        if os.geteuid() != 0:
            raise EnginesUnavailable("network namespaces need root")
        self.root.mkdir(parents=True, exist_ok=True)
        self.netns.touch()
        _sh("unshare", f"--net={self.netns}", "true")
        setup = (
            "set -e; ip link set lo up; ip link add osteonA type veth peer name osteonB; "
            "for i in osteonA osteonB; do echo 1 > /proc/sys/net/ipv6/conf/$i/disable_ipv6 || true; done; "
            f"ip addr add {ADDRESS}/32 dev osteonA; ip link set osteonA up; ip link set osteonB up"
        )
        self.nsenter("sh", "-c", setup)
        self.janus_dir.mkdir(exist_ok=True)
        self.record_dir.mkdir(exist_ok=True)
        _janus_config(self.janus_dir, self.admin_secret, self.room_admin_key)
        self._start_turn()
        self.start_janus()
        return self

    def nsenter(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace."""
        return _sh("nsenter", f"--net={self.netns}", *args, check=check)

    def _start_turn(self) -> None:
        """coturn with the REST scheme (use-auth-secret) on 127.0.0.1:3478, relaying on 127.0.0.2."""
        self.turn_dir.mkdir(exist_ok=True)
        conf = self.turn_dir / "turnserver.conf"
        conf.write_text("\n".join([
            f"listening-port={TURN_PORT}", "listening-ip=127.0.0.1", f"listening-ip={ADDRESS}",
            f"relay-ip={ADDRESS}", "min-port=49152", "max-port=49999",
            "use-auth-secret", f"static-auth-secret={self.turn_secret}", "realm=osteon.test",
            "no-tls", "no-dtls", "no-cli", "no-multicast-peers", "allow-loopback-peers", "fingerprint",
            f"userdb={self.turn_dir / 'turndb'}", f"pidfile={self.turn_dir / 'turnserver.pid'}",
            f"log-file={self.turn_dir / 'turn.log'}", "simple-log", "no-stdout-log",
        ]) + "\n")
        self.turn = subprocess.Popen(
            ["nsenter", f"--net={self.netns}", "turnserver", "-c", str(conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start_janus(self) -> None:
        """(Re)start Janus and wait until its HTTP and Admin APIs answer."""
        log = self.janus_dir / "janus.log"
        self.janus = subprocess.Popen(
            ["nsenter", f"--net={self.netns}", "janus", "-C", str(self.janus_dir / "janus.jcfg"),
             "-F", str(self.janus_dir), "-N", "-L", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = self.run_python("tests.media.nsclient", "wait", {"env": self.env()}, timeout=30)
        if not result.get("ready"):
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise EnginesUnavailable(f"Janus did not come up: {result}\n{tail}")

    def stop_janus(self) -> None:
        """Kill Janus (SIGKILL: the 'Janus crashed' fault)."""
        if self.janus and self.janus.poll() is None:
            self.janus.send_signal(signal.SIGKILL)
            self.janus.wait(10)
        self.janus = None

    def stop(self) -> None:
        """Stop everything and remove the namespace."""
        self.stop_janus()
        if self.turn and self.turn.poll() is None:
            self.turn.terminate()
            try:
                self.turn.wait(5)
            except subprocess.TimeoutExpired:
                self.turn.kill()
        if self.netns.exists():
            _sh("umount", str(self.netns), check=False)

    # --- talking to it -----------------------------------------------------------------------------

    def env(self, **overrides: str) -> dict[str, str]:
        """OSTEON_* settings for an Osteon process inside the namespace."""
        env = {
            "OSTEON_JANUS_URL": f"http://127.0.0.1:{JANUS_HTTP}/janus",
            "OSTEON_JANUS_ADMIN_URL": f"http://127.0.0.1:{JANUS_ADMIN}/admin",
            "OSTEON_JANUS_ADMIN_SECRET": self.admin_secret,
            "OSTEON_JANUS_ROOM_ADMIN_KEY": self.room_admin_key,
            "OSTEON_JANUS_RECORD_DIR": str(self.record_dir),
            "OSTEON_TURN_URLS": f"turn:127.0.0.1:{TURN_PORT}?transport=udp",
            "OSTEON_TURN_SECRET": self.turn_secret,
        }
        env.update(overrides)
        return env

    def run_python(self, module: str, command: str, args: dict, *, timeout: float = 60) -> dict:
        """Run ``python -m module command`` inside the namespace with JSON args on stdin; its JSON answer."""
        proc = subprocess.run(
            ["nsenter", f"--net={self.netns}", PYTHON, "-m", module, command],
            input=json.dumps(args), capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False,
            env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'src'}"})
        if proc.returncode != 0:
            raise AssertionError(f"{module} {command} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

