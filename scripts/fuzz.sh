#!/usr/bin/env bash
# `make fuzz`: fuzz the live API against its own OpenAPI schema with Schemathesis.
#
# The schema must generate with no warning and validate (`spectacular --validate --fail-on-warn`). Then a fresh
# SQLite database in a temp dir, seeded small; gunicorn on a free port with production settings (DEBUG off, real
# secrets) and throttles off (429s would hide everything else); and two Schemathesis runs against /api/schema: every
# operation with a superuser's token, and the operations a customer can call with a customer's token. Any failure —
# a 5xx, a status code, header or body the schema does not document, a wrong content type, a check that does not
# hold — or a traceback in the server log exits non-zero. The temp dir (server log, reports) is kept when the run
# fails.
#
# Settings (environment): FUZZ_MAX_EXAMPLES (50 per operation), FUZZ_TIME_LIMIT (900 s for all of Schemathesis),
# FUZZ_SEED (unset: a new seed each run, printed so a failure can be replayed), FUZZ_WORKERS (1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY="${PY:-$ROOT/.venv/bin/python}"
GUNICORN="${GUNICORN:-$ROOT/.venv/bin/gunicorn}"
SCHEMATHESIS="${SCHEMATHESIS:-$ROOT/.venv-fuzz/bin/schemathesis}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-50}"
TIME_LIMIT="${FUZZ_TIME_LIMIT:-900}"
# One Schemathesis worker: with two threads, Hypothesis's concurrent ast.parse trips a CPython 3.11 bug now and then
# ("SystemError: AST constructor recursion depth mismatch", python/cpython#106905), failing the run for nothing.
WORKERS="${FUZZ_WORKERS:-1}"
SEED="${FUZZ_SEED:-$("$PY" -c 'import secrets; print(secrets.randbelow(2**31))')}"

WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/mechanic-shop-fuzz.XXXXXX")"
export FUZZ_WORKDIR="$WORKDIR"  # read by scripts/schemathesis.toml
# Hypothesis keeps its example database and caches here rather than in .hypothesis/ in the work tree.
export HYPOTHESIS_STORAGE_DIRECTORY="$WORKDIR/hypothesis"
SERVER_PID=""
RESULT=1

cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ "$RESULT" -eq 0 ]]; then
        rm -rf "$WORKDIR"
    else
        echo "fuzz: kept $WORKDIR (server.log, *.log, report/) for inspection" >&2
    fi
}
trap cleanup EXIT

