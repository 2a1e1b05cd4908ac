"""Bench-only settings for gunicorn (``bench/supervision.py``, ``bench/http.py``): the project's settings
unchanged, plus a URLconf that adds the baseline views (``bench/http_urls.py``). DEBUG, HTTPS, the hosts
and the throttle rates come from the environment the bench sets (DEBUG off, plain HTTP on loopback);
no production default is changed here."""

from hall.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
