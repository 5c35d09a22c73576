#!/usr/bin/env bash
# Harvest benchmark (issue #4): the recorded Eurostat table of contents (7,581 datasets)
# harvested end to end into a fresh catalogue, our import path against the naive one.
# Needs the catalogue set up once (bash scripts/run.sh).
#   bash scripts/bench-harvest.sh [--limit N] [--ours-only] [--consumers N] [--profile DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
RUN="$ROOT/.run"
SEARCH_PORT=8986
DB=ckan_bench_harvest
[ -f "$RUN/ckan.ini" ] || { echo "bench-harvest: run 'bash scripts/run.sh' once first" >&2; exit 1; }
if (exec 3<>"/dev/tcp/127.0.0.1/$SEARCH_PORT") 2>/dev/null; then
    echo "bench-harvest: port $SEARCH_PORT is taken; stop what listens there and retry" >&2
    exit 1
fi
mkdir -p "$RUN/bench"
rm -rf "$RUN/bench/harvest-search"
"$ROOT/.venv/bin/migration-search" --port "$SEARCH_PORT" --data-dir "$RUN/bench/harvest-search" \
    --schema "$ROOT/config/solr/schema.xml" --log-level WARNING >"$RUN/bench/harvest-search.log" 2>&1 &
SEARCH_PID=$!
trap 'kill $SEARCH_PID 2>/dev/null && wait $SEARCH_PID 2>/dev/null || true' EXIT
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB OWNER ckan_default" >/dev/null
sed -e "s#^sqlalchemy.url = .*#sqlalchemy.url = postgresql://ckan_default:pass@127.0.0.1/$DB#" \
    -e "s#^solr_url = .*#solr_url = http://127.0.0.1:$SEARCH_PORT/solr/bench#" \
    -e "s#^ckan.redis.url = .*#ckan.redis.url = redis://127.0.0.1:6379/3?socket_timeout=86400#" \
    -e "s#^ckan.harvest.mq.type = redis#&\nckan.harvest.mq.redis_db = 3#" \
    -e "/^\[logger_ckan/,/^level/s#^level = .*#level = WARNING#" \
    "$RUN/ckan.ini" > "$RUN/bench/harvest.ini"
CKAN="$ROOT/.venv/bin/ckan -c $RUN/bench/harvest.ini"
$CKAN db init >/dev/null
$CKAN db upgrade -p activity >/dev/null
$CKAN db upgrade -p harvest >/dev/null
$CKAN db upgrade -p migration >/dev/null
"$ROOT/.venv/bin/python" "$ROOT/benchmarks/harvest_eurostat.py" --ckan-ini "$RUN/bench/harvest.ini" "$@"
