#!/usr/bin/env bash
# `make run`: migrate, load the demo data, start a Celery worker with beat and serve
# (scripts/serve.sh).
# Embedded default with no environment: SQLite file, console email, filesystem broker.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py migrate --noinput
$PY manage.py seed_demo

worker_pid=""
if [ "${RUN_WORKER:-1}" = "1" ]; then
  mkdir -p var/celery
  .venv/bin/celery -A portal worker --beat --pool=solo --loglevel=INFO \
    --schedule var/celery/beat-schedule >var/celery/worker.log 2>&1 &
  worker_pid=$!
  echo "Celery worker with beat started (log: var/celery/worker.log)."
fi
trap '[ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null || true' EXIT INT TERM

# gunicorn on PostgreSQL, runserver on the SQLite default (scripts/serve.sh says why).
PORT="$PORT" bash scripts/serve.sh
