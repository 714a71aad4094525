#!/bin/bash
# First start: a cluster owned by POSTGRES_USER with POSTGRES_PASSWORD, database
# POSTGRES_DB, password logins from anywhere. Then the server, as the postgres user.
set -euo pipefail

if [ "${1:-}" != postgres ]; then
    exec "$@"
fi
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

mkdir -p "$PGDATA"
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    chown postgres "$pwfile"
    as_postgres initdb --username="$user" --pwfile="$pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 -D "$PGDATA"
    rm -f "$pwfile"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if [ "$db" != postgres ]; then
        # A private socket and no TCP: nothing (a health check, a client) sees this
        # temporary server as the real one.
        socket="$(mktemp -d)"
        chown postgres "$socket"
        as_postgres pg_ctl -D "$PGDATA" -w start \
            -o "-c listen_addresses='' -c unix_socket_directories=$socket"
        as_postgres createdb -h "$socket" -U "$user" "$db"
        as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
        rm -rf "$socket"
    fi
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
