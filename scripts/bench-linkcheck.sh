#!/usr/bin/env bash
# Link-check benchmark (issue #10): 10,000 URLs on 4 local hosts (127.0.0.1, one port each,
# 20 ms per answer) checked by the code of `ckan migration check-links` with the shipped
# concurrency and per-host limit, beside one-at-a-time checking of a sample (extrapolated):
# URLs/s and the most requests any host had in flight (at most
# ckanext.migration.linkcheck.per_host). Target: <= 60 s. Needs only the project's virtualenv
# (bash scripts/setup.sh): no database, search service or CKAN site.
#   bash scripts/bench-linkcheck.sh [--urls 10000] [--hosts 4] [--latency 0.02]
#                                   [--concurrency N] [--per-host N] [--max-seconds 60]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
if [ ! -x "$PY" ]; then
    echo "bench-linkcheck: $PY is missing; run 'bash scripts/setup.sh' first" >&2
    exit 1
fi
exec "$PY" "$ROOT/benchmarks/linkcheck.py" "$@"
