"""The fast ticket JSON must be exactly what ServiceTicketSerializer gives, so the two cannot drift apart."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from model_bakery import baker

from mechanic_shop.api.fields import iso_timestamp
from tickets.models import ServiceTicket
from tickets.representations import (
    TEXT_DATES_FROM_ROWS,
    _timestamp,
    ticket_representation,
    ticket_representations,
    ticket_rows,
)
from tickets.serializers import ServiceTicketSerializer
from tickets.services import ticket_add_labor_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(make_customer, make_mechanic, make_ticket):
    customer = make_customer(with_login=False)
    mechanics = [make_mechanic() for _ in range(3)]
    parts = [
        baker.make("inventory.Part", name=name, price=Decimal(price), quantity_in_stock=100)
        for name, price in (("Oil filter", "8.99"), ("Brake pad set", "54.00"), ("Bolt", "0.10"))
    ]
    tickets = [
        make_ticket(
            customer,
            vin="1HGCM82633A00435" + str(i),
            service_date=date(2026, 2, i + 1),
            description=f"Job {i}",
            mechanics=mechanics[: i % 3 + 1],
            labor_cost=Decimal("120.50") * i,
            pickup_date=date(2026, 2, i + 3) if i % 2 else None,
            parts=[(part, i + 1) for part in parts[: i % 3]],
            status=ServiceTicket.Status.COMPLETED if i == 1 else ServiceTicket.Status.OPEN,
        )
        for i in range(4)
    ]
    for i, ticket in enumerate(tickets):
        if not ticket.is_closed:  # labor lines on the open ones, some by a mechanic, some not
            for n in range(i):
                ticket_add_labor_line(
                    ticket=ticket,
                    description=f"Step {n}",
                    hours=Decimal("1.25") * (n + 1),
                    rate=Decimal("87.50"),
                    mechanic_id=mechanics[0].pk if n % 2 else None,
                )
    return tickets


def serializer_output(tickets_in_order):
    fresh = [ServiceTicket.objects.get(pk=t.pk) for t in tickets_in_order]
    return [dict(ServiceTicketSerializer(t).data) for t in fresh]


@pytest.mark.parametrize("dates_as_text", [False, True])
def test_page_matches_the_serializer(tickets, dates_as_text):
    queryset = ServiceTicket.objects.order_by("-created_at", "-id")
    fast = ticket_representations(ticket_rows(queryset, dates_as_text=dates_as_text))
    assert fast == serializer_output(list(queryset))
    assert [t["id"] for t in fast] == [t.pk for t in queryset]


def test_one_ticket_matches_the_serializer(tickets):
    completed = tickets[1]
    fast = ticket_representation(completed)
    assert fast == serializer_output([completed])[0]
    assert fast["status"] == "completed"
    assert fast["completed_at"].endswith("Z")
    assert fast["parts_total"] == "17.98"
    assert fast["total_cost"] == "138.48"


def test_a_ticket_without_mechanics_or_parts_matches_the_serializer(make_ticket):
    ticket = make_ticket(labor_cost=0)
    fast = ticket_representation(ticket)
    assert fast == serializer_output([ticket])[0]
    assert fast["mechanics"] == []
    assert fast["parts"] == []
    assert fast["total_cost"] == "0.00"


def test_page_costs_six_queries_whatever_its_size(tickets, django_assert_num_queries):
    # the tickets, their mechanics, their part lines, their labor lines, their clocked time, their estimates
    with django_assert_num_queries(6):
        ticket_representations(ticket_rows(ServiceTicket.objects.all()[:1]))
    with django_assert_num_queries(6):
        ticket_representations(ticket_rows(ServiceTicket.objects.all()))


def test_list_reads_only_the_requested_page(tickets, admin_client_api):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client_api.get(reverse("serviceticket-list"), {"page_size": 2})
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["results"]] == [tickets[3].pk, tickets[2].pk]
    selects = [q["sql"] for q in queries if "tickets_serviceticket" in q["sql"] and "COUNT" not in q["sql"]]
    assert selects
    assert all("LIMIT 2" in sql for sql in selects)


# Dates and timestamps are read as the database's text and reshaped (decision 0034): whole seconds and microseconds,
# null, and each column, on SQLite and on MariaDB alike (there a DATETIME(6) always has six digits).
WHEN = [
    datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 8, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=UTC),
]


@pytest.mark.parametrize("when", WHEN, ids=lambda when: when.strftime("%S.%f"))
def test_timestamps_read_as_text_match_the_serializer(when, make_ticket):
    ticket = make_ticket(labor_cost=0, pickup_date=date(2026, 3, 2))
    ServiceTicket.objects.filter(pk=ticket.pk).update(
        created_at=when, updated_at=when, completed_at=when, status_since=when, service_date=date(2026, 2, 28)
    )
    fast = ticket_representations(ticket_rows(ServiceTicket.objects.filter(pk=ticket.pk), dates_as_text=True))[0]
    assert fast == serializer_output([ticket])[0]
    expected = when.isoformat().replace("+00:00", "Z")
    assert [fast[c] for c in ("created_at", "updated_at", "completed_at", "status_since")] == [expected] * 4
    assert (fast["service_date"], fast["pickup_date"]) == ("2026-02-28", "2026-03-02")
    # The same from the objects: a small page, and a ticket already loaded (a service's answer).
    assert ticket_representations(ticket_rows(ServiceTicket.objects.filter(pk=ticket.pk)))[0] == fast
    assert ticket_representation(ServiceTicket.objects.get(pk=ticket.pk), reread=False) == fast


@pytest.mark.parametrize("dates_as_text", [False, True])
def test_a_null_date_and_timestamp_are_null(make_ticket, dates_as_text):
    ticket = make_ticket(labor_cost=0, pickup_date=None)
    fast = ticket_representations(ticket_rows(ServiceTicket.objects.filter(pk=ticket.pk), dates_as_text=dates_as_text))
    assert fast == serializer_output([ticket])
    assert (fast[0]["pickup_date"], fast[0]["completed_at"]) == (None, None)


def test_a_page_of_many_tickets_reads_its_dates_as_text_and_answers_the_same(tickets, admin_client_api):
    url = reverse("serviceticket-list")
    answers = {}
    for size in (TEXT_DATES_FROM_ROWS - 1, TEXT_DATES_FROM_ROWS):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client_api.get(url, {"page_size": size})
        assert response.status_code == 200
        page_sql = [q["sql"] for q in queries if "LIMIT" in q["sql"] and "tickets_serviceticket" in q["sql"]]
        assert len(page_sql) == 1
        assert ("CAST" in page_sql[0].upper()) == (size == TEXT_DATES_FROM_ROWS)
        answers[size] = response.json()["results"]
    assert answers[TEXT_DATES_FROM_ROWS - 1] == answers[TEXT_DATES_FROM_ROWS]
    assert len(answers[TEXT_DATES_FROM_ROWS]) == len(tickets)


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01 08:00:00",
        "2026-03-01 08:00:00.000000",
        "2026-03-01 08:00:00.000001",
        "2026-03-01 08:00:00.5",  # a shape Django never writes: the datetime path
        "2026-03-01T08:00:00",
        "2026-03-01 08:00:00+00:00",
        "2026-03-01 10:00:00+02:00",
    ],
)
def test_any_stored_timestamp_text_gives_what_its_datetime_gives(text):
    parsed = parse_datetime(text)
    aware = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
    assert _timestamp(text) == iso_timestamp(aware)


def test_text_that_is_no_timestamp_is_an_error_not_a_wrong_answer():
    with pytest.raises(ValueError, match="Not a timestamp"):
        _timestamp("yesterday")


def test_a_bad_filter_is_still_the_400_before_a_bad_page_size(tickets, admin_client_api):
    url = reverse("serviceticket-list")
    response = admin_client_api.get(url, {"status": "nonsense", "page_size": "many"})
    assert response.status_code == 400
    assert set(response.json()) == {"status"}
    response = admin_client_api.get(url, {"page_size": "many"})
    assert response.status_code == 400
    assert response.json() == {"page_size": ["Send a whole number from 1 to 100."]}
    assert admin_client_api.get(url, {"page_size": "0"}).status_code == 400
    # Past the maximum is served as the maximum, with the dates read as text.
    response = admin_client_api.get(url, {"page_size": "5000"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == len(tickets)


# A page of the whole list (staff, nothing but the page in the query string) runs a statement built once
# (decision 0039): it must be the very statement the filters would have built, and only that case may take it.
def _page_sql(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    pages = [q["sql"] for q in queries if "LIMIT" in q["sql"] and "tickets_serviceticket" in q["sql"]]
    assert len(pages) == 1
    return response.json(), pages[0]


@pytest.mark.parametrize("size", [2, TEXT_DATES_FROM_ROWS])
def test_the_whole_list_s_page_is_the_statement_the_filters_build(tickets, admin_client_api, size):
    url = reverse("serviceticket-list")
    for page in (1, 2):
        prepared, prepared_sql = _page_sql(admin_client_api, url, {"page_size": size, "page": page})
        # `format` is no filter, but not the page either: this request goes through the ORM and the filters.
        built, built_sql = _page_sql(admin_client_api, url, {"page_size": size, "page": page, "format": "json"})
        assert prepared_sql == built_sql
        assert prepared["results"] == built["results"]
        assert prepared["count"] == built["count"] == len(tickets)
        if size == TEXT_DATES_FROM_ROWS:
            break


def test_any_other_parameter_still_shapes_the_list(tickets, admin_client_api, customer, customer_client, make_ticket):
    url = reverse("serviceticket-list")
    newest_first = [t.pk for t in reversed(tickets)]
    assert [t["id"] for t in admin_client_api.get(url).json()["results"]] == newest_first
    assert [t["id"] for t in admin_client_api.get(url, {"ordering": "id"}).json()["results"]] == newest_first[::-1]
    assert [t["id"] for t in admin_client_api.get(url, {"search": "A004352"}).json()["results"]] == [tickets[2].pk]
    assert [t["id"] for t in admin_client_api.get(url, {"status": "completed"}).json()["results"]] == [tickets[1].pk]
    # A customer's list is its own, with nothing but the page in the query string too.
    own = make_ticket(customer)
    mine = customer_client.get(url, {"page_size": 2}).json()
    assert mine["count"] == 1
    assert [t["id"] for t in mine["results"]] == [own.pk]


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        '{"open": 12, "in_progress": 3600}',
        '{"open": 123456789012345678901234567890}',  # past 64 bits: orjson would make it a float
        '{"open": 18446744073709551616, "x": -9223372036854775809}',
        '{"open": 999999999999999999}',  # 18 digits: orjson's own
        '{"open": 1e400, "x": "\\ud800"}',  # orjson refuses these
        '{"open": 1.5e3, "x": [true, null, "é"]}',
        "null",
        "not json",  # the field gives the text back
        None,
    ],
)
def test_stored_json_decodes_as_the_field_decodes_it(text):
    from tickets.representations import _json

    field = ServiceTicket._meta.get_field("stage_durations")
    assert repr(_json(text)) == repr(field.from_db_value(text, None, None))


def test_a_page_of_many_tickets_shows_the_stage_durations_stored(tickets, admin_client_api):
    spent = {"open": 120, "in_progress": 86_400, "waiting_parts": 2**40}
    ServiceTicket.objects.filter(pk=tickets[2].pk).update(stage_durations=spent)
    url = reverse("serviceticket-list")
    for size in (TEXT_DATES_FROM_ROWS - 1, TEXT_DATES_FROM_ROWS):
        body = admin_client_api.get(url, {"page_size": size}).json()
        shown = {t["id"]: t["stage_durations"] for t in body["results"]}
        assert shown[tickets[2].pk] == spent
        assert shown[tickets[0].pk] == ServiceTicket.objects.get(pk=tickets[0].pk).stage_durations


def test_a_prepared_page_still_refuses_bad_pages_and_anyone_without_the_right(
    admin_client_api, staff_client, customer_client, anon_client, make_ticket, customer
):
    """The six lists that take a statement built once with nothing but the page asked for (decision 0039): a bad page
    size is still a 400 naming it, a page that is not one or past the end a 404, `per_page` still the size, and the
    permissions unchanged."""
    from inventory.services import part_adjust_stock, part_create
    from tickets.estimates import estimate_create

    part = part_create(name="Oil filter", price=Decimal("8.50"), quantity_in_stock=3)
    ticket = make_ticket(customer, parts=[(part, 1)])
    part_adjust_stock(part=part, delta=2)
    estimate_create(ticket=ticket)
    estimate_create(ticket=ticket)
    urls = {
        "tickets": reverse("serviceticket-list"),
        "history": reverse("vehicle-service-history-list", args=[ticket.vehicle_id]),
        "estimates": "/estimates",
        "a ticket's estimates": reverse("serviceticket-estimates", args=[ticket.pk]),
        "movements": reverse("part-movements", args=[part.pk]),
        "a ticket's events": reverse("serviceticket-events", args=[ticket.pk]),
    }
    for name, url in urls.items():
        whole = admin_client_api.get(url).json()
        assert whole["count"] >= 1, name
        one = admin_client_api.get(url, {"per_page": 1, "page": whole["count"]})
        assert one.status_code == 200, name
        assert one.json()["results"] == whole["results"][-1:], name
        assert admin_client_api.get(url, {"page": whole["count"] + 1, "page_size": 1}).status_code == 404, name
        assert admin_client_api.get(url, {"page": "two"}).status_code == 404, name
        refused = admin_client_api.get(url, {"page_size": "0"})
        assert refused.status_code == 400, name
        assert set(refused.json()) == {"page_size"}, name
        assert anon_client.get(url).status_code == 401, name
        assert staff_client().get(url).status_code == 403, name
    # A customer: its own ticket's estimates and history; no shop-wide list of estimates or movements.
    assert customer_client.get(urls["a ticket's estimates"]).json()["count"] == 2
    assert customer_client.get(urls["history"]).json()["count"] == 1
    assert customer_client.get(urls["a ticket's events"]).json()["count"] == 2  # its estimates, not the rest
    assert admin_client_api.get(urls["a ticket's events"]).json()["count"] > 2
    assert customer_client.get(urls["estimates"]).status_code == 403
    assert customer_client.get(urls["movements"]).status_code == 403


@pytest.mark.parametrize("size", [2, TEXT_DATES_FROM_ROWS])
def test_a_vehicle_s_whole_history_is_the_statement_the_filters_build(admin_client_api, make_ticket, customer, size):
    first = make_ticket(customer, service_date=date(2026, 1, 5))
    for day in (6, 7):
        make_ticket(customer, vehicle=first.vehicle, service_date=date(2026, 1, day))
    url = reverse("vehicle-service-history-list", args=[first.vehicle_id])
    prepared, prepared_sql = _page_sql(admin_client_api, url, {"page_size": size})
    built, built_sql = _page_sql(admin_client_api, url, {"page_size": size, "unread": "1"})  # no filter reads it
    assert prepared_sql == built_sql
    assert prepared["results"] == built["results"]
    assert [t["service_date"] for t in prepared["results"]][:2] == ["2026-01-07", "2026-01-06"]
    assert prepared["count"] == 3
