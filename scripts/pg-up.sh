#!/usr/bin/env bash
# Start the local PostgreSQL cluster and create the test role and database (idempotent).
# Used by `make test` / .ci/run: on a fresh machine PostgreSQL is installed but stopped.
set -euo pipefail

ROLE=${BANKCRM_PG_ROLE:-bankcrm}
PASSWORD=${BANKCRM_PG_PASSWORD:-bankcrm}
DB=${BANKCRM_PG_DB:-bankcrm_test}

as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -c "$(printf '%q ' "$@")"; fi; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing it from Debian" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n 1 || true)
if [ -z "${VERSION:-}" ]; then
  VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  CLUSTER=main
  pg_createcluster "$VERSION" "$CLUSTER" >/dev/null
  read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n 1)
fi
if [ "$STATUS" != "online" ]; then
  pg_ctlcluster "$VERSION" "$CLUSTER" start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p "$PORT" >/dev/null

as_postgres psql -p "$PORT" -qtAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'" | grep -q 1 ||
  as_postgres psql -p "$PORT" -qc "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD'"
as_postgres psql -p "$PORT" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  as_postgres psql -p "$PORT" -qc "CREATE DATABASE $DB OWNER $ROLE"

echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
