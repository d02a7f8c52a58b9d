"""A dbt process started before the build needs it: dbt's import done while the run extracts.

Every `dbt build` dagster-dbt starts is a new Python process (`perfchain-dbt`, a plain
`Popen`), and ≈ 1.9 s of its start is importing dbt, on the run's path, while the run's
first steps (extraction) mostly wait on the sources. So `perfchain run` starts one dbt
process *on standby* with the job (`standby()`): it imports dbt's command line and waits
on a Unix socket. When dagster-dbt starts `perfchain-dbt build ...`, that process hands
its arguments, environment, working folder and its standard streams to the standby
(`run_on_standby`) and waits for dbt's exit status, which it exits with. dbt itself runs
unchanged, through its public command line, in a process whose only history is the import;
dagster-dbt reads its JSON lines from the same pipe as ever.

A standby serves one command and ends, like any dbt process. No standby (a command run by
hand, a second dbt command in the same launch, a standby that failed to start) means the
`perfchain-dbt` process runs dbt itself, as before. Nothing of the run depends on it but
the seconds.

Lifetimes: the standby ends with the run that started it (`exit_with_parent`), and a dbt
command on standby ends within a moment of the `perfchain-dbt` process that handed it
over (its socket closes: dagster-dbt killed it, or its run died); a SIGINT or SIGTERM sent
to that process (dagster-dbt's interrupt) is passed on to dbt.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# Where `perfchain-dbt` finds the standby: the socket's path, set in the environment of
# the process that runs the job (dagster-dbt passes its environment to dbt's).
STANDBY_ENV = "PERFCHAIN_DBT_STANDBY"
STANDBY_FLAG = "--standby"
# The streams handed over: stdin, stdout, stderr.
STREAMS = (0, 1, 2)
_LENGTH = struct.Struct("!I")


def _send(conn: socket.socket, message: dict[str, object]) -> None:
    data = json.dumps(message).encode("utf-8")
    conn.sendall(_LENGTH.pack(len(data)) + data)


def _receive_exactly(conn: socket.socket, size: int) -> bytes | None:
    chunks = b""
    while len(chunks) < size:
        chunk = conn.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return chunks


def _receive(conn: socket.socket) -> dict[str, object] | None:
    """One message, or None when the other end closed first."""
    header = _receive_exactly(conn, _LENGTH.size)
    if header is None:
        return None
    data = _receive_exactly(conn, _LENGTH.unpack(header)[0])
    return None if data is None else json.loads(data)


# The side of the `perfchain-dbt` process dagster-dbt started.


def run_on_standby(path: str, args: Sequence[str]) -> int | None:
    """dbt `args` run by the standby at `path`, with this process's environment, working
    folder and standard streams: dbt's exit status, or None when no standby answered (none
    started, already used, or gone), so the caller runs dbt itself."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        # One byte carries the streams (SCM_RIGHTS), then the request itself.
        socket.send_fds(conn, [b"\0"], list(STREAMS))
        _send(conn, {"args": list(args), "env": dict(os.environ), "cwd": os.getcwd()})
        started = _receive(conn)
    except OSError:
        conn.close()
        return None
    if started is None:  # the standby ended before it took the command
        conn.close()
        return None
    pid = int(started["pid"])  # type: ignore[call-overload]

    def forward(signum: int, _frame: object) -> None:
        with suppress(ProcessLookupError):
            os.kill(pid, signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        ended = _receive(conn)
        # Then until the standby's process is gone (its end of the socket closes last), so
        # this process ends when dbt's would have.
        while ended is not None and conn.recv(1):
            pass
    finally:
        conn.close()
    if ended is None:
        print(
            f"perfchain-dbt: the dbt process on standby (pid {pid}) ended without an exit status",
            file=sys.stderr,
            flush=True,
        )
        return 1
    return int(ended["exit_code"])  # type: ignore[call-overload]


# The standby's side.


def serve_once(path: str) -> None:
    """Listen at `path`, import dbt, run the one command handed over, exit with its
    status. The socket is bound before the import, so a command that comes early waits for
    it instead of finding nobody."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    # What a `perfchain-dbt build` imports before its first node: the standby's purpose.
    import dbt.adapters.duckdb  # noqa: F401
    import dbt.task.build  # noqa: F401
    from dbt.cli.main import cli

    conn, _ = listener.accept()
    listener.close()
    os.unlink(path)  # single use: a later command finds no standby and runs dbt itself
    _, fds, _, _ = socket.recv_fds(conn, 1, len(STREAMS))
    request = _receive(conn)
    if request is None or len(fds) != len(STREAMS):
        os._exit(1)  # the caller went away before handing over: it runs nothing
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update(request["env"])  # type: ignore[arg-type]
    for stream, fd in zip(STREAMS, fds, strict=True):
        os.dup2(fd, stream)
        os.close(fd)
    # An interrupt passed on by the caller stops dbt (KeyboardInterrupt, dbt's own
    # handling), and a SIGTERM ends it, even where the run that started this process
    # ignores them (a run started in the background of a script ignores SIGINT, and its
    # children inherit that).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _send(conn, {"pid": os.getpid()})
    finished = threading.Event()
    _end_with_caller(conn, finished)
    sys.argv = ["dbt", *request["args"]]  # type: ignore[list-item]
    try:
        code = cli()
    except SystemExit as stop:
        code = stop.code
    exit_code = code if isinstance(code, int) else (0 if code is None else 1)
    finished.set()
    sys.stdout.flush()
    sys.stderr.flush()
    with suppress(OSError):
        _send(conn, {"exit_code": exit_code})
    # A normal exit, as dbt's own process ends (exit handlers release what dbt's
    # multiprocessing took); the socket closes last, and the caller exits then.
    sys.exit(exit_code)


def exit_when(gone: Callable[[], bool], message: str, name: str) -> threading.Thread:
    """A daemon thread that waits in `gone` and, when it answers True, ends this process
    at once (`os._exit`, `message` on stderr): dbt's own shutdown could wait on a running
    query, and an unfinished DuckDB transaction is rolled back from the WAL like any
    killed writer's."""

    def watch() -> None:
        if gone():
            print(f"perfchain-dbt: {message}; stopping", file=sys.stderr, flush=True)
            os._exit(1)

    thread = threading.Thread(target=watch, name=name, daemon=True)
    thread.start()
    return thread


def _end_with_caller(conn: socket.socket, finished: threading.Event) -> threading.Thread:
    """Exit at once when the `perfchain-dbt` process that handed the command over is gone:
    its end of the socket closes (killed by dagster-dbt or with its run)."""

    def caller_gone() -> bool:
        try:
            data = conn.recv(1)
        except OSError:
            data = b""
        return not data and not finished.is_set()

    return exit_when(
        caller_gone, "the process that handed dbt its command is gone", "perfchain-dbt-caller"
    )


# The run's side.


@dataclass
class Standby:
    """A started standby; `served`, set at the end of its block: it took a dbt command."""

    process: subprocess.Popen[bytes]
    path: Path
    served: bool = False


# The longest path a Unix socket can be bound to on Linux (sun_path, with its NUL).
_SOCKET_PATH_MAX = 107


@contextmanager
def standby(
    executable: str, enabled: bool = True, output: IO[str] | None = None
) -> Iterator[Standby | None]:
    """A dbt process on standby for the dbt command started within the block: its socket
    in `STANDBY_ENV` meanwhile; stopped at the end of the block if still waiting.
    `output`: where the standby writes before it takes a command (a failed import, say);
    then it writes where the command's caller does. None where the platform has no Unix
    sockets passing file descriptors: `perfchain-dbt` runs dbt itself."""
    if not enabled or not hasattr(socket, "send_fds"):
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="perfchain-dbt-"))  # mode 0700: this user only
    path = folder / "standby.sock"
    if len(os.fsencode(path)) > _SOCKET_PATH_MAX:  # a long TMPDIR
        folder.rmdir()
        yield None
        return
    process = subprocess.Popen(
        [executable, STANDBY_FLAG, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        # What dagster-dbt asks of dbt's process: output as it is written.
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    before = os.environ.get(STANDBY_ENV)
    os.environ[STANDBY_ENV] = str(path)
    waiting = Standby(process, path)
    try:
        yield waiting
    finally:
        if before is None:
            os.environ.pop(STANDBY_ENV, None)
        else:
            os.environ[STANDBY_ENV] = before
        # The socket goes when a command is taken (it exists from before the import on).
        waiting.served = not path.exists()
        if not waiting.served:
            # Never handed a command (extraction failed, or dbt was not selected).
            process.kill()
        _wait(process)
        path.unlink(missing_ok=True)
        folder.rmdir()


def _wait(process: subprocess.Popen[bytes], seconds: float = 30.0) -> None:
    """A standby that took a command ends when dbt does; one killed ends at once."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
        process.wait()
