"""One row by its id, with SQL built once instead of on every request.

Django builds a queryset's SQL afresh each time it is evaluated. For `queryset.get(pk=…)` on a plain model that
building is most of the lookup: on the benchmark machine 400 of the 525 µs of `Customer.objects.get(pk=…)`, where
running the statement and making the instance take the rest (docs/decisions/0029-detail-without-rebuilding-its-sql.md).
The statement itself does not depend on the id, only on the queryset's shape, so a `PreparedLookup` compiles it
once and then runs it with each id, through Django's own compiler for the parts that turn a row into an instance
(the backend's value converters, `Model.from_db`, `select_related` populators, annotations, `prefetch_related`).

It only takes what it can prove: the id must be an integer primary key and the only parameter that changes between
two compilations with different ids. Anything else (no rows possible, a queryset that knows related objects) makes
`prepare` answer None, and the caller uses the ORM as usual.

Each such statement (and the user row every authenticated request reads: accounts/authentication.py) runs through
`fetch`: on the database driver's own cursor while nothing is listening to queries, through Django's cursor when
something is (docs/decisions/0038-fixed-statements-on-the-drivers-cursor.md).
"""

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import AutoField, BigAutoField, IntegerField, Model, QuerySet, prefetch_related_objects
from django.db.models.query import MAX_GET_RESULTS, ValuesListIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

_M = TypeVar("_M", bound=Model)

# Two ids no table holds, compiled once each to find where the id sits among the statement's parameters.
_PROBES = (-7_000_000_000_001, -7_000_000_000_002)


def driver_sql(connection: BaseDatabaseWrapper, sql: str) -> str | None:
    """`sql` (Django's `%s` placeholders) as the driver of `connection` takes it, or None for a backend `fetch` does
    not know, which then always goes through Django's cursor."""
    if connection.vendor == "sqlite":
        # Django's SQLite cursor's own rewrite (SQLiteCursorWrapper.convert_query), done once instead of per execute.
        from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

        return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    if connection.vendor == "mysql":
        return sql  # MySQLdb takes `%s` itself, as Django's MySQL cursor passes it on
    return None


def fetch(
    connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any], driver: str | None, size: int | None = None
) -> Sequence[Sequence[Any]]:
    """The rows of one SELECT built once (`sql`, and `driver`: `driver_sql(connection, sql)`), all or the first
    `size`.

    Django's cursor wraps the driver's in layers that log each query, run `connection.execute_wrapper` functions
    and rewrite the SQL for the driver on every call: the user row's statement took 15 µs through them, 6 µs without
    (in-process). When nothing listens (no DEBUG, no `CaptureQueriesContext` or `assertNumQueries`, no execute
    wrapper) this does what is left of Django's `execute`: the same connection, the check that the transaction is
    not broken, the driver's errors turned into Django's. Otherwise it goes through Django's cursor, so whoever
    listens sees the query as before."""
    rows: Sequence[Sequence[Any]]
    if driver is None or connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
        return rows
    # What `connection.cursor()` and CursorWrapper.execute check before running a statement.
    connection.validate_thread_sharing()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(driver, params)
            rows = cursor.fetchall() if size is None else cursor.fetchmany(size)
        finally:
            cursor.close()
    return rows


class PreparedLookup(Generic[_M]):
    """`queryset.get(pk=…)` for one queryset shape on one database connection (see the module's docstring)."""

    def __init__(self, queryset: "QuerySet[_M]", compiler: SQLCompiler, sql: str, params: list[Any], slot: int):
        self.alias = queryset.db
        self.compiler = compiler
        self.sql = sql
        self.driver_sql = driver_sql(compiler.connection, sql)
        self.params = params
        self.slot = slot
        self.prefetch = queryset._prefetch_related_lookups  # type: ignore[attr-defined]  # (private, not in the stubs)
        klass_info = compiler.klass_info
        assert klass_info is not None  # a model query always has one
        self.model: type[_M] = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.fields = slice(start, end)
        self.init_list = [column[0].target.attname for column in compiler.select[start:end]]
        # (The stubs follow a later Django, whose populators also take a fetch mode.)
        self.related_populators = get_related_populators(klass_info, compiler.select, self.alias)  # type: ignore[call-arg]
        self.annotations = list(compiler.annotation_col_map.items())
        # The backend's and the fields' converters for each column (what results_iter would look up every time).
        self.converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])

    def usable(self) -> bool:
        """Whether it was built on the connection this thread uses now for its database (connections are per thread)."""
        return self.compiler.connection is connections[self.alias]

    def get(self, pk: int) -> _M | None:
        """The object with primary key `pk` in the prepared queryset, or None. Raises what `QuerySet.get` raises
        when more than one row matches."""
        params = list(self.params)
        params[self.slot] = pk
        rows = fetch(self.compiler.connection, self.sql, params, self.driver_sql, size=2)
        if not rows:
            return None
        if len(rows) > 1:
            many = f"get() returned more than one {self.model.__name__}"
            raise self.model.MultipleObjectsReturned(many)  # type: ignore[attr-defined]
        row = next(self.compiler.apply_converters(rows, self.converters)) if self.converters else rows[0]
        obj = self.model.from_db(self.alias, self.init_list, row[self.fields])
        for populator in self.related_populators:
            populator.populate(row, obj)
        for name, position in self.annotations:
            setattr(obj, name, row[position])
        if self.prefetch:
            prefetch_related_objects([obj], *self.prefetch)
        return obj


