#!/usr/bin/env bash
# Search service benchmark (issue #2): 100,000 synthetic datasets indexed through /update,
# then a faceted query timed raw in tantivy, through /select and through CKAN's
# package_search. Needs the catalogue set up once (bash scripts/run.sh).
#   bash scripts/bench.sh [--docs N] [--queries N]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
RUN="$ROOT/.run"
SEARCH_PORT=8985
CKAN_PORT=5055

if [ ! -f "$RUN/ckan.ini" ]; then
    echo "bench: $RUN/ckan.ini is missing; run 'bash scripts/run.sh' once first" >&2
    exit 1
fi
for port in $SEARCH_PORT $CKAN_PORT; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "bench: port $port is taken; stop what listens there and retry" >&2
        exit 1
    fi
done

mkdir -p "$RUN/bench"
sed -e "s#^solr_url = .*#solr_url = http://127.0.0.1:$SEARCH_PORT/solr/bench#" \
    "$RUN/ckan.ini" > "$RUN/bench/ckan.ini"
SITE_ID=$(sed -n 's/^ckan.site_id = //p' "$RUN/bench/ckan.ini")

# no reloader: an edit elsewhere in the checkout must not restart CKAN mid-benchmark
"$ROOT/.venv/bin/ckan" -c "$RUN/bench/ckan.ini" run -H 127.0.0.1 -p "$CKAN_PORT" -r \
    >"$RUN/bench/ckan.log" 2>&1 &
CKAN_PID=$!
trap 'kill $CKAN_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$CKAN_PORT/api/3/action/status_show" >/dev/null && break
    sleep 1
done
curl -fs "http://127.0.0.1:$CKAN_PORT/api/3/action/status_show" >/dev/null || {
    echo "bench: CKAN did not start; see $RUN/bench/ckan.log" >&2; exit 1; }

rm -rf "$RUN/bench/data"
"$PY" "$ROOT/benchmarks/search_service.py" --port "$SEARCH_PORT" \
    --ckan-url "http://127.0.0.1:$CKAN_PORT" --site-id "$SITE_ID" --keep "$RUN/bench/data" "$@"
