#!/usr/bin/env bash
# Front-door benchmark (issue #9, "Speed"): 100,000 synthetic migration datasets loaded
# straight into a fresh search-service core, then a fresh CKAN renders /, /country/SEN,
# /objective/1 and /coverage beside the plain /dataset search page (p50/p95 of 30 requests
# each after a warm-up), the coverage matrix is computed from the index alone (the
# overview.pivot query in process, the migration_coverage action over HTTP), and a fresh CKAN
# exports 10,000 datasets as /dataset/export.csv (time, peak RSS). Targets: pages p95 <= 200
# ms, coverage computation p95 <= 50 ms. Needs the catalogue set up once (bash
# scripts/run.sh); uses its own ports (search 8988, CKAN 5058) and .run/bench-frontdoor/.
#   bash scripts/bench-frontdoor.sh [--docs N] [--requests 30] [--export-rows 10000 (<= 100000)]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
RUN="$ROOT/.run"
OUT="$RUN/bench-frontdoor"
SEARCH_PORT=8988
CKAN_PORT=5058
CORE=frontdoor
MAX_ROWS=100000

if [ ! -f "$RUN/ckan.ini" ]; then
    echo "bench-frontdoor: $RUN/ckan.ini is missing; run 'bash scripts/run.sh' once first" >&2
    exit 1
fi
for port in $SEARCH_PORT $CKAN_PORT; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "bench-frontdoor: port $port is taken; stop what listens there and retry" >&2
        exit 1
    fi
done

# the site's config on the benchmark core and port; exports of up to MAX_ROWS datasets
SOLR="http://127.0.0.1:$SEARCH_PORT/solr/$CORE"
mkdir -p "$OUT"
sed -e "s#^solr_url = .*#solr_url = $SOLR\nckanext.migration.export.max_rows = $MAX_ROWS#" \
    -e "s#^ckanext.migration.search_service_url = .*#ckanext.migration.search_service_url = $SOLR#" \
    -e "/^ckanext.migration.export.max_rows = /d" \
    -e "s#^ckan.site_url = .*#ckan.site_url = http://127.0.0.1:$CKAN_PORT#" \
    "$RUN/ckan.ini" > "$OUT/ckan.ini"
chmod 600 "$OUT/ckan.ini"
SITE_ID=$(sed -n 's/^ckan.site_id = //p' "$OUT/ckan.ini")

exec "$PY" "$ROOT/benchmarks/frontdoor.py" --port "$SEARCH_PORT" --ckan-port "$CKAN_PORT" \
    --core "$CORE" --ckan-ini "$OUT/ckan.ini" --site-id "$SITE_ID" --data-dir "$OUT/data" "$@"
