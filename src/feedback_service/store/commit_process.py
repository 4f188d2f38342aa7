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
read on the event loop (``add_reader``), in order, so nothing waits on a thread. Frames are written
without blocking (``add_writer`` takes over when the pipe is full), so a large group or a child still
starting never holds the event loop. If the child cannot start, answers an error, dies, or does not
answer within :data:`ANSWER_SECONDS`, the caller is told, and the writer runs the group in its
thread, write by write, exactly as for any failed group. A group the child had not answered may
still have been committed (it died between its ``COMMIT`` and its answer): running it again is
safe only because every write sent here is idempotent (``database.inserts_only``: a ticket's
creation finds its id taken and answers with the stored ticket, as for a client's retry). After
:data:`MAX_FAILURES` failures in a row the writer keeps to its thread. The child ends when this side
closes its input.
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
"""Children in a row that may die or fail to start before the writer stops asking for one."""
ANSWER_SECONDS = 90.0
"""How long a group may wait for the child's answer (SQLite's busy timeout is 30 s) before the child
is taken for stuck: it is killed, and the group goes to the writer thread."""
_HEADER = 4  # commit_child.HEADER (that file is a program, not imported)
Statements = list[tuple[str, list[Any]]]
"""A group's statements, in order: the SQL and its values, already converted for SQLite."""
Done = Callable[[str | None], None]
"""Told ``None`` once the group committed, or why it did not (nothing of it is stored then)."""
_encode = msgspec.msgpack.Encoder().encode


class CommitProcess:
    """The child that commits groups for one SQLite file; started on first use, used by one event
    loop at a time (the writer's: :meth:`listen_on` moves it)."""

    def __init__(self, path: str, pragmas: Sequence[str]) -> None:
        self._path = path
        self._pragmas = list(pragmas)
        self._child: subprocess.Popen[bytes] | None = None
        self._waiting: collections.deque[Done] = collections.deque()
        self._incoming = bytearray()
        self._outgoing = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None
        """The event loop whose reader (and writer, while frames wait) watch the pipes."""
        self._deadline: asyncio.TimerHandle | None = None
        self.failures = 0
        """Failures in a row: children that died, could not start, or did not answer."""
        self.commits = 0
        """Groups it committed (for tests and benchmarks)."""

    def usable(self) -> bool:
        """Whether groups can go to a child: one is running, or may be started now."""
        if self._child is not None and self._child.poll() is None:
            return True
        if self._child is not None and self._waiting:  # it died before its end was read
            self._died(asyncio.get_running_loop())
        self._stop_child()
        return self.failures < MAX_FAILURES and self._start(asyncio.get_running_loop())

    def commit(self, statements: Statements, done: Done) -> None:
        """Have the child run ``statements`` in one transaction; ``done`` is called on the event loop."""
        loop = asyncio.get_running_loop()
        try:
            payload = _encode(statements)
        except Exception as exc:  # a value msgpack cannot carry: the thread stores it
            loop.call_soon(done, f"cannot send the group: {type(exc).__name__}")
            return
        if self._child is None:
            loop.call_soon(done, "no commit process")
            return
        self._waiting.append(done)
        self.listen_on(loop)
        self._queue(payload)
        self._deadline = loop.call_later(ANSWER_SECONDS, self._overdue)

    def listen_on(self, loop: asyncio.AbstractEventLoop) -> None:
        """Watch the child's pipes on ``loop`` from now on (its answers are handled there)."""
        if self._loop is loop or self._child is None:
            return
        self._unwatch()
        assert self._child.stdout is not None and self._child.stdin is not None
        loop.add_reader(self._child.stdout.fileno(), self._readable)
        if self._outgoing:
            loop.add_writer(self._child.stdin.fileno(), self._writable)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = loop.call_later(ANSWER_SECONDS, self._overdue)
        self._loop = loop

    def close(self) -> None:
        """Let the child finish what it was given, then end it (it ends when its input closes)."""
        child = self._child
        if child is None:
            return
        self._unwatch()
        if child.stdin is not None:
            with contextlib.suppress(OSError):
                os.set_blocking(child.stdin.fileno(), True)
                child.stdin.write(self._outgoing)
                self._outgoing.clear()
                child.stdin.close()
        try:
            child.wait(timeout=ANSWER_SECONDS)
        except subprocess.TimeoutExpired:  # pragma: no cover - a child stuck in the disk
            child.kill()
            child.wait()
        self._drop_child()

    def _start(self, loop: asyncio.AbstractEventLoop) -> bool:
        try:
            child = subprocess.Popen(
                [sys.executable, "-P", str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        except Exception:  # no interpreter to run it with, or no process may be made here
            self.failures += 1
            return False
        assert child.stdout is not None and child.stdin is not None
        os.set_blocking(child.stdout.fileno(), False)
        os.set_blocking(child.stdin.fileno(), False)
        self._child = child
        self._incoming.clear()
        self._outgoing.clear()
        # Its answer to the greeting is the first frame; nobody waits for it but the order.
        self._waiting.append(_greeted)
        self.listen_on(loop)
        self._queue(_encode([self._path, self._pragmas]))
        return True

    def _queue(self, payload: bytes) -> None:
        """Write a frame now, as far as the pipe takes it; the rest when it drains."""
        pending = not self._outgoing
        self._outgoing += len(payload).to_bytes(_HEADER, "big") + payload
        if pending:
            self._writable()

    def _writable(self) -> None:
        child, loop = self._child, self._loop
        if child is None or child.stdin is None or loop is None:
            return
        fd = child.stdin.fileno()
        try:
            while self._outgoing:
                written = os.write(fd, self._outgoing)
                del self._outgoing[:written]
        except BlockingIOError:  # the pipe is full: go on when it drains
            loop.add_writer(fd, self._writable)
            return
        except OSError:  # it has died; its end on the other pipe says so to everyone waiting
            self._outgoing.clear()
        loop.remove_writer(fd)

    def _readable(self) -> None:
        child, loop = self._child, self._loop
        if child is None or child.stdout is None or loop is None:
            return
        try:
            data = os.read(child.stdout.fileno(), 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # it has died (whether its last group was committed is not known)
            self._died(loop)
            return
        self._incoming += data
        while len(self._incoming) >= _HEADER:
            size = int.from_bytes(self._incoming[:_HEADER], "big")
            if len(self._incoming) < _HEADER + size:
                break
            payload = bytes(self._incoming[_HEADER : _HEADER + size])
            del self._incoming[: _HEADER + size]
            done = self._waiting.popleft()
            try:
                reply: str | None = msgspec.msgpack.decode(payload)
            except msgspec.DecodeError:  # not the child we started: take it for dead
                self._waiting.appendleft(done)
                self._died(loop)
                return
            if done is not _greeted:
                if self._deadline is not None:
                    self._deadline.cancel()
                    self._deadline = None
                if reply is None:
                    self.commits += 1
                    self.failures = 0
            loop.call_soon(done, reply)

    def _overdue(self) -> None:
        """No answer in :data:`ANSWER_SECONDS`: the child is taken for stuck and ended."""
        self._deadline = None
        if self._loop is not None and self._waiting:
            self._died(self._loop)

    def _died(self, loop: asyncio.AbstractEventLoop) -> None:
        """The child is gone: everyone waiting is told (asynchronously), and the next use starts another."""
        waiting = list(self._waiting)
        self._waiting.clear()
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._stop_child()
        self.failures += 1
        for done in waiting:
            loop.call_soon(done, "the commit process ended before it answered")

    def _unwatch(self) -> None:
        loop, self._loop = self._loop, None
        child = self._child
        if loop is None or child is None:
            return
        with contextlib.suppress(Exception):  # (that loop may be closed already)
            if child.stdout is not None:
                loop.remove_reader(child.stdout.fileno())
            if child.stdin is not None:
                loop.remove_writer(child.stdin.fileno())

    def _stop_child(self) -> None:
        child = self._child
        if child is None:
            return
        self._unwatch()
        if child.poll() is None:
            child.kill()
        child.wait()
        self._drop_child()

    def _drop_child(self) -> None:
        child, self._child = self._child, None
        self._outgoing.clear()
        self._incoming.clear()
        if child is not None:
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()


def _greeted(error: str | None) -> None:
    """The child's answer to its greeting: an error means it could not open the file and has ended,
    so the next frame finds it gone (and counts the failure)."""
