#!/usr/bin/env bash
# Load benchmark (issue 14): 100,000 synthetic migration datasets loaded straight into a fresh
# search-service core (plus --real datasets through package_create, for dataset pages), then
# a fresh CKAN under a bounded locust run: 20 users mixing package_search, the /dataset
# search page with facets, dataset pages and DCAT pages (/dataset/<name>.ttl,
# /catalog.ttl?page=N), headless on 127.0.0.1, stopping after --run-time; prints p50/p95
# per endpoint and the error rate. With --mode access: package_search p95 as an anonymous
# visitor and as a logged-in non-member, on 100,000 datasets with no restricted/private
# dataset and with 10% restricted + 5% private, and the ratio against the 10% target.
# Needs the catalogue set up once (bash scripts/run.sh: .run/ckan.ini). Its own database
# (ckan_bench_locust, recreated), ports (search 8989, CKAN 5059; --mode access also 5060),
# Redis database ($MIGRATION_BENCH_REDIS_DB, default 15) and .run/bench-locust/.
#   bash scripts/bench-locust.sh [--datasets 100000] [--users 20] [--run-time 5m] [--real 200]
#   bash scripts/bench-locust.sh --mode access [--datasets 100000] [--requests 200] [--reuse-index]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
RUN="$ROOT/.run"
OUT="$RUN/bench-locust"
SEARCH_PORT=8989
CKAN_PORT=5059
DB=ckan_bench_locust
REDIS_DB=${MIGRATION_BENCH_REDIS_DB:-15}
PER_PAGE=100

if [ ! -f "$RUN/ckan.ini" ]; then
    echo "bench-locust: $RUN/ckan.ini is missing; run 'bash scripts/run.sh' once first" >&2
    exit 1
fi
if [ ! -x "$ROOT/.venv/bin/locust" ]; then
    echo "bench-locust: locust is missing; run: .venv/bin/pip install -e '.[test]'" >&2
    exit 1
fi
for port in $SEARCH_PORT $CKAN_PORT $((CKAN_PORT + 1)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "bench-locust: port $port is taken; stop what listens there and retry" >&2
        exit 1
    fi
done

mkdir -p "$OUT"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB OWNER ckan_default ENCODING 'UTF8' TEMPLATE template0" >/dev/null
SOLR="http://127.0.0.1:$SEARCH_PORT/solr/load"
sed -e "s#^sqlalchemy.url = .*#sqlalchemy.url = postgresql://ckan_default:pass@127.0.0.1/$DB#" \
    -e "s#^solr_url = .*#solr_url = $SOLR#" \
    -e "s#^ckanext.migration.search_service_url = .*#ckanext.migration.search_service_url = $SOLR#" \
    -e "s#^ckan.site_url = .*#ckan.site_url = http://127.0.0.1:$CKAN_PORT#" \
    -e "s#^ckan.redis.url = .*#ckan.redis.url = redis://127.0.0.1:6379/$REDIS_DB?socket_timeout=86400#" \
    -e "s#^ckan.harvest.mq.redis_db = .*#ckan.harvest.mq.redis_db = $REDIS_DB#" \
    -e "s#^ckan.storage_path = .*#ckan.storage_path = $OUT/storage#" \
    -e "s#^ckanext.dcat.rdf.profiles = \(.*\)#ckanext.dcat.rdf.profiles = \1\nckanext.dcat.datasets_per_page = $PER_PAGE#" \
    -e "/^ckanext.dcat.datasets_per_page = /d" \
    "$RUN/ckan.ini" > "$OUT/ckan.ini"
chmod 600 "$OUT/ckan.ini"
SITE_ID=$(sed -n 's/^ckan.site_id = //p' "$OUT/ckan.ini")
for args in "db init" "db upgrade -p activity" "db upgrade -p harvest" "db upgrade -p migration"; do
    # shellcheck disable=SC2086
    "$ROOT/.venv/bin/ckan" -c "$OUT/ckan.ini" $args >"$OUT/db.log" 2>&1 ||
        { tail "$OUT/db.log" >&2; exit 1; }
done

exec "$PY" "$ROOT/benchmarks/load_test.py" --port "$SEARCH_PORT" --ckan-port "$CKAN_PORT" \
    --ckan-ini "$OUT/ckan.ini" --site-id "$SITE_ID" --data-dir "$OUT/data" "$@"
