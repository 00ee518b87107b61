"""How a :class:`servers.launch.Server` runs: on a thread of this process, or as a process.

Both backends have the same small interface (:class:`Backend`): ``start`` returns the port
the server listens on, ``died`` says why it stopped on its own (None while it runs),
``stop`` leaves no thread, socket or process of it behind, and ``log_tail`` gives what it
printed. Readiness (``GET /ping``) is the caller's to wait for.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Protocol

import psutil

from . import serving
from .names import ENV_SERVER_PYTHON
from .net import ServerStartError, bind_socket
from .options import ServerOptions


class Backend(Protocol):
    """What starts, watches and stops one server."""

    #: The process started for this server: this one in thread mode.
    root_pid: int

    def start(self) -> int:
        """Start serving; return the port. Raises ServerStartError with the reason."""
        ...

    def died(self) -> str | None:
        """Why the server stopped on its own, with what it printed; None while it runs."""
        ...

    def stop(self) -> None:
        """Stop it and wait until nothing of it is left. Safe to call twice."""
        ...

    def log_tail(self, lines: int = 20) -> str:
        """The last lines it printed ('' when it prints to this process's own streams)."""
        ...


def for_options(options: ServerOptions, timeout: float) -> Backend:
    """The backend of ``options.mode``."""
    return ThreadBackend(options, timeout) if options.mode == "thread" else ProcessBackend(options, timeout)


class ThreadBackend:
    """The app and its server on a daemon thread of this process."""

    def __init__(self, options: ServerOptions, timeout: float) -> None:
        self.options = options
        self.timeout = timeout
        self.root_pid = os.getpid()
        #: The app, while it runs (its ``task_pool`` is the ``processes`` strategy's pool).
        self.app: Any = None
        self._release: Callable[[], None] = lambda: None
        self._serving: serving.InProcess | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        o = self.options
        sock = bind_socket(o.host, o.listen_port)
        port: int = sock.getsockname()[1]
        try:
            self.app, self._release = serving.app_of(o)
            self._serving = serving.in_process(self.app, sock, o)
        except BaseException:
            sock.close()
            raise
        self._thread = threading.Thread(target=self._serving.run, name=f"{o.server}-{port}", daemon=True)
        self._thread.start()
        return port

    def died(self) -> str | None:
        if self._thread is not None and not self._thread.is_alive():
            return f"the {self.options.server} thread of {self.options.label} ended"
        return None

    def stop(self) -> None:
        """Stop the server thread, then release the app (our apps' process pool), even when the
        thread does not stop in time (which raises RuntimeError afterwards)."""
        try:
            if self._serving is not None and self._thread is not None and self._thread.is_alive():
                self._serving.stop()
            if self._thread is not None:
                self._thread.join(timeout=self.timeout)
                if self._thread.is_alive():
                    raise RuntimeError(f"{self.options.label} server thread did not stop in {self.timeout:.0f} s")
        finally:
            release, self._release = self._release, lambda: None
            self.app, self._serving, self._thread = None, None, None
            release()

    def log_tail(self, lines: int = 20) -> str:
        return ""


class ProcessBackend:
    """``python -m servers`` with these options, in a session of its own (so that a Ctrl-C
    meant for its owner does not reach it mid-trial), watching its owner (so that it ends
    when its owner is killed)."""

    def __init__(self, options: ServerOptions, timeout: float) -> None:
        self.options = options
        self.timeout = timeout
        self.root_pid = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None

    def command(self, port_file: Path) -> list[str]:
        """The command line it starts: under ``options.python`` where it names one."""
        argv = [
            *replace(self.options, quiet=True).to_argv(),
            "--port-file",
            str(port_file),
            "--parent-pid",
            str(os.getpid()),
        ]
        return [self.options.python or sys.executable, "-m", "servers", *argv]

    def start(self) -> int:
        self._tmpdir = tempfile.TemporaryDirectory(prefix="fanout-server-")
        folder = Path(self._tmpdir.name)
        port_file = folder / "port"
        self._log = open(folder / "server.log", "w+b")  # closed by stop()
        self._proc = subprocess.Popen(
            self.command(port_file),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **dict(self.options.env), **self._python_env()},
            start_new_session=True,
        )
        self.root_pid = self._proc.pid
        deadline = time.monotonic() + self.timeout
        while True:
            reason = self.died()
            if reason:
                raise ServerStartError(reason)
            text = port_file.read_text().strip() if port_file.exists() else ""
            if text.isdigit():
                return int(text)
            if time.monotonic() > deadline:
                raise ServerStartError(f"{self.options.label} did not report its port in {self.timeout:.0f} s")
            time.sleep(0.02)

    def _python_env(self) -> dict[str, str]:
        """Tells the process it starts that it runs under ``options.python`` already."""
        return {ENV_SERVER_PYTHON: self.options.python} if self.options.python else {}

    def died(self) -> str | None:
        if self._proc is None or self._proc.poll() is None:
            return None
        return f"{self.options.label} server exited on start with code {self._proc.returncode}:\n{self.log_tail()}"

    def log_tail(self, lines: int = 20) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        try:
            if self._proc is not None:
                self._stop_process(self._proc)
        finally:
            self._proc = None
            if self._log is not None:
                self._log.close()
                self._log = None
            if self._tmpdir is not None:
                self._tmpdir.cleanup()
                self._tmpdir = None

    def _stop_process(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGTERM to its process group (the session is its own), SIGKILL if it lingers; then
        wait for its children (Flask's reloader child, a production server's workers), which
        share the group, to be gone too."""
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:
            children = []
        for sig, wait in ((signal.SIGTERM, self.timeout), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        psutil.wait_procs(children, timeout=10)
