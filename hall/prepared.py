"""One-row reads of a fixed shape whose SQL is compiled once per process (issue 22).

Django builds and compiles a queryset's SQL each time it runs it. For the widest read on the hottest
path — a transition's case row-locked with its item version and department, over a hundred columns —
that cost several times the CPU of running the statement. ``OneRow`` keeps what Django's first run
worked out — the SQL, the column converters and the populators of the ``select_related`` objects — and
afterwards only executes the statement and builds the instances the way ``QuerySet`` does
(``ModelIterable``): the same SQL, the same objects, the same statements counted by the test tools.

What is kept must not depend on the values. So the statement is kept only when its parameters are
exactly the values asked for, in order and unconverted (``filter(pk=value)``; Django sorts the keywords
of one ``filter`` call, so a read by several values filters once per value). Otherwise — a constant in
the filter, a backend that converts a value (SQLite sends dates as text) — nothing is kept and the
queryset reads every time, as before. Values that might compile to another statement (None: ``IS
NULL``; another type than the first values) are read by the queryset too. The first row is read
(``[:1]``: order the queryset if more than one row can match).
"""

import threading
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError


class _Kept(NamedTuple):
    sql: str
    types: tuple  # of the values the statement was compiled for
    for_update: bool
    compiler: object
    converters: dict
    model: type
    init_list: list
    start: int
    end: int
    populators: list


_NOT_KEPT = "not kept"  # the queryset reads (see the module docstring)


class OneRow:
    """The first instance ``build(*values)`` selects (its ``select_related`` objects attached), or None.

    ``build`` returns the queryset for the values, e.g. ``lambda pk: Model.objects.filter(pk=pk)``; its SQL
    is compiled from the first values asked for and reused for every later ones, per thread (the compiler
    and converters belong to the thread's connection) and database alias."""

    def __init__(self, build):
        self.build = build
        self._local = threading.local()

    def kept(self, using: str = DEFAULT_DB_ALIAS) -> bool:
        """Whether this thread reads through the kept statement (after a first ``get``)."""
        return isinstance(self._states().get(using), _Kept)

    def get(self, *values, using: str = DEFAULT_DB_ALIAS):
        if None in values:
            return self._queryset(values, using)
        kept = self._states().get(using)
        if kept is None:
            return self._first(values, using)
        if kept is _NOT_KEPT or tuple(map(type, values)) != kept.types:
            return self._queryset(values, using)
        connection = connections[using]
        if kept.for_update and connection.get_autocommit():  # what compiling it would have refused
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        with connection.cursor() as cursor:
            cursor.execute(kept.sql, values)
            row = cursor.fetchone()
        if row is None:
            return None
        if kept.converters:
            row = next(kept.compiler.apply_converters([row], kept.converters))
        obj = kept.model.from_db(using, kept.init_list, row[kept.start : kept.end])
        for populator in kept.populators:
            populator.populate(row, obj)
        return obj

    def _states(self) -> dict:
        states = getattr(self._local, "states", None)
        if states is None:
            states = self._local.states = {}
        return states

    def _queryset(self, values: tuple, using: str):
        return next(iter(self.build(*values)[:1].using(using)), None)

    def _first(self, values: tuple, using: str):
        """Run the queryset as Django does, and keep how it was compiled if nothing in it depends on the values."""
        queryset = self.build(*values)[:1].using(using)
        query = queryset.query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()  # fills compiler.select, klass_info, col_count
        if compiler.has_extra_select or compiler.annotation_col_map or queryset._prefetch_related_lookups:
            raise ValueError("OneRow reads model instances: no extra columns, annotations or prefetches")
        types = tuple(map(type, values))
        if tuple(params) != values or tuple(map(type, params)) != types:
            self._states()[using] = _NOT_KEPT
            return next(iter(queryset), None)
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self._states()[using] = _Kept(
            sql=sql,
            types=types,
            for_update=bool(query.select_for_update) and connections[using].features.has_select_for_update,
            compiler=compiler,
            converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, using),
        )
        return next(iter(queryset), None)
