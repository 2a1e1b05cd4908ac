"""The hot paths over HTTP at 1,000,000 cases, each against a bare baseline served by the same gunicorn
(issue 22, point 1): the code and its description are in ``bench/http_bench.py``.

    .venv/bin/python bench/http.py [--cases 1000000] [--rounds 3] [--seconds 10] [--only NAME …]

This file's name is the standard library's ``http``, and ``python bench/<script>.py`` puts bench/ first
on the path: imported under that name (``urllib`` or Django importing ``http.client`` from any bench
script), it puts the standard library's package in its place; run, it moves bench/ to the end of the
path before anything imports ``http``.
"""

import sys

if __name__ == "__main__":
    sys.path.append(sys.path.pop(0))  # bench/ last: the standard library's http first, bench/common.py still found
    from http_bench import main

    sys.exit(main())
else:  # imported as ``http``: be the standard library's package (importlib returns sys.modules["http"])
    import importlib.util
    import os

    _package = os.path.join(os.path.dirname(os.__file__), "http")
    _spec = importlib.util.spec_from_file_location(
        "http", os.path.join(_package, "__init__.py"), submodule_search_locations=[_package]
    )
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["http"] = _module
    _spec.loader.exec_module(_module)
