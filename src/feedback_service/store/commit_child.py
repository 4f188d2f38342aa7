"""The commit process's own program: a group's statements in one SQLite transaction, committed.

Run as a file (``python -P commit_child.py``), not imported: it needs only ``sqlite3`` and
``msgspec``, so it starts in tens of milliseconds, and ``-P`` keeps this directory (whose
``types.py`` would shadow the standard library's) off its path. It reads frames from standard input
and answers each on standard output (:mod:`feedback_service.store.commit_process` speaks the other
side): the first frame is the file and its ``PRAGMA`` statements, each later one a list of
``[sql, values]`` that it runs between ``BEGIN IMMEDIATE`` and ``COMMIT``, answering ``None`` once
committed or the error's text once rolled back (SQLite's messages name tables and columns, never
values; the parent shows it to nobody: it runs the group again in its own thread). It ignores
SIGINT and SIGTERM: it ends when its parent closes the pipe, after it has committed everything it
was given, however the parent is stopped.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
from typing import IO, Any

import msgspec

HEADER = 4
"""Bytes of a frame's length, big-endian, before its msgpack payload."""


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame's payload, or ``None`` at the end of the stream."""
    header = stream.read(HEADER)
    if len(header) < HEADER:
        return None
    size = int.from_bytes(header, "big")
    payload = stream.read(size)
    return payload if len(payload) == size else None


def frame(payload: bytes) -> bytes:
    return len(payload).to_bytes(HEADER, "big") + payload


def commit(conn: sqlite3.Connection, statements: list[tuple[str, list[Any]]]) -> str | None:
    """Run ``statements`` in one write transaction and commit it; ``None``, or what went wrong."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        for sql, values in statements:
            conn.execute(sql, values).close()
        conn.execute("COMMIT")
    except Exception as exc:  # SQLite's error, or a value it cannot bind (an int past 64 bits)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        return f"{type(exc).__name__}: {exc}"
    return None


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    incoming, outgoing = sys.stdin.buffer, sys.stdout.buffer
    decode, encode = msgspec.msgpack.decode, msgspec.msgpack.Encoder().encode
    hello = read_frame(incoming)
    if hello is None:
        return 0
    path, pragmas = decode(hello)
    conn = sqlite3.connect(path, isolation_level=None, cached_statements=256)
    try:
        try:
            for pragma in pragmas:
                conn.execute(pragma).close()
        except sqlite3.Error as exc:  # the file cannot be written: say so, and end
            outgoing.write(frame(encode(f"{type(exc).__name__}: {exc}")))
            outgoing.flush()
            return 1
        outgoing.write(frame(encode(None)))
        outgoing.flush()
        while (payload := read_frame(incoming)) is not None:
            outgoing.write(frame(encode(commit(conn, decode(payload)))))
            outgoing.flush()
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
