"""Bench-only settings for gunicorn (``bench/supervision.py``): the project's settings unchanged, plus a
URLconf that adds the raw-SQL baseline views. DEBUG, HTTPS and the hosts come from the environment
the bench sets (DEBUG off, plain HTTP on loopback); no production default is changed here."""

from hall.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
