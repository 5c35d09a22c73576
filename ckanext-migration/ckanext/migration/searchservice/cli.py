"""``migration-search``: start the embedded Solr-compatible search service."""
from __future__ import annotations

import argparse
import errno
import fcntl
import logging
import os
import signal
import socket
import sys

from . import SERVICE_NAME, __version__
from .app import SearchApp
from .core import CoreRegistry
from .schema import SchemaError, load_schema

DEFAULT_SCHEMA = os.path.abspath(os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "config", "solr", "schema.xml"))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="migration-search",
        description="Embedded search service speaking the Solr HTTP API subset CKAN uses. "
                    "Cores are served at http://HOST:PORT/solr/<core>/.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8983)
    p.add_argument("--data-dir", default=os.environ.get("MIGRATION_SEARCH_DATA", "search-data"),
                   help="directory holding one sub-directory per core")
    p.add_argument("--schema", default=DEFAULT_SCHEMA, help="the Solr schema.xml to load")
    p.add_argument("--no-autocreate", action="store_true",
                   help="answer 404 for cores that do not exist yet instead of creating them")
    p.add_argument("--autocommit-ms", type=int, default=1000,
                   help="commit pending changes after this many ms (0: only on request)")
    p.add_argument("--threads", type=int, default=8, help="HTTP worker threads")
    p.add_argument("--log-level", default="INFO")
    p.add_argument("--version", action="version", version="%s %s" % (SERVICE_NAME, __version__))
    return p


def _lock_data_dir(data_dir: str):
    os.makedirs(data_dir, exist_ok=True)
    handle = open(os.path.join(data_dir, ".lock"), "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit("migration-search: another search service already uses %s; stop it or "
                 "pass another --data-dir" % data_dir)
    return handle


BUFFER_BYTES = 8 * 1024 * 1024


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        schema = load_schema(args.schema)
    except (OSError, SchemaError) as e:
        sys.exit("migration-search: cannot load schema %s: %s" % (args.schema, e))

    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as e:
        reason = "is already in use" if e.errno == errno.EADDRINUSE else "cannot be used"
        sys.exit("migration-search: port %s:%d %s (%s). Stop what listens there or pass "
                 "--port." % (args.host, args.port, reason, e.strerror))
    sock.listen(128)

    lock = _lock_data_dir(args.data_dir)
    registry = CoreRegistry(args.data_dir, schema, autocreate=not args.no_autocreate,
                            autocommit_ms=args.autocommit_ms)
    app = SearchApp(registry)

    from waitress import create_server
    server = create_server(app, sockets=[sock], threads=args.threads,
                           ident=SERVICE_NAME, clear_untrusted_proxy_headers=True,
                           channel_timeout=300,
                           # an update batch or a page of documents stays in memory (by
                           # default waitress spills bodies over 512 kB to a temporary file)
                           inbuf_overflow=BUFFER_BYTES, outbuf_overflow=BUFFER_BYTES)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    logging.getLogger(__name__).info(
        "%s %s serving http://%s:%d/solr/<core>/ from %s (schema %s, %s)", SERVICE_NAME,
        __version__, args.host, args.port, os.path.abspath(args.data_dir), args.schema,
        schema.name)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        registry.close()
        lock.close()


if __name__ == "__main__":
    main()
