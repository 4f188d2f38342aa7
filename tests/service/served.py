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

__all__ = ["Served", "cli", "free_port", "serving", "units_file"]


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
