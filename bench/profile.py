"""Where a request's time goes: run one endpoint many times in-process under pyinstrument and print the tree.

Usage (after `make bench` has seeded bench-results/*.sqlite3, or with DATABASE_URL/REDIS_URL set):
    python bench/profile.py /customers?page=1&per_page=10 [--requests 2000] [--customer] [--method GET]

Requests go through Django's full handler (middleware, DRF, authentication, throttles) with a real staff or
customer JWT, exactly as under gunicorn, minus the socket.
"""

import argparse
import glob
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOW = r".*(rest_framework|jwt|mechanic_shop|cache)"
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--customer", action="store_true", help="Call with the bench customer's token.")
    parser.add_argument("--anonymous", action="store_true")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default=None, help="JSON body")
    parser.add_argument("--flat", action="store_true", help="Functions by their own time instead of the tree.")
    args = parser.parse_args()

    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvw")
    os.environ.setdefault("JWT_SIGNING_KEY", "bench-only-jwt-key-0123456789-abcdefghijklmnopqrstuv")
    # The requests are made for Django's test host, whatever hosts the shell's ALLOWED_HOSTS already names.
    hosts = [host for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host]
    os.environ["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
    os.environ.setdefault("THROTTLE_USER_RATES", "100000000/hour,100000000/hour")
    os.environ.setdefault("THROTTLE_ANON_RATES", "100000000/hour,100000000/hour")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not os.environ.get("DATABASE_URL"):
        databases = sorted(glob.glob(str(ROOT / "bench-results" / "bench-*.sqlite3")))
        if not databases:
            print("No bench database: run `make bench` first.")
            return 2
        os.environ["DATABASE_URL"] = f"sqlite:///{databases[-1]}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "mechanic_shop.settings"

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from pyinstrument import Profiler

    from customers.models import Customer
    from mechanic_shop.accounts.authentication import ROLE_CUSTOMER, ROLE_STAFF
    from mechanic_shop.accounts.tokens import issue_tokens

    if args.anonymous:
        headers = {}
    elif args.customer:
        user = Customer.objects.exclude(user=None).order_by("id").first().user
        headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_tokens(user, ROLE_CUSTOMER)[1]}"}
    else:
        user = get_user_model().objects.get(username="bench-staff")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_tokens(user, ROLE_STAFF)[1]}"}
    client = Client()
    call = getattr(client, args.method.lower())
    kwargs = {"content_type": "application/json", **headers}
    if args.body:
        kwargs["data"] = args.body
    first = call(args.path, **kwargs)
    print(f"{args.method} {args.path} → {first.status_code}, {len(first.content)} bytes")
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(args.requests):
            call(args.path, **kwargs)
    session = profiler.last_session
    print(f"{session.duration / args.requests * 1000:.3f} ms per request in-process (profiler overhead included)")
    print(
        profiler.output_text(
            unicode=True,
            color=False,
            flat=args.flat,
            show_all=args.flat,
            # Show the framework's own frames (what DRF, auth and caching cost), hide the plumbing below 1.5%;
            # PROFILE_SHOW="<regex>" shows other frames (e.g. ".*middleware").
            processor_options={"filter_threshold": 0.015, "show_regex": os.environ.get("PROFILE_SHOW", SHOW)},
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
