"""Benchmark: the authenticated read against the bare framework, interleaved, optionally profiled.

    python bench/reads.py                          # SQLite, one worker, 3 rounds of 8 s runs
    python bench/reads.py --rounds 5 --markdown
    python bench/reads.py --profile read.txt       # first, a py-spy profile of the worker (raw format)

The read half of ``bench/intake.py``, with its harness (the same two servers started the same way,
the same wrk script and bounds): a round runs ``echo`` (``POST /echo`` on the bare app, the baseline
of issue 11's ratio), ``bare GET`` (``GET /echo/{id}``) and ``read`` (``GET /api/v1/tickets/{id}``
with a team token, checked on every request) one after the other, so the ratios are taken within
seconds of each other on a shared machine. No intake runs in between, so the read is measured with
no commit landing meanwhile (on SQLite a commit empties the token check's memo, see
docs/performance.md). ``--profile FILE`` records the service's worker with py-spy
(``--nonblocking``, raw collapsed stacks) during one extra read run before the rounds; py-spy must
be on the PATH or beside this Python. Any non-2xx answer, socket error or timeout exits 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # bench/intake.py: the harness


def _py_spy() -> str:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8, help="time limit of each run (default 8)")
    parser.add_argument("--requests", type=int, default=200_000, help="answers per run at most (200,000)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of interleaved runs (default 3)")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "wrk", help="the wrk binary")
    parser.add_argument("--profile", type=Path, metavar="FILE", help="py-spy raw profile of one read run")
    parser.add_argument("--service-src", type=Path, metavar="DIR", help="serve the service from there")
    args = parser.parse_args()

    print(intake._versions())
    work = Path(tempfile.mkdtemp(prefix="reads-"))
    url = f"sqlite+aiosqlite:///{work / 'reads.db'}"
    token = intake._token(url, args.service_src)
    echo_port, service_port = intake._free_port(), intake._free_port()
    echo = intake._serve_echo(echo_port, 1, work / "echo.log")
    service = intake._serve_service(url, service_port, 1, work / "service.log", args.service_src)
    rounds: list[dict[str, Any]] = []
    try:
        intake._wait_until_up(f"http://{intake.HOST}:{echo_port}/ready", echo)
        intake._wait_until_up(f"http://{intake.HOST}:{service_port}/api/v1/ready", service)
        ticket_id = intake._post_ticket(service_port, token)
        read_path = f"/api/v1/tickets/{ticket_id}"
        warm: dict[str, Any] = {"seconds": 2, "connections": 16}
        intake._wrk(args, echo_port, mode="get", path=f"/echo/{ticket_id}", **warm)
        intake._wrk(args, service_port, mode="get", path=read_path, token=token, **warm)
        if args.profile is not None:
            spy = subprocess.Popen(
                [_py_spy(), "record", "--nonblocking", "-r", "200", "--format", "raw",
                 "-d", str(round(args.seconds)), "-o", str(args.profile), "-p", str(service.pid)]
            )  # fmt: skip
            profiled = intake._wrk(args, service_port, mode="get", path=read_path, token=token)
            spy.wait()
            print(f"profiled read run: {profiled['rps']:,.0f} req/s -> {args.profile}")
        for number in range(1, args.rounds + 1):
            runs = {
                "echo": intake._wrk(args, echo_port, mode="ticket", path="/echo"),
                "bare_get": intake._wrk(args, echo_port, mode="get", path=f"/echo/{ticket_id}"),
                "read": intake._wrk(args, service_port, mode="get", path=read_path, token=token),
            }
            rounds.append({"round": number, **runs})
            echo_rps, get_rps, read_rps = (runs[k]["rps"] for k in ("echo", "bare_get", "read"))
            p99 = runs["read"]["p99_us"] / 1000
            print(
                f"round {number} (load {runs['echo']['load']:.2f}): echo {echo_rps:,.0f} req/s, "
                f"bare GET {get_rps:,.0f}, read {read_rps:,.0f} (p99 {p99:.1f} ms): "
                f"read ÷ echo {read_rps / echo_rps:.0%}, ÷ bare GET {read_rps / get_rps:.0%}",
                flush=True,
            )
    finally:
        intake._stop(service, work / "service.log")
        intake._stop(echo, work / "echo.log")
        shutil.rmtree(work, ignore_errors=True)
    errors = sum(r[k]["errors"] for r in rounds for k in ("echo", "bare_get", "read"))
    if args.markdown:
        print()
        print("| round | load | echo req/s | bare GET req/s | read req/s | p99 | read ÷ echo | ÷ bare GET |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rounds:
            echo_rps, get_rps, read_rps = (r[k]["rps"] for k in ("echo", "bare_get", "read"))
            p99 = r["read"]["p99_us"] / 1000
            print(
                f"| {r['round']} | {r['echo']['load']:.2f} | {echo_rps:,.0f} | {get_rps:,.0f} | "
                f"{read_rps:,.0f} | {p99:.1f} ms | **{read_rps / echo_rps:.0%}** | {read_rps / get_rps:.0%} |"
            )
    print(f"errors {errors}; nproc {os.cpu_count()}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
