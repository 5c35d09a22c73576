#!/usr/bin/env bash
# Speed at scale (issue 15 item 4): one scratch catalogue of N synthetic migration datasets
# (default 100,000; straight into a fresh search-service core, 1% restricted and 0.5%
# private, plus a few through package_create: a private one, a restricted one, a harvest
# source, organisations whose ids the synthetic datasets use), then one fresh CKAN times
# the front door, /country, /objective, /coverage, the handbooks, the search export, the
# harvest dashboard (as a sysadmin), a dataset page and the search page with facets, and
# prints page | p50 | p95 | target | met? with the RSS of CKAN and the search service.
# Needs the catalogue set up once (bash scripts/run.sh: .run/ckan.ini). Its own database
# (ckan_bench_scale, recreated and dropped at the end), ports (search 8981, CKAN 5061),
# Redis database ($MIGRATION_BENCH_REDIS_DB, default 13) and .run/bench-scale/.
#   bash scripts/bench-scale.sh [--datasets 100000] [--requests 20] [--warmup 3]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
RUN="$ROOT/.run"
OUT="$RUN/bench-scale"
SEARCH_PORT=8981
CKAN_PORT=5061
DB=ckan_bench_scale
REDIS_DB=${MIGRATION_BENCH_REDIS_DB:-13}

if [ ! -f "$RUN/ckan.ini" ]; then
    echo "bench-scale: $RUN/ckan.ini is missing; run 'bash scripts/run.sh' once first" >&2
    exit 1
fi
for port in $SEARCH_PORT $CKAN_PORT; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "bench-scale: port $port is taken; stop what listens there and retry" >&2
        exit 1
    fi
done

mkdir -p "$OUT"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB OWNER ckan_default ENCODING 'UTF8' TEMPLATE template0" >/dev/null
trap 'psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null || true' EXIT
SOLR="http://127.0.0.1:$SEARCH_PORT/solr/scale"
sed -e "s#^sqlalchemy.url = .*#sqlalchemy.url = postgresql://ckan_default:pass@127.0.0.1/$DB#" \
    -e "s#^solr_url = .*#solr_url = $SOLR\nckanext.migration.export.max_rows = 100000#" \
    -e "/^ckanext.migration.export.max_rows = /d" \
    -e "s#^ckanext.migration.search_service_url = .*#ckanext.migration.search_service_url = $SOLR#" \
    -e "s#^ckan.site_url = .*#ckan.site_url = http://127.0.0.1:$CKAN_PORT#" \
    -e "s#^ckan.redis.url = .*#ckan.redis.url = redis://127.0.0.1:6379/$REDIS_DB?socket_timeout=86400#" \
    -e "s#^ckan.harvest.mq.redis_db = .*#ckan.harvest.mq.redis_db = $REDIS_DB#" \
    -e "s#^ckan.storage_path = .*#ckan.storage_path = $OUT/storage#" \
    "$RUN/ckan.ini" > "$OUT/ckan.ini"
chmod 600 "$OUT/ckan.ini"
SITE_ID=$(sed -n 's/^ckan.site_id = //p' "$OUT/ckan.ini")
for args in "db init" "db upgrade -p activity" "db upgrade -p harvest" "db upgrade -p migration"; do
    # shellcheck disable=SC2086
    "$ROOT/.venv/bin/ckan" -c "$OUT/ckan.ini" $args >"$OUT/db.log" 2>&1 ||
        { tail "$OUT/db.log" >&2; exit 1; }
done

"$PY" "$ROOT/benchmarks/scale_pages.py" --port "$SEARCH_PORT" --ckan-port "$CKAN_PORT" \
    --ckan-ini "$OUT/ckan.ini" --site-id "$SITE_ID" --data-dir "$OUT/data" "$@"
