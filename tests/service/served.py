"""``feedback-service serve`` as a real process (uvicorn, N workers) on a free local port, for tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from digitransform.formats import write_units_csv

__all__ = ["Load", "Served", "cli", "free_port", "serving", "units_file"]


def free_port() -> int:
    """A port nobody listens on now (bound to 0 and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def units_file(directory: Path) -> str:
    """The small test tree (province P, communes C1 and C2) as a units.csv in ``directory``."""
    from service_api import small_tree

    path = directory / "units.csv"
    write_units_csv(list(small_tree()), path)
    return str(path)


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``feedback-service ARGV`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "feedback_service.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


class Served:
    """A running ``serve``: its base URL and process."""

    def __init__(self, process: subprocess.Popen[str], base: str) -> None:
        self.process = process
        self.base = base

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then the exit status once every worker has finished."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


@contextlib.contextmanager
def serving(
    database_url: str, units: str, *, workers: int = 1, env: dict[str, str] | None = None, log: Path
) -> Iterator[Served]:
    """``feedback-service serve --workers N`` until the block ends (stopped with SIGTERM); its
    stdout and stderr go to ``log``."""
    port = free_port()
    argv = [sys.executable, "-m", "feedback_service.cli", "serve", "--database-url", database_url]
    argv += ["--units", units, "--port", str(port), "--workers", str(workers)]
    with log.open("a") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
        )
    served = Served(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited with {process.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{served.base}/api/v1/ready", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve did not become ready: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Load:
    """Clients reporting tickets and acknowledging them, on threads, until :meth:`stop`.

    ``created`` lists the ids answered 201, in the order the answers came; ``statuses`` counts every
    answer by status (a 5xx is a failure of the service).
    """

    def __init__(self, base: str, team: str, official: str, *, clients: int = 4) -> None:
        import threading

        self.base = base
        self.team = {"Authorization": f"Bearer {team}"}
        self.official = {"Authorization": f"Bearer {official}"}
        self.created: list[str] = []
        self.statuses: dict[int, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)]
        for thread in self._threads:
            thread.start()

    def _count(self, status: int) -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def _run(self, index: int) -> None:
        from service_api import ticket_body

        with httpx.Client(base_url=self.base, timeout=60) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                try:
                    body = ticket_body()
                    answer = client.post("/api/v1/tickets", json=body, headers=self.team)
                    self._count(answer.status_code)
                    if answer.status_code == 201:
                        with self._lock:
                            self.created.append(body["id"])
                        if n % 2 == 0:
                            done = client.post(
                                f"/api/v1/tickets/{body['id']}/transitions",
                                json={"action": "acknowledge"},
                                headers={**self.official, "If-Match": answer.headers["etag"]},
                            )
                            self._count(done.status_code)
                except httpx.TransportError:
                    self._count(-1)  # the connection failed (counted; a test decides if that is allowed)

    def wait_for(self, tickets: int, timeout: float = 120) -> None:
        """Until at least ``tickets`` were created."""
        deadline = time.monotonic() + timeout
        while len(self.created) < tickets:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"only {len(self.created)} tickets created in {timeout} s: {self.statuses}"
                )
            time.sleep(0.05)

    def stop(self) -> dict[int, int]:
        """Stop the clients; the answers by status."""
        self._stop.set()
        for thread in self._threads:
            thread.join(120)
        return dict(self.statuses)
