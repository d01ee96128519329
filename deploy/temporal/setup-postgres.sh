#!/bin/sh
# Creates Temporal's two PostgreSQL databases (persistence and visibility) and brings their schemas up to the version
# this admin-tools image carries: the compose stack's one-shot `temporal-admin-tools` job, run before the server starts.
# Safe to run again, and the way to upgrade: `create` leaves an existing database alone, `setup-schema -v 0.0` keeps a
# newer recorded version, and `update-schema` applies only the versioned steps not applied yet.
#
#   SQL_HOST=postgresql SQL_PORT=5432 SQL_USER=temporal SQL_PASSWORD=… sh deploy/temporal/setup-postgres.sh
set -eu

: "${SQL_HOST:?SQL_HOST is required: the PostgreSQL host, e.g. postgresql}"
: "${SQL_USER:?SQL_USER is required: the PostgreSQL user Temporal connects as}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required: the password of that user}"
export SQL_HOST SQL_USER SQL_PASSWORD
export SQL_PORT="${SQL_PORT:-5432}"
export SQL_PLUGIN=postgres12
# The schema folders of the admin-tools image (the server image reads the same versions).
schema_root="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

# The database may still be starting even after its health check passed once: wait up to a minute for the port.
tries=0
until nc -z "$SQL_HOST" "$SQL_PORT" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "PostgreSQL at $SQL_HOST:$SQL_PORT does not accept connections after a minute" >&2
    exit 1
  fi
  sleep 2
done

setup() {
  database="$1"
  versioned="$schema_root/$2/versioned"
  if [ ! -d "$versioned" ]; then
    echo "no schema folder $versioned in this image (TEMPORAL_SCHEMA_DIR=$schema_root)" >&2
    exit 1
  fi
  echo "database $database: create if missing, then update the schema from $versioned"
  temporal-sql-tool --db "$database" create
  temporal-sql-tool --db "$database" setup-schema -v 0.0
  temporal-sql-tool --db "$database" update-schema -d "$versioned"
}

setup "${DBNAME:-temporal}" temporal
setup "${VISIBILITY_DBNAME:-temporal_visibility}" visibility
echo "Temporal's PostgreSQL schemas are up to date"
