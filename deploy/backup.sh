#!/usr/bin/env bash
# 救助通 backup: the PostgreSQL database (pg_dump, custom format) and Redis's append-only file.
#
#   deploy/backup.sh [DEST]        default DEST: /var/backups/jiuzhutong
#
# Makes DEST/<YYYYmmdd-HHMMSS>/ with postgres.dump, redis-aof/ (when Redis runs on this host with
# AOF), MANIFEST and SHA256SUMS. DATABASE_URL and REDIS_URL come from the environment, else from
# $JZT_ENV_FILE (default /etc/jiuzhutong/jiuzhutong.env). Backups older than
# $JZT_BACKUP_KEEP_DAYS days (default 14) are deleted. Restore: deploy/restore.sh.
# The dump holds personal data encrypted with DATA_KEY: keep DATA_KEY (not in the dump) safe too.
set -euo pipefail
umask 077

ENV_FILE=${JZT_ENV_FILE:-/etc/jiuzhutong/jiuzhutong.env}
if [ -z "${DATABASE_URL:-}" ] && [ -r "$ENV_FILE" ]; then
    set -a; . "$ENV_FILE"; set +a
fi
: "${DATABASE_URL:?DATABASE_URL is not set (and $ENV_FILE was not readable)}"
ROOT=${1:-/var/backups/jiuzhutong}
KEEP_DAYS=${JZT_BACKUP_KEEP_DAYS:-14}
STAMP=$(date +%Y%m%d-%H%M%S)
DEST="$ROOT/$STAMP"
PG_URL=${DATABASE_URL/postgresql+psycopg:/postgresql:}

log() { echo "backup: $*" >&2; }

mkdir -p "$DEST"

log "PostgreSQL → $DEST/postgres.dump"
pg_dump --format=custom --compress=6 --no-owner --no-privileges --dbname="$PG_URL" --file="$DEST/postgres.dump.part"
mv "$DEST/postgres.dump.part" "$DEST/postgres.dump"
revision=$(psql --no-psqlrc --tuples-only --no-align --dbname="$PG_URL" --command='SELECT version_num FROM alembic_version' 2>/dev/null || echo unknown)

redis_state="skipped (REDIS_URL not set)"
if [ -n "${REDIS_URL:-}" ]; then
    rcli() { redis-cli -u "$REDIS_URL" --no-auth-warning "$@"; }
    if [ "$(rcli CONFIG GET appendonly | tail -n1)" != "yes" ]; then
        redis_state="skipped (Redis runs without appendonly: see deploy/redis/jiuzhutong.conf)"
    else
        dir=$(rcli CONFIG GET dir | tail -n1)
        aofdir=$(rcli CONFIG GET appenddirname | tail -n1)
        if [ ! -d "$dir/$aofdir" ]; then
            redis_state="skipped ($dir/$aofdir is not on this host)"
        else
            # Redis's documented AOF backup: no automatic rewrite while the files are copied
            percentage=$(rcli CONFIG GET auto-aof-rewrite-percentage | tail -n1)
            rcli CONFIG SET auto-aof-rewrite-percentage 0 >/dev/null
            trap 'rcli CONFIG SET auto-aof-rewrite-percentage "$percentage" >/dev/null' EXIT
            for _ in $(seq 1 600); do
                rcli INFO persistence | grep -q '^aof_rewrite_in_progress:0' && break
                sleep 1
            done
            log "Redis AOF $dir/$aofdir → $DEST/redis-aof"
            cp -a "$dir/$aofdir" "$DEST/redis-aof"
            rcli CONFIG SET auto-aof-rewrite-percentage "$percentage" >/dev/null
            trap - EXIT
            redis_state="copied from $dir/$aofdir"
        fi
    fi
fi

cat > "$DEST/MANIFEST" <<MANIFEST
made: $(date --iso-8601=seconds)
host: $(hostname)
database revision (alembic): $revision
postgres.dump: pg_dump --format=custom of the whole database
redis-aof: $redis_state
MANIFEST
(cd "$DEST" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
log "done: $DEST"

if [ "$KEEP_DAYS" -gt 0 ] 2>/dev/null; then
    find "$ROOT" -mindepth 1 -maxdepth 1 -type d -name '20*' -mtime +"$KEEP_DAYS" -exec rm -rf {} +
fi
echo "$DEST"
