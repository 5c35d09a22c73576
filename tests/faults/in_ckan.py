"""Run Python code with CKAN loaded from a configuration file, in a process of its own
(for a database the test process is not connected to):

    python -m tests.faults.in_ckan CONFIG.ini < code.py

The code runs in a request context; what it prints is the caller's answer."""
import sys

from ckan.cli import load_config
from ckan.config.middleware import make_app

if __name__ == "__main__":
    app = make_app(load_config(sys.argv[1]))
    with app._wsgi_app.test_request_context():
        exec(compile(sys.stdin.read(), "<in_ckan>", "exec"), {"__name__": "in_ckan"})
