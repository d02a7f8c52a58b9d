"""Running the simulator: in a thread from Python (tests, demo) or as a process (CLI)."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime
from pathlib import Path
from types import TracebackType

import click
from werkzeug.serving import BaseWSGIServer, make_server

from extractors.contract import SOURCES
from simulator.server import robots
from simulator.server.app import create_app
from simulator.server.credentials import Credentials
from simulator.server.faults import FaultPlan
from simulator.server.mailbox import MailSink
from simulator.server.state import DEFAULT_BUFFER_SIZE, LoggedRequest, SimState
from simulator.server.store import DataStore
from simulator.server.validate import require_valid

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _loopback_only(host: str) -> None:
    # The simulator accepts demo credentials; it must never listen beyond this machine.
    if host not in LOOPBACK:
        raise ValueError(f"the simulator binds loopback only (127.0.0.1), not {host!r}")


class SimulatorServer:
    """The simulator on a loopback port, served by a daemon thread.

    >>> with SimulatorServer(Path("var/demo/factory")) as server:
    ...     server.url("crm")  # 'http://127.0.0.1:PORT/crm'
    """

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str | FaultPlan | None = None,
        as_of: date | datetime | None = None,
        credentials: Credentials | None = None,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
        mail: bool = False,
    ) -> None:
        """`mail`: also serve an SMTP sink on loopback (`mail_port`, `mail_received()`)."""
        _loopback_only(host)
        require_valid(Path(data_dir))  # refuse a dataset the store would serve wrongly
        self.host = host
        self._requested_port = port
        self.store = DataStore(Path(data_dir))
        plan = faults if isinstance(faults, FaultPlan) else FaultPlan(faults)
        self.state = SimState(
            self.store, faults=plan, credentials=credentials, as_of=as_of, buffer_size=buffer_size
        )
        self.app = create_app(self.store, state=self.state)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.mail = MailSink() if mail else None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> SimulatorServer:
        if self._server is not None:
            return self
        # One line per request would drown test output; the request log keeps them instead.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server(self.host, self._requested_port, self.app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="perfchain-simulator", daemon=True
        )
        self._thread.start()
        if self.mail is not None:
            self.mail.start()
        return self

    def stop(self) -> None:
        if self.mail is not None:
            self.mail.stop()
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not started; call start() first")
        return int(self._server.server_port)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mail_port(self) -> int:
        """The SMTP sink's port (the server was made with `mail=True`)."""
        if self.mail is None or not self.mail.port:
            raise RuntimeError("the simulator serves no mail: make it with mail=True and start it")
        return self.mail.port

    def mail_received(self) -> list[dict[str, object]]:
        """What the SMTP sink accepted: sender, recipients and subject of each message."""
        return [] if self.mail is None else self.mail.received()

    def url(self, source: str) -> str:
        """The base URL of one source (what perfchain.yaml's sources.<name>.base_url holds)."""
        if source not in SOURCES:
            raise KeyError(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
        return f"{self.base_url}/{source}"

    # -- control ------------------------------------------------------------------------

    @property
    def as_of(self) -> datetime:
        """The current as-of moment, naive UTC."""
        return self.state.as_of

    def set_as_of(self, value: date | datetime | None) -> None:
        """A date = end of that plant-local day; a naive datetime is plant-local; None = default."""
        self.state.set_as_of(value)

    @property
    def faults(self) -> FaultPlan:
        return self.state.faults

    @property
    def credentials(self) -> Credentials:
        return self.state.credentials

    @property
    def request_log(self) -> list[LoggedRequest]:
        return self.state.log

    def issued_tokens(self) -> set[str]:
        """Every token value issued since start or the last reset (all sources)."""
        return self.state.tokens.issued()

    def reset(self) -> None:
        self.state.reset()
        self.app.extensions[robots.STATE_KEY].reset()  # the alert robots' calls and faults
        if self.mail is not None:
            self.mail.reset()


def serve_forever(
    data_dir: Path, host: str = "127.0.0.1", port: int = 8765, faults: str | None = None
) -> None:
    """The `perfchain simulate` process: serve until interrupted."""
    _loopback_only(host)
    require_valid(Path(data_dir))
    store = DataStore(Path(data_dir))
    state = SimState(store, faults=FaultPlan(faults), credentials=Credentials.from_env())
    app = create_app(store, state=state)
    server = make_server(host, port, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    click.echo(f"perfchain simulator serving {data_dir} on {base} (loopback only)")
    for source in SOURCES:
        click.echo(f"  {source:<4} {base}/{source}")
    click.echo(f"  mtconnect agent {base}/mes/mtconnect/probe")
    click.echo(f"  control         {base}/_sim/health  (docs/simulator.md)")
    if faults:
        click.echo(f"  faults          {faults}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("simulator stopped")
    finally:
        server.server_close()
