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
from typing import Any, Generic, NamedTuple, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import AutoField, BigAutoField, IntegerField, Model, QuerySet, prefetch_related_objects
from django.db.models.query import MAX_GET_RESULTS, ValuesIterable, ValuesListIterable, get_related_populators
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


# The ids and slices a PreparedPage statement is compiled with: ids no table holds, offsets that are not 0 (Django
# leaves out `OFFSET 0`).
_PAGE_PROBES = ((-7_300_000_000_001, 3, 10), (-7_300_000_000_002, 7, 20))


class PreparedPage:
    """Pages of one `values()` queryset, `make_queryset(*args)[low:high]` as the ORM gives them (dicts, through the
    backend's and the fields' converters), with its SQL built once per database connection instead of on every page.

    A page of ten tickets spent a third of its time having Django build the same statement again: `values()` resolving
    each column, then the compiler its select list, its ordering and its converters
    (docs/decisions/0039-a-whole-lists-page-without-rebuilding-its-sql.md). For a queryset whose shape is fixed (a
    view's whole list, or all of one vehicle's tickets, one ticket's estimates or events, one part's movements) only
    the page and at most one integer argument change. `make_queryset` takes no argument (with `takes_id` false) or
    that one id.

    It compiles the statement twice, with two different arguments and slices, and uses it only if the two texts are
    the same up to the `LIMIT … OFFSET …` that Django appends and the parameters differ exactly at the argument;
    otherwise `page` runs the ORM.
    """

    def __init__(self, make_queryset: "Callable[..., QuerySet[Any]]", *, takes_id: bool = False):
        self.make_queryset = make_queryset
        self.takes_id = takes_id
        # Per thread, as its connection is: `prepared`, the statement (_PreparedPage) or None where it cannot be.
        self._local = threading.local()
        # The same queryset without its ordering, prepared the same way, for `count` (made on first use).
        self._unordered: PreparedPage | None = None

    def page(self, *args: int) -> "PageRows":
        """The queryset for `args` as Django's Paginator takes it: slicing it runs one page's statement."""
        return PageRows(self, args)

    def rows(self, args: tuple[int, ...], low: int, high: int) -> list[dict[str, Any]]:
        """Rows `low` to `high` (excluded) of the queryset for `args`, as `values()` gives them."""
        if high <= low:
            return []
        prepared, params = self._bind(args)
        if prepared is None:
            return list(self.make_queryset(*args)[low:high])
        connection = prepared.compiler.connection
        # What Django's compiler appends for the slice, from the backend's own operations.
        limits = " " + connection.ops.limit_offset_sql(low, high)
        driver = None if prepared.driver_sql is None else prepared.driver_sql + limits
        rows: Iterable[Sequence[Any]] = fetch(connection, prepared.sql + limits, params, driver)
        if prepared.converters:
            rows = prepared.compiler.apply_converters(rows, prepared.converters)
        names = prepared.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def count(self, args: tuple[int, ...]) -> int:
        """How many rows the queryset for `args` holds: its statement without the ORDER BY, prepared the same way and
        counted by the database (`SELECT COUNT(*) FROM (…)`), or the ORM's `count()` where it is not prepared.

        Without the ordering, SQLite folds the count into the subquery and counts index entries; with it, it reads
        every row of the subquery in order first (five times as long for a ticket's 1,900 events)."""
        if self._unordered is None:
            make_queryset = self.make_queryset
            self._unordered = PreparedPage(lambda *args: make_queryset(*args).order_by(), takes_id=self.takes_id)
        prepared, params = self._unordered._bind(args)
        if prepared is None:
            return int(self.make_queryset(*args).count())
        connection = prepared.compiler.connection
        wrap = f"SELECT COUNT(*) FROM (%s) {connection.ops.quote_name('counted')}"
        driver = None if prepared.driver_sql is None else wrap % prepared.driver_sql
        ((total,),) = fetch(connection, wrap % prepared.sql, params, driver)
        return int(total)

    def _bind(self, args: tuple[int, ...]) -> "tuple[_PreparedPage | None, list[Any]]":
        """This thread's statement and its parameters for `args`; (None, []) where the ORM must run it (no statement
        could be prepared, or an argument is not an int, which the ORM converts)."""
        prepared = self._prepared()
        if prepared is None or any(type(arg) is not int for arg in args):
            return None, []
        params = prepared.params
        if prepared.slot is not None:
            params = list(params)
            params[prepared.slot] = args[0]
        return prepared, params

    def _prepared(self) -> "_PreparedPage | None":
        """This thread's statement, compiled on its first use and again for a new connection; None where it cannot
        be prepared."""
        if hasattr(self._local, "prepared"):
            prepared: _PreparedPage | None = self._local.prepared
            if prepared is None or prepared.compiler.connection is connections[prepared.compiler.connection.alias]:
                return prepared
        prepared = self._local.prepared = self._compile()
        return prepared

    def _compile(self) -> "_PreparedPage | None":
        compiled = []
        for probe, low, high in _PAGE_PROBES:
            queryset = self.make_queryset(probe) if self.takes_id else self.make_queryset()
            if queryset._iterable_class is not ValuesIterable:
                return None
            query = queryset[low:high].query
            compiler = query.get_compiler(using=queryset.db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                return None
            limits = " " + compiler.connection.ops.limit_offset_sql(low, high)
            if not sql.endswith(limits):
                return None
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            compiled.append((compiler, sql[: -len(limits)], list(params), names, probe))
        (compiler, sql, params, names, probe), (_, other_sql, other_params, _, other_probe) = compiled
        changed = [i for i, (one, two) in enumerate(zip(params, other_params, strict=False)) if one != two]
        if other_sql != sql or len(params) != len(other_params) or len(names) != compiler.col_count:
            return None
        slot = None
        if self.takes_id:
            if len(changed) != 1 or (params[changed[0]], other_params[changed[0]]) != (probe, other_probe):
                return None
            slot = changed[0]
        elif changed:
            return None
        converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        return _PreparedPage(compiler, sql, driver_sql(compiler.connection, sql), params, slot, names, converters)


class _PreparedPage(NamedTuple):
    """A PreparedPage's statement on one connection (the compiler's): its SQL up to the slice, Django's and the
    driver's, its parameters with the argument's slot, the names of its columns and their converters."""

    compiler: SQLCompiler
    sql: str
    driver_sql: str | None
    params: list[Any]
    slot: int | None
    names: list[str]
    converters: dict[int, Any]


class PageRows:
    """A PreparedPage's queryset for some arguments, as Django's Paginator uses a queryset: the total is `count_hint`
    (a count the view keeps elsewhere) or else the prepared count, and a slice runs the page's statement."""

    ordered = True  # the queryset's own ordering (Paginator warns about an unordered list)

    def __init__(self, prepared: PreparedPage, args: tuple[int, ...]):
        self.prepared = prepared
        self.args = args
        self.count_hint: Callable[[], int] | None = None

    def count(self) -> int:
        if self.count_hint is not None:
            return self.count_hint()
        return self.prepared.count(self.args)

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("A page is a slice without a step.")
        low, high = index.start or 0, index.stop
        if high is None or low < 0 or high < 0:
            raise ValueError("A page is a slice with both ends, from 0.")
        return self.prepared.rows(self.args, low, high)