def prepare(queryset: "QuerySet[_M]") -> "PreparedLookup[_M] | None":
    """A PreparedLookup for `queryset.get(pk=…)`, or None where it cannot be proved to do exactly that."""
    pk_field = queryset.model._meta.pk
    # (An integer primary key is one column: no composite key, whose rows the ORM reshapes.)
    known_related = queryset._known_related_objects  # type: ignore[attr-defined]  # (private, not in the stubs)
    if not isinstance(pk_field, (AutoField, BigAutoField, IntegerField)) or known_related:
        return None
    compiled = []
    for probe in _PROBES:
        # What QuerySet.get builds: the filter, no ordering, a limit.
        clone = queryset.filter(pk=probe).order_by()
        clone.query.set_limits(high=MAX_GET_RESULTS)
        compiler = clone.query.get_compiler(using=clone.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        compiled.append((compiler, sql, list(params)))
    (compiler, sql, params), (_, other_sql, other_params) = compiled
    changed = [i for i, (one, two) in enumerate(zip(params, other_params, strict=False)) if one != two]
    if (
        other_sql != sql
        or len(params) != len(other_params)
        or len(changed) != 1
        or (params[changed[0]], other_params[changed[0]]) != _PROBES
    ):
        return None
    return PreparedLookup(queryset, compiler, sql, params, changed[0])


# Where the ids of a PreparedRows statement start: far below any id a table holds, one block per compilation.
_IN_PROBES = (-7_100_000_000_000, -7_200_000_000_000)


class PreparedRows:
    """The rows of `make_queryset().filter(<field>__in=ids)`, a `values_list()` queryset, with its SQL built once per
    number of ids and database connection instead of on every call.

    For the few related queries a page of tickets makes (its mechanics, part lines, labor lines, clocked time and
    estimates): building their querysets and SQL was a third of a page of ten tickets, and it depends only on how
    many ids there are (docs/decisions/0032-a-pages-related-rows-without-rebuilding-their-sql.md); the same holds for
    a page of estimates' lines, and for a vehicle's owner read by its id (decision 0037). Rows come back as
    `values_list` gives them: tuples, in the queryset's order, through the backend's and the fields' converters.

    For each number of ids it compiles the statement twice with different ids, and uses it only if the two SQL texts
    are the same and the parameters differ exactly at the ids, in their order; otherwise, and for a queryset that is
    not a plain `values_list`, `rows` runs the ORM as usual.
    """

    def __init__(self, make_queryset: "Callable[[], QuerySet[Any]]", field: str):
        self.make_queryset = make_queryset
        self.lookup = f"{field}__in"
        # Per thread, as its connection is: ids → (connection, compiler, sql, driver sql, params, slots, converters),
        # or None where it cannot be prepared.
        self._local = threading.local()

    def _compiled(self) -> dict[int, tuple[Any, ...] | None]:
        compiled: dict[int, tuple[Any, ...] | None] | None = getattr(self._local, "compiled", None)
        if compiled is None:
            compiled = self._local.compiled = {}
        return compiled

    def rows(self, ids: "Iterable[int]") -> list[tuple[Any, ...]]:
        """The rows for `ids`: integers read from the database (anything else goes through the ORM, which converts
        it as its `__in` lookup does)."""
        # As the `__in` lookup does: each id once, in the order first given.
        ids = list(dict.fromkeys(ids))
        if not ids:
            return []
        if any(type(pk) is not int for pk in ids):
            return list(self.make_queryset().filter(**{self.lookup: ids}))
        count, by_count = len(ids), self._compiled()
        compiled = by_count.get(count)
        # The queryset is made only to compile it (once per number of ids and connection) or to run it by the ORM.
        if count not in by_count or (compiled is not None and compiled[0] is not connections[compiled[0].alias]):
            compiled = by_count[count] = self._compile(self.make_queryset(), count)
        if compiled is None:
            return list(self.make_queryset().filter(**{self.lookup: ids}))
        connection, compiler, sql, driver, params, slots, converters = compiled
        params = list(params)
        for slot, pk in zip(slots, ids, strict=True):
            params[slot] = pk
        rows = fetch(connection, sql, params, driver)
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if converters:
            rows = compiler.apply_converters(rows, converters)
        return [tuple(row) for row in rows]

    def _compile(self, queryset: "QuerySet[Any]", count: int) -> tuple[Any, ...] | None:
        if queryset._iterable_class is not ValuesListIterable:
            return None
        compiled = []
        for start in _IN_PROBES:
            probes = [start - index for index in range(count)]
            compiler = queryset.filter(**{self.lookup: probes}).query.get_compiler(using=queryset.db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return None
            compiled.append((compiler, sql, list(params), probes))
        (compiler, sql, params, probes), (_, other_sql, other_params, other_probes) = compiled
        slots = [i for i, (one, two) in enumerate(zip(params, other_params, strict=False)) if one != two]
        if (
            other_sql != sql
            or len(params) != len(other_params)
            or [params[i] for i in slots] != probes
            or [other_params[i] for i in slots] != other_probes
        ):
            return None
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        return compiler.connection, compiler, sql, driver_sql(compiler.connection, sql), params, slots, converters
