"""Static files storage: whitenoise's compressed manifest storage that never takes a page down.

With DEBUG off, ``{% static %}`` asks the manifest (``STATIC_ROOT/staticfiles.json``, written by
``collectstatic``) for each file's hashed name. Django's storage raises when the entry is missing,
so a deployment that skipped ``collectstatic`` answered 500 on every HTML page — and on the 500 page
itself (issue 12, point 8). Here, while there is no manifest at all (``collectstatic`` never ran), a
name logs an error once and the page links the unhashed name instead; ``make install`` and the
Dockerfile run ``collectstatic``, so this is a fallback. With a manifest, a name missing from it raises
as Django's does: whitenoise probes the unhashed name of every collected file at start-up and expects
that ``ValueError`` for names that are not static files (``font-awesome-4.0.3.css`` → ``…4.0.css``);
logging those filled the log with false errors.
"""

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)
_reported: set[str] = set()


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            if self.hashed_files:  # collected: the name is simply not a static file
                raise
            if name not in _reported:
                _reported.add(name)
                logger.error("static file %r is not in the manifest: run `manage.py collectstatic`", name)
            return name
