"""Instructions per request, counted by valgrind's callgrind: repeatable where req/s is not.

Usage (after `make bench` has seeded bench-results/*.sqlite3; needs valgrind: apt-get install valgrind):
    python bench/instructions.py / '/customers?page=1&per_page=10' /customers/7 [--requests 100]

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARMUP = 20


def run_requests(path: str, count: int) -> None:
    """The child: set up Django on the bench database and make WARMUP + `count` requests to `path`."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from mechanic_shop.accounts.tokens import issue_tokens

    staff = get_user_model().objects.get(username="bench-staff")
    _, access = issue_tokens(staff, "staff")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {access}")
    for _ in range(WARMUP):
        status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    # The cyclic garbage collector runs every so many allocations, not every request: left on, it would land in one
    # run's requests and not the other's. Off, the count is what the requests themselves cost.
    gc.collect()
    gc.disable()
    for _ in range(count):
        client.get(path)


def instructions(path: str, count: int, env: dict) -> int:
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
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    env = dict(os.environ)
    env.setdefault("DEBUG", "false")
    env.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvw")
    env.setdefault("JWT_SIGNING_KEY", "bench-only-jwt-key-0123456789-abcdefghijklmnopqrstuv")
    env.setdefault("ALLOWED_HOSTS", "testserver")
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
        run_requests(args.paths[0], args.requests)
        return 0

    print(f"{'path':<50} instructions/request")
    for path in args.paths:
        per_request = (instructions(path, args.requests, env) - instructions(path, 0, env)) // args.requests
        print(f"{path:<50} {per_request:>14,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
