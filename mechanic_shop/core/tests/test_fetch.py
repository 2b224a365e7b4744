"""`fetch` runs a statement built once on the driver's own cursor while nothing listens to queries, and through
Django's cursor when something does: the same rows either way, the same errors, and every listener sees the query."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from customers.models import Customer
from mechanic_shop.core.prepared import PreparedRows, driver_sql, fetch, prepare

SQL = f"SELECT id, name, email FROM {Customer._meta.db_table} WHERE id IN (%s, %s) ORDER BY id"


@pytest.fixture
def refuse_django_cursor(monkeypatch):
    """Call it to make Django's cursor unusable on the test's connection: what runs after that ran on the driver's."""

    def refused(*args, **kwargs):
        raise AssertionError("Django's cursor was used")

    return lambda: monkeypatch.setattr(connection, "cursor", refused)


def test_the_driver_s_placeholders():
    sql = "SELECT a FROM t WHERE a = %s AND b LIKE 'x%%' AND c IN (%s, %s)"
    if connection.vendor == "sqlite":
        assert driver_sql(connection, sql) == "SELECT a FROM t WHERE a = ? AND b LIKE 'x%' AND c IN (?, ?)"
    else:
        assert driver_sql(connection, sql) == sql


@pytest.mark.django_db
def test_nobody_listening_runs_on_the_driver_s_cursor_with_the_same_rows(refuse_django_cursor):
    one, two = baker.make(Customer, _quantity=2)
    refuse_django_cursor()
    rows = fetch(connection, SQL, [one.pk, two.pk], driver_sql(connection, SQL))
    assert [tuple(row) for row in rows] == [(one.pk, one.name, one.email), (two.pk, two.name, two.email)]
    first = fetch(connection, SQL, [one.pk, two.pk], driver_sql(connection, SQL), size=1)
    assert [tuple(row) for row in first] == [(one.pk, one.name, one.email)]


@pytest.mark.django_db
def test_a_query_log_sees_the_statement():
    one = baker.make(Customer)
    with CaptureQueriesContext(connection) as queries:
        rows = fetch(connection, SQL, [one.pk, one.pk], driver_sql(connection, SQL))
    assert [tuple(row) for row in rows] == [(one.pk, one.name, one.email)]
    assert len(queries) == 1
    assert str(one.pk) in queries[0]["sql"]


@pytest.mark.django_db
def test_an_execute_wrapper_sees_the_statement():
    one = baker.make(Customer)
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, list(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        rows = fetch(connection, SQL, [one.pk, one.pk], driver_sql(connection, SQL))
    assert len(rows) == 1
    assert seen == [(SQL, [one.pk, one.pk])]


@pytest.mark.django_db
def test_a_backend_it_does_not_know_goes_through_django_s_cursor(monkeypatch):
    one = baker.make(Customer)
    cursors = []
    real_cursor = connection.cursor

    def cursor():
        cursors.append(1)
        return real_cursor()

    monkeypatch.setattr(connection, "cursor", cursor)
    rows = fetch(connection, SQL, [one.pk, one.pk], None)  # no driver SQL: what driver_sql gives such a backend
    assert [tuple(row) for row in rows] == [(one.pk, one.name, one.email)]
    assert cursors == [1]


@pytest.mark.django_db
def test_the_driver_s_errors_are_django_s(refuse_django_cursor):
    refuse_django_cursor()
    sql = "SELECT id FROM no_such_table WHERE id = %s"
    with pytest.raises(DatabaseError) as raised:
        fetch(connection, sql, [1], driver_sql(connection, sql))
    assert type(raised.value).__module__ == "django.db.utils"


@pytest.mark.django_db
def test_a_broken_transaction_is_refused_as_django_s_cursor_refuses_it():
    with transaction.atomic():
        transaction.set_rollback(True)  # as after an error the block did not handle
        with pytest.raises(TransactionManagementError):
            fetch(connection, SQL, [1, 2], driver_sql(connection, SQL))


@pytest.mark.django_db
def test_prepared_lookups_and_rows_take_the_driver_s_cursor_too(refuse_django_cursor):
    customer = baker.make(Customer, _fill_optional=True)
    expected = Customer.objects.get(pk=customer.pk)
    lookup = prepare(Customer.objects.all())
    rows = PreparedRows(lambda: Customer.objects.values_list("id", "created_at"), "id")
    assert lookup is not None
    assert rows.rows([customer.pk]) == [(customer.pk, expected.created_at)]  # compiled (by the ORM's cursor) and run
    refuse_django_cursor()

    found = lookup.get(customer.pk)
    assert {f.attname: getattr(found, f.attname) for f in Customer._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Customer._meta.concrete_fields
    }
    assert rows.rows([customer.pk]) == [(customer.pk, expected.created_at)]
