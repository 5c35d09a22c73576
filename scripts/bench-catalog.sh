#!/usr/bin/env bash
# Paged DCAT catalogue benchmark (issue #5): 100,000 synthetic migration datasets loaded
# straight into a fresh search-service core, then /catalog.ttl read page after page (100
# datasets a page) by a fresh CKAN for 10 and for 100 pages: pages/s and the peak memory of
# the CKAN process, which must not grow with the page count. Needs the catalogue set up once
# (bash scripts/run.sh); uses its own ports (search 8987, CKAN 5057) and .run/bench-catalog/.
# Each page count is read from our serializer and from stock ckanext-dcat's (same datasets).
#   bash scripts/bench-catalog.sh [--docs N] [--pages 10,100[,1000]] [--skip-separate] [--skip-stock]
# Another site config, ports and output directory: BENCH_BASE_INI=... SEARCH_PORT=... CKAN_PORT=...
# BENCH_OUT=... bash scripts/bench-catalog.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
RUN="$ROOT/.run"
BASE_INI="${BENCH_BASE_INI:-$RUN/ckan.ini}"
OUT="${BENCH_OUT:-$RUN/bench-catalog}"
SEARCH_PORT="${SEARCH_PORT:-8987}"
CKAN_PORT="${CKAN_PORT:-5057}"
PER_PAGE=100

if [ ! -f "$BASE_INI" ]; then
    echo "bench-catalog: $BASE_INI is missing; run 'bash scripts/run.sh' once first" >&2
    exit 1
fi
for port in $SEARCH_PORT $CKAN_PORT; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "bench-catalog: port $port is taken; stop what listens there and retry" >&2
        exit 1
    fi
done

# the site's config, on the benchmark core; DCAT profiles as the project configures them now
PROFILES=$(sed -n 's/^ckanext.dcat.rdf.profiles = //p' config/ckan.ini.tmpl)
mkdir -p "$OUT"
sed -e "s#^solr_url = .*#solr_url = http://127.0.0.1:$SEARCH_PORT/solr/catalog#" \
    -e "s#^ckanext.migration.search_service_url = .*#ckanext.migration.search_service_url = http://127.0.0.1:$SEARCH_PORT/solr/catalog#" \
    -e "/^ckanext.dcat.datasets_per_page = /d" \
    -e "s#^ckanext.dcat.rdf.profiles = .*#ckanext.dcat.rdf.profiles = $PROFILES#" \
    -e "s#^\[app:main\]\$#[app:main]\nckanext.dcat.datasets_per_page = $PER_PAGE#" \
    -e "s#^ckan.site_url = .*#ckan.site_url = http://127.0.0.1:$CKAN_PORT#" \
    "$BASE_INI" > "$OUT/ckan.ini"
# (a config that inherits from another with `use = config:...` may name the site id there)
SITE_ID=$(sed -n 's/^ckan.site_id = //p' "$OUT/ckan.ini" \
          $(sed -n 's/^use = config://p' "$OUT/ckan.ini") | head -1)

exec "$PY" "$ROOT/benchmarks/catalog_stream.py" --port "$SEARCH_PORT" --ckan-port "$CKAN_PORT" \
    --ckan-ini "$OUT/ckan.ini" --site-id "$SITE_ID" --data-dir "$OUT/data" \
    --per-page "$PER_PAGE" "$@"
