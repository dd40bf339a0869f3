#!/usr/bin/env bash
# Serve the portal on 127.0.0.1:$PORT, as `make run` does (scripts/run.sh calls this).
# With DATABASE_URL (PostgreSQL): gunicorn with a fixed number of workers x threads, so the
# server never holds more database connections than that, each thread keeping at most one
# (settings' CONN_MAX_AGE). Runserver starts a thread per client connection, and each would
# keep its own database connection for as long as its client stays connected.
# On the embedded SQLite default (no DATABASE_URL, CONN_MAX_AGE 0): Django's runserver, whose
# request threads close their connection at the end of every request.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
PORT="${PORT:-8000}"
WEB_WORKERS="${WEB_WORKERS:-2}"
WEB_THREADS="${WEB_THREADS:-4}"
PY=.venv/bin/python

if [ -n "${DATABASE_URL:-}" ]; then
  case "${DJANGO_DEBUG,,}" in
    1 | true | yes | on) ;;  # WhiteNoise serves the static files from their sources
    *) $PY manage.py collectstatic --noinput >/dev/null ;;
  esac
  echo "Serving on http://127.0.0.1:${PORT}/ with gunicorn:" \
    "${WEB_WORKERS} workers x ${WEB_THREADS} threads" \
    "(at most $((WEB_WORKERS * WEB_THREADS)) database connections)"
  # No control socket: its default path is shared by every gunicorn of the user.
  exec .venv/bin/gunicorn portal.wsgi:application \
    --bind "127.0.0.1:${PORT}" --worker-class gthread \
    --workers "${WEB_WORKERS}" --threads "${WEB_THREADS}" \
    --timeout 60 --graceful-timeout 10 --no-control-socket --access-logfile -
else
  echo "Serving on http://127.0.0.1:${PORT}/ with runserver"
  exec $PY manage.py runserver "127.0.0.1:${PORT}" --noreload
fi
