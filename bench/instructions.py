"""Instructions per request, counted by valgrind's callgrind: repeatable where req/s is not.

Usage (after `make bench` has seeded bench-results/*.sqlite3; needs valgrind: apt-get install valgrind):
    python bench/instructions.py / '/customers?page=1&per_page=10' /customers/7 [--requests 100]
    python bench/instructions.py /service-tickets/100001/add-part/1001 --method PUT --body '{"quantity": 1}'
    python bench/instructions.py /suppliers --method POST --body '{"name": "S {n}"}' --header 'Idempotency-Key: k-{n}'
    python bench/instructions.py /customers/7 --header 'If-None-Match: "<its ETag>"' --status 304

`{n}` in a body or header is the request's number in its run, after a prefix of its own per run, so each request
sends a key or name no run before it used.

For each path, it runs Django's full handler in-process (middleware, DRF, authentication, throttles) as the
bench's staff account, under callgrind twice: after 20 warm-up requests, and after those plus `--requests` more.
The difference divided by `--requests` is what one request costs, in CPU instructions: the same number run after
run on one machine, whatever else the machine is doing (the garbage collector is off while the requests run), so
two builds can be compared to within a percent where wrk's rates move by ±8% or more (docs/performance.md). It
counts the Python process only: SQLite runs in it, the network does not.
"""

import argparse
import gc
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 20


def run_requests(path: str, count: int, method: str, body: str | None, headers: list[str], status: int) -> None:
    """The child: set up Django on the bench database and make WARMUP + `count` requests to `path`."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from mechanic_shop.accounts.tokens import issue_tokens

    staff = get_user_model().objects.get(username="bench-staff")
    _, access = issue_tokens(staff, "staff")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {access}")
    call = getattr(client, method.lower())
    serial = iter(range(10**9))
    run = uuid.uuid4().hex[:8]

    def request() -> int:
        n = f"{run}-{next(serial)}"
        extra = {}
        for header in headers:
            name, _, value = header.partition(":")
            extra["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip().replace("{n}", n)
        data = body.replace("{n}", n) if body is not None else None
        return call(path, data=data, content_type="application/json", **extra).status_code

    for _ in range(WARMUP):
        answered = request()
        if answered != status:
            raise SystemExit(f"{method} {path} answered {answered}, not {status}")
    # The cyclic garbage collector runs every so many allocations, not every request: left on, it would land in one
    # run's requests and not the other's. Off, the count is what the requests themselves cost.
    gc.collect()
    gc.disable()
    for _ in range(count):
        request()


def instructions(path: str, count: int, env: dict, args: argparse.Namespace) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        path,
        "--requests",
        str(count),
        "--method",
        args.method,
        "--status",
        str(args.status),
        *(["--body", args.body] if args.body is not None else []),
        *(f"--header={header}" for header in args.header),
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default=None, help="JSON body; {n} is the request's number")
    parser.add_argument("--header", action="append", default=[], help="'Name: value', repeatable; {n} as in --body")
    parser.add_argument("--status", type=int, default=200, help="the status every request must answer")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("DEBUG", "false")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvw")
    env.setdefault("JWT_SIGNING_KEY", "bench-only-jwt-key-0123456789-abcdefghijklmnopqrstuv")
    # The requests are made for Django's test host, whatever hosts the shell's ALLOWED_HOSTS already names.
    env["ALLOWED_HOSTS"] = ",".join([*filter(None, env.get("ALLOWED_HOSTS", "").split(",")), "testserver"])
    env.setdefault("THROTTLE_USER_RATES", "100000000/hour,100000000/hour")
    env.setdefault("LOG_LEVEL", "WARNING")
    env["PYTHONHASHSEED"] = "0"  # the same string hashing in every run
    env["DJANGO_SETTINGS_MODULE"] = "mechanic_shop.settings"
    if not env.get("DATABASE_URL"):
        databases = sorted((ROOT / "bench-results").glob("bench-*.sqlite3"))
        if not databases:
            print("No bench database: run `make bench` first.")
            return 2
        env["DATABASE_URL"] = f"sqlite:///{databases[-1]}"

    if args.child:
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        run_requests(args.paths[0], args.requests, args.method, args.body, args.header, args.status)
        return 0

    print(f"{'path':<50} instructions/request")
    for path in args.paths:
        per_request = (instructions(path, args.requests, env, args) - instructions(path, 0, env, args)) // args.requests
        print(f"{path:<50} {per_request:>14,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
