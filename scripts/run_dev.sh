#!/usr/bin/env bash
# `make run`'s last step: the development server and one background worker (webhook deliveries, customer e-mail),
# started together and stopped together: Ctrl+C, or either of them ending, stops both.
# Usage: scripts/run_dev.sh PYTHON HOST:PORT  (the environment holds the settings).
set -u
PY=$1
ADDRESS=$2
set -m  # each background job in a process group of its own, so stopping one stops its children (the reloader's)
"$PY" manage.py db_worker --no-reload --interval 1 &
WORKER=$!
"$PY" manage.py runserver "$ADDRESS" &
WEB=$!
stop() {
    trap - INT TERM EXIT
    kill -TERM -- "-$WEB" "-$WORKER" 2>/dev/null
    wait "$WEB" "$WORKER" 2>/dev/null
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT
echo "worker: pid $WORKER; web server: pid $WEB"
# Whichever ends first (a crash, a port in use), the other goes too.
wait -n "$WEB" "$WORKER"
