"""`make stock-race`: race mixed stock changes on a few parts against a real server, then `manage.py check_stock`.

On the database DATABASE_URL names (CI: its MariaDB; else a fresh SQLite file in a temp dir): migrate, make a staff
account with the Manager role, three parts and four tickets through the services, start gunicorn with four workers,
and send REQUESTS (default 300) requests from 16 threads at once: parts onto tickets and back, adjustments either
way, stock set by PATCH, purchase orders placed and received when the API has them. Then stop the server and run
`manage.py check_stock`, whose exit code this script returns: for every part the movements must sum to the stock and
their balances form one chain, whatever order the workers ran in.
"""

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("STOCK_RACE_REQUESTS", "300"))

SETUP = """
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from customers.models import Customer
from inventory.services import part_create
from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens
from tickets.services import ticket_create
user, _ = get_user_model().objects.get_or_create(username="stock-race", defaults={"is_staff": True})
user.groups.set([Group.objects.get(name="Manager")])
customer = Customer.objects.create(name="Stock Race", email=f"race-{user.pk}-{Customer.objects.count()}@example.com",
                                   phone_number="555-0100")
parts = [part_create(name=f"Race part {i}", price=Decimal("9.99"), quantity_in_stock=25, by=user) for i in range(3)]
tickets = [ticket_create(customer=customer, vin="1HGCM82633A004352", service_date="2026-01-05",
                         description=f"Race {i}") for i in range(4)]
print(json.dumps({"token": issue_tokens(user, ROLE_STAFF)[1], "parts": [p.pk for p in parts],
                  "tickets": [t.pk for t in tickets]}))
"""


def manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(done.returncode)
    return done.stdout


def call(base: str, token: str, method: str, path: str, body: dict | None) -> tuple[int, object]:
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def operations(rng: random.Random, parts: list[int], tickets: list[int], purchasing: bool) -> list[tuple]:
    ops = []
    for _ in range(REQUESTS):
        part, ticket = rng.choice(parts), rng.choice(tickets)
        choices = [
            ("PUT", f"/service-tickets/{ticket}/add-part/{part}", {"quantity": rng.randint(1, 4)}),
            ("PUT", f"/service-tickets/{ticket}/remove-part/{part}", {"quantity": rng.randint(1, 2)}),
            ("POST", f"/inventory/{part}/adjust", {"delta": rng.choice([-5, -1, 1, 3, 8]), "note": "race"}),
            ("PATCH", f"/inventory/{part}", {"quantity_in_stock": rng.randint(0, 30)}),
        ]
        if purchasing:
            choices.append(("RECEIVE", part, rng.randint(1, 6)))
        ops.append(rng.choice(choices))
    return ops


def main() -> int:
    env = {**os.environ, "DEBUG": "false", "LOG_LEVEL": "ERROR", "THROTTLE_ENABLED": "false"}
    env.setdefault("SECRET_KEY", "stock-race-only-secret-key-0123456789-abcdefghijklmnopqrstuvw")
    env.setdefault("JWT_SIGNING_KEY", "stock-race-only-jwt-key-0123456789-abcdefghijklmnopqrstuvw")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    workdir = tempfile.mkdtemp(prefix="mechanic-shop-stock-race.")
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{workdir}/race.sqlite3"
    manage(env, "migrate", "--noinput")
    manage(env, "setup_roles")
    made = json.loads(manage(env, "shell", "-c", "import json\n" + SETUP).splitlines()[-1])
    token, parts, tickets = made["token"], made["parts"], made["tickets"]

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "mechanic_shop.wsgi:application"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "4", "GUNICORN_ACCESSLOG": ""},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer /health")
        purchasing = call(base, token, "GET", "/suppliers", None)[0] == 200
        supplier = None
        if purchasing:
            status, body = call(base, token, "POST", "/suppliers", {"name": "Race Supplies"})
            supplier = body["id"] if status == 201 else None
            purchasing = supplier is not None

        def run(op: tuple) -> int:
            method, *rest = op
            if method == "RECEIVE":  # order a part and receive it, in three requests
                part, quantity = rest
                lines = [{"part_id": part, "quantity": quantity, "unit_cost": "4.00"}]
                status, order = call(base, token, "POST", "/purchase-orders", {"supplier_id": supplier, "lines": lines})
                if status != 201:
                    return status
                call(base, token, "POST", f"/purchase-orders/{order['id']}/order", {})
                return call(base, token, "POST", f"/purchase-orders/{order['id']}/receive", {})[0]
            path, body = rest
            return call(base, token, method, path, body)[0]

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(run, operations(random.Random(14), parts, tickets, purchasing)))
        counts = {status: statuses.count(status) for status in sorted(set(statuses))}
        print(f"{len(statuses)} requests in {time.monotonic() - started:.1f}s, by status: {counts}"
              f"{' (receipts included)' if purchasing else ''}")  # fmt: skip
        if any(status >= 500 for status in statuses):
            print("A request failed with a server error.", file=sys.stderr)
            return 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    done = subprocess.run([sys.executable, "manage.py", "check_stock"], cwd=ROOT, env=env)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
