#!/usr/bin/env bash
# Raw-data download benchmark (issue #10): 100,000 synthetic rows put in the DataStore of a
# fresh catalogue (own databases ckan_bench_downloads + datastore_bench_downloads, own search
# service, own CKAN on a free port, all under .run/bench-downloads/), then the XLSX download
# (/datastore/dump/<id>?format=xlsx) timed beside CKAN's CSV dump of the same rows, for
# 10,000 and 100,000 rows, each by a fresh CKAN process: time, size, rows read back, peak RSS.
# Target: XLSX peak RSS <= 200 MB and flat. Runs on a fresh machine: scripts/setup.sh first
# (idempotent; MIGRATION_BENCH_NO_SETUP=1 skips it on a machine known to be set up).
#   bash scripts/bench-downloads.sh [--rows 100000] [--compare 10000] [--formats csv,xlsx]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if [ "${MIGRATION_BENCH_NO_SETUP:-0}" != 1 ]; then
    bash "$ROOT/scripts/setup.sh"
fi
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
OUT="$RUN/bench-downloads"
exec "$PY" "$ROOT/benchmarks/downloads.py" --data-dir "$OUT" --pg-port "$PG_PORT" "$@"
