"""A child process that commits SQLite groups of ticket creations, beside the event loop's process.

Intake on SQLite is bounded by one process's GIL: the event loop parses and answers requests, and
SQLite's own work for each group (the inserts' B-tree pages, the ``COMMIT``'s write and ``fsync``)
ran on that process too, either on the loop or in a thread that had to win the GIL back from a busy
loop after every statement (docs/performance.md). A group of creations is pure data once its rows
are built: a few ``INSERT`` statements with their values, no read. :class:`CommitProcess` hands that
data to a child process of its own (``commit_child.py``, which imports only ``sqlite3`` and
``msgspec``), which runs it between ``BEGIN IMMEDIATE`` and ``COMMIT`` on its own connection, with
the same ``PRAGMA`` statements as every other connection of the service (``synchronous=FULL``), on
the other core, and answers once the ``COMMIT`` returned: a ``201`` still means the ticket is on disk.

Frames go over the child's standard input and output (a 4-byte length, then msgpack). Replies are
read on the event loop (``add_reader``), in order, so nothing waits on a thread. If the child cannot
start, answers an error, or dies, the caller is told (the writer then runs the group in its thread,
write by write, exactly as for any failed group); after :data:`MAX_FAILURES` such deaths the writer
keeps to its thread. The child ends when this side closes its input.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["CHILD", "MAX_FAILURES", "CommitProcess", "Statements"]

CHILD = Path(__file__).with_name("commit_child.py")
MAX_FAILURES = 3
"""Children that may die or fail to start before the writer stops asking for one."""
_HEADER = 4  # commit_child.HEADER (that file is a program, not imported)
Statements = list[tuple[str, list[Any]]]
"""A group's statements, in order: the SQL and its values, already converted for SQLite."""
Done = Callable[[str | None], None]
"""Told ``None`` once the group committed, or why it did not (nothing of it is stored then)."""
_encode = msgspec.msgpack.Encoder().encode


class CommitProcess:
    """The child that commits groups for one SQLite file; started on first use."""

    def __init__(self, path: str, pragmas: Sequence[str]) -> None:
        self._path = path
        self._pragmas = list(pragmas)
        self._child: subprocess.Popen[bytes] | None = None
        self._waiting: collections.deque[Done] = collections.deque()
        self._buffer = bytearray()
        self._reading: asyncio.AbstractEventLoop | None = None
        self.failures = 0
        """Children that died or could not start (for tests and metrics)."""
        self.commits = 0
        """Groups it committed (for tests and benchmarks)."""

    def usable(self) -> bool:
        """Whether groups can go to a child: one is running, or may be started now."""
        if self._child is not None and self._child.poll() is None:
            return True
        if self._child is not None and self._waiting:  # it died before its end was read
            self._died(asyncio.get_running_loop())
        self._stop_child()
        return self.failures < MAX_FAILURES and self._start()

    def commit(self, statements: Statements, done: Done) -> None:
        """Have the child run ``statements`` in one transaction; ``done`` is called on this event loop."""
        loop = asyncio.get_running_loop()
        try:
            payload = _encode(statements)
        except (TypeError, ValueError) as exc:  # a value msgpack cannot carry: the thread stores it
            loop.call_soon(done, f"cannot send the group: {exc}")
            return
        self._waiting.append(done)
        self._listen(loop)
        if not self._send(payload):
            self._died(loop)

    def close(self) -> None:
        """Let the child finish what it was given, then end it (it ends when its input closes)."""
        child = self._child
        if child is None:
            return
        self._stop_reading()
        if child.stdin is not None:
            with contextlib.suppress(OSError):
                child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - a child stuck in the disk
            child.kill()
            child.wait()
        self._drop_child()

    def _start(self) -> bool:
        try:
            child = subprocess.Popen(
                [sys.executable, "-P", str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        except Exception:  # no interpreter to run it with, or no process may be made here
            self.failures += 1
            return False
        assert child.stdout is not None
        os.set_blocking(child.stdout.fileno(), False)
        self._child = child
        self._buffer.clear()
        # Its answer to the greeting is the first frame; nobody waits for it but the order.
        self._waiting.append(self._greeted)
        if not self._send(_encode([self._path, self._pragmas])):
            self._waiting.clear()
            self._stop_child()
            self.failures += 1
            return False
        return True

    def _greeted(self, error: str | None) -> None:
        """The child's answer to its greeting: an error means it could not open the file and has
        ended, so the next frame fails (and counts the failure)."""

    def _send(self, payload: bytes) -> bool:
        child = self._child
        if child is None or child.stdin is None:
            return False
        try:
            child.stdin.write(len(payload).to_bytes(_HEADER, "big") + payload)
            child.stdin.flush()
        except OSError:  # it has died
            return False
        return True

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._reading is loop:
            return
        self._stop_reading()
        assert self._child is not None and self._child.stdout is not None
        loop.add_reader(self._child.stdout.fileno(), self._readable)
        self._reading = loop

    def _stop_reading(self) -> None:
        loop, self._reading = self._reading, None
        if loop is not None and self._child is not None and self._child.stdout is not None:
            with contextlib.suppress(Exception):  # (that loop may be closed already)
                loop.remove_reader(self._child.stdout.fileno())

    def _readable(self) -> None:
        child = self._child
        if child is None or child.stdout is None:
            return
        try:
            data = os.read(child.stdout.fileno(), 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # it has died: nothing it had not answered was committed
            loop = self._reading
            assert loop is not None
            self._died(loop)
            return
        self._buffer += data
        while len(self._buffer) >= _HEADER:
            size = int.from_bytes(self._buffer[:_HEADER], "big")
            if len(self._buffer) < _HEADER + size:
                break
            reply: str | None = msgspec.msgpack.decode(bytes(self._buffer[_HEADER : _HEADER + size]))
            del self._buffer[: _HEADER + size]
            done = self._waiting.popleft()
            if reply is None and done != self._greeted:
                self.commits += 1
            done(reply)
        if not self._waiting:
            self._stop_reading()

    def _died(self, loop: asyncio.AbstractEventLoop) -> None:
        """The child is gone: everyone waiting is told (asynchronously), and the next use starts another."""
        waiting = list(self._waiting)
        self._waiting.clear()
        self._stop_reading()
        self._stop_child()
        self.failures += 1
        for done in waiting:
            loop.call_soon(done, "the commit process exited")

    def _stop_child(self) -> None:
        child = self._child
        if child is None:
            return
        self._stop_reading()
        if child.poll() is None:
            child.kill()
        child.wait()
        self._drop_child()

    def _drop_child(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
