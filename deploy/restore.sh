#!/usr/bin/env bash
# 救助通 restore, from a directory made by deploy/backup.sh.
#
#   deploy/restore.sh postgres BACKUP_DIR
#       into the (empty) database of DATABASE_URL; refuses a database that has tables.
#       Then run `flask --app bot.app:create_app db upgrade` (a dump of an older release is migrated).
#   deploy/restore.sh redis BACKUP_DIR REDIS_DIR
#       copies the backup's AOF into REDIS_DIR (redis-server's `dir`, e.g. /var/lib/redis) while
#       Redis is STOPPED; an AOF already there is moved aside, not deleted. Start Redis afterwards.
#
# DATABASE_URL comes from the environment, else from $JZT_ENV_FILE (/etc/jiuzhutong/jiuzhutong.env).
# The restored data is readable only with the DATA_KEY it was written with.
set -euo pipefail

usage() { sed -n '2,13p' "$0" >&2; exit 2; }
log() { echo "restore: $*" >&2; }
die() { echo "restore: $*" >&2; exit 1; }

what=${1:-}; backup=${2:-}
[ -n "$what" ] && [ -n "$backup" ] || usage
[ -d "$backup" ] || die "$backup is not a backup directory"
if [ -f "$backup/SHA256SUMS" ]; then
    (cd "$backup" && sha256sum --quiet --check SHA256SUMS) || die "$backup/SHA256SUMS does not match: the backup is damaged"
fi

case "$what" in
postgres)
    ENV_FILE=${JZT_ENV_FILE:-/etc/jiuzhutong/jiuzhutong.env}
    if [ -z "${DATABASE_URL:-}" ] && [ -r "$ENV_FILE" ]; then
        set -a; . "$ENV_FILE"; set +a
    fi
    : "${DATABASE_URL:?DATABASE_URL is not set (and $ENV_FILE was not readable)}"
    PG_URL=${DATABASE_URL/postgresql+psycopg:/postgresql:}
    [ -f "$backup/postgres.dump" ] || die "no postgres.dump in $backup"
    tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$PG_URL" \
        --command="SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
    [ "$tables" = "0" ] || die "the target database already has $tables tables: restore into an empty database (createdb) only"
    log "pg_restore $backup/postgres.dump → $(echo "$PG_URL" | sed -E 's#//[^@]*@#//#')"
    pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname="$PG_URL" "$backup/postgres.dump"
    log "done; now run: flask --app bot.app:create_app db upgrade"
    ;;
redis)
    target=${3:-}
    [ -n "$target" ] && [ -d "$target" ] || die "give redis-server's data directory (its 'dir'), e.g. /var/lib/redis"
    [ -d "$backup/redis-aof" ] || die "no redis-aof in $backup (see its MANIFEST)"
    # redis-server runs inside its data directory: refuse while one runs in this one
    for pid in $(pgrep -x redis-server || true); do
        if [ "$(readlink -f "/proc/$pid/cwd" 2>/dev/null)" = "$(readlink -f "$target")" ]; then
            die "redis-server (pid $pid) is running on $target: stop it first (systemctl stop redis-server)"
        fi
    done
    name=$(basename "$(find "$backup/redis-aof" -maxdepth 1 -name '*.manifest' -printf '%f\n' | head -n1)" .manifest)
    aofdir=${JZT_REDIS_APPENDDIRNAME:-appendonlydir}
    if [ -e "$target/$aofdir" ]; then
        aside="$target/$aofdir.before-restore-$(date +%Y%m%d-%H%M%S)"
        log "moving the current $target/$aofdir aside to $aside"
        mv "$target/$aofdir" "$aside"
    fi
    cp -a "$backup/redis-aof" "$target/$aofdir"
    if id redis >/dev/null 2>&1; then chown -R redis:redis "$target/$aofdir"; fi
    log "done (AOF ${name:-?}); start Redis: systemctl start redis-server"
    ;;
*)
    usage
    ;;
esac