secret() { "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))'; }

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE_URL="http://127.0.0.1:$PORT"
STAFF_USERNAME="fuzz-staff"
STAFF_PASSWORD="$(secret)"
CUSTOMER_PASSWORD="$(secret)"

# Production-like settings; every value set here, so neither a .env file nor the caller's environment leaks in.
export DEBUG=false
export SECRET_KEY="$(secret)"
export JWT_SIGNING_KEY="$(secret)"
export ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="sqlite:///$WORKDIR/fuzz.sqlite3"
export REDIS_URL=""
export THROTTLE_ENABLED=false
export LOG_LEVEL=WARNING
export GUNICORN_BIND="127.0.0.1:$PORT"
# One worker is enough: Schemathesis, not the server, is the bottleneck here.
export GUNICORN_WORKERS=1
export GUNICORN_ACCESSLOG=""

echo "fuzz: database in $WORKDIR, server on $BASE_URL, seed $SEED"
# The schema first: generated with no warning and valid OpenAPI 3, or there is nothing sound to fuzz against.
"$PY" manage.py spectacular --validate --fail-on-warn --file "$WORKDIR/schema.yaml"
"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py setup_roles
"$PY" manage.py seed_shop --customers 20 --mechanics 5 --parts 20 --tickets 50 --seed 1
DJANGO_SUPERUSER_PASSWORD="$STAFF_PASSWORD" "$PY" manage.py createsuperuser --noinput \
    --username "$STAFF_USERNAME" --email fuzz-staff@example.com >/dev/null
# Link the superuser to a mechanic, so GET /mechanics/my-tickets has tickets to serve rather than only 403; give the
# customer with the most tickets a login for the customer pass.
CUSTOMER_EMAIL="$(FUZZ_STAFF_USERNAME="$STAFF_USERNAME" FUZZ_CUSTOMER_PASSWORD="$CUSTOMER_PASSWORD" \
    "$PY" manage.py shell --verbosity 0 -c "
import os
from django.contrib.auth import get_user_model
from django.db.models import Count
from customers.models import Customer
from customers.services import customer_set_password
from mechanics.models import Mechanic
mechanic = Mechanic.objects.filter(ticket_links__isnull=False).order_by('id').first()
mechanic.user = get_user_model().objects.get(username=os.environ['FUZZ_STAFF_USERNAME'])
mechanic.save(update_fields=['user'])
customer = Customer.objects.annotate(n=Count('service_tickets')).order_by('-n', 'id').first()
customer_set_password(customer=customer, password=os.environ['FUZZ_CUSTOMER_PASSWORD'])
print(customer.email)
")"

"$GUNICORN" -c gunicorn.conf.py mechanic_shop.wsgi:application >"$WORKDIR/server.log" 2>&1 &
SERVER_PID=$!

"$PY" - "$BASE_URL" <<'EOF'
import sys, time, urllib.request

deadline = time.monotonic() + 30
while True:
    try:
        with urllib.request.urlopen(f"{sys.argv[1]}/health", timeout=2) as response:
            if response.status == 200:
                break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("fuzz: the server did not answer /health within 30 s")
    time.sleep(0.2)
EOF

# token PATH BODY_JSON FIELD: POST the body and print that field of the answer.
token() {
    "$PY" - "$BASE_URL$1" "$2" "$3" <<'EOF'
import json, sys, urllib.request

url, body, field = sys.argv[1:]
request = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    print(json.load(response)[field])
EOF
}
credentials() { "$PY" -c 'import json, sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' "$@"; }
STAFF_TOKEN="$(token /auth/token "$(credentials username "$STAFF_USERNAME" password "$STAFF_PASSWORD")" access)"
CUSTOMER_TOKEN="$(token /customers/login "$(credentials email "$CUSTOMER_EMAIL" password "$CUSTOMER_PASSWORD")" token)"

DEADLINE=$((SECONDS + TIME_LIMIT))
SUMMARY=()
status=0

# run_pass NAME TOKEN [schemathesis options...]
run_pass() {
    local name="$1" bearer="$2" started=$SECONDS pass_status=0
    shift 2
    local budget=$((DEADLINE - SECONDS))
    if ((budget < 30)); then
        echo "fuzz: no time left for the $name pass" >&2
        SUMMARY+=("$name: not run (time limit)")
        return 1
    fi
    echo
    echo "fuzz: $name pass"
    # Every check but one. positive_data_acceptance expects each request the schema calls valid to succeed (2xx, or
    # 401/403/404/409), but the API answers 400 to requests that are well formed and break a rule no JSON Schema
    # can state: an email already registered, a customer or mechanic id that does not exist or an inactive mechanic,
    # a password Django's validators refuse (common, all digits, too like the name), a status change the lifecycle
    # does not allow, a pickup date before the service date, removing more of a part than the ticket has. The
    # converse, negative_data_rejection (whatever the schema calls invalid is refused), runs.
    timeout --signal=INT --kill-after=30 "$budget" \
        "$SCHEMATHESIS" --config-file "$ROOT/scripts/schemathesis.toml" run "$BASE_URL/api/schema" \
        --header "Authorization: Bearer $bearer" \
        --checks all \
        --exclude-checks positive_data_acceptance \
        --max-examples "$MAX_EXAMPLES" \
        --workers "$WORKERS" \
        --seed "$SEED" \
        --request-timeout 30 \
        --report junit --report-dir "$WORKDIR/report/$name" \
        --no-color "$@" 2>&1 | tee "$WORKDIR/$name.log" || pass_status=$?
    local log="$WORKDIR/$name.log"
    local operations cases failures
    operations="$(sed -n 's/^ *Tested: \([0-9]*\).*/\1/p' "$log" | tail -1)"
    cases="$(sed -n 's/^ *\([0-9]*\) generated.*/\1/p' "$log" | tail -1)"
    failures="$(sed -n 's/.* \([0-9]*\) unique failures\{0,1\}.*/\1/p' "$log" | tail -1)"
    SUMMARY+=("$name: ${operations:-?} operations, ${cases:-?} test cases, ${failures:-0} failures, exit $pass_status, $((SECONDS - started)) s")
    return "$pass_status"
}

run_pass staff "$STAFF_TOKEN" || status=1
# What a customer may call (its own record and tickets); the rest of these paths answer it 403, as documented.
run_pass customer "$CUSTOMER_TOKEN" --include-path-regex '^/(customers|service-tickets)' || status=1

TRACEBACKS="$(grep -c "Traceback" "$WORKDIR/server.log" || true)"
if [[ "$TRACEBACKS" -ne 0 ]]; then
    echo "fuzz: the server logged $TRACEBACKS traceback(s):" >&2
    grep -m 3 -A 20 "Traceback" "$WORKDIR/server.log" >&2 || true
    status=1
fi

echo
echo "fuzz summary (seed $SEED; replay with FUZZ_SEED=$SEED make fuzz)"
for line in "${SUMMARY[@]}"; do
    echo "  $line"
done
echo "  server tracebacks: $TRACEBACKS"
if [[ "$status" -eq 0 ]]; then
    echo "fuzz: passed"
else
    echo "fuzz: FAILED" >&2
fi
RESULT=$status
exit "$status"
