"""Ticket filters, search and ordering."""

from datetime import date

import pytest
from django.urls import reverse

from tickets.models import ServiceTicket

pytestmark = pytest.mark.django_db
LIST = reverse("serviceticket-list")


@pytest.fixture
def world(make_customer, make_mechanic, make_ticket):
    alice, bob = make_customer(with_login=False), make_customer(with_login=False)
    mo, zed = make_mechanic(), make_mechanic()
    tickets = {
        "a1": make_ticket(alice, vin="1HGCM82633A004352", service_date=date(2026, 1, 10), description="Brake pads",
                          mechanics=[mo]),
        "a2": make_ticket(alice, vin="JH4KA7561PC008269", service_date=date(2026, 1, 20), description="Oil change",
                          mechanics=[mo, zed], status=ServiceTicket.Status.IN_PROGRESS),
        "b1": make_ticket(bob, vin="WVWZZZ1JZXW000001", service_date=date(2026, 1, 31), description="Timing belt",
                          mechanics=[zed]),
    }  # fmt: skip
    return {"alice": alice, "bob": bob, "mo": mo, "zed": zed, **tickets}


def ids(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return {t["id"] for t in response.json()["results"]}


def test_filters(admin_client_api, world):
    w = world
    assert ids(admin_client_api, status="in_progress") == {w["a2"].pk}
    assert ids(admin_client_api, customer_id=w["alice"].pk) == {w["a1"].pk, w["a2"].pk}
    assert ids(admin_client_api, mechanic_id=w["zed"].pk) == {w["a2"].pk, w["b1"].pk}
    assert ids(admin_client_api, vin="jh4ka7561pc008269") == {w["a2"].pk}


def test_date_range_includes_both_ends(admin_client_api, world):
    w = world
    found = ids(admin_client_api, service_date_after="2026-01-10", service_date_before="2026-01-20")
    assert found == {w["a1"].pk, w["a2"].pk}
    assert ids(admin_client_api, service_date_after="2026-01-31") == {w["b1"].pk}


def test_search_description_and_vin(admin_client_api, world):
    assert ids(admin_client_api, search="timing") == {world["b1"].pk}
    assert ids(admin_client_api, search="WVWZZZ") == {world["b1"].pk}


def test_default_order_is_newest_first(admin_client_api, world):
    results = admin_client_api.get(LIST).json()["results"]
    assert [t["id"] for t in results] == [world["b1"].pk, world["a2"].pk, world["a1"].pk]


@pytest.mark.parametrize("ordering", ["service_date", "-service_date", "id", "-id", "status", "created_at"])
def test_ordering(admin_client_api, world, ordering):
    results = admin_client_api.get(LIST, {"ordering": ordering}).json()["results"]
    key = ordering.lstrip("-")
    values = [t[key] for t in results]
    assert values == sorted(values, reverse=ordering.startswith("-"))


@pytest.mark.parametrize(
    "params",
    [
        {"status": "finished"},
        {"customer_id": "abc"},
        {"customer_id": "99999999999999999999999"},
        {"mechanic_id": "-1"},
        {"service_date_after": "31/01/2026"},
    ],
)
def test_invalid_filter_values_are_400(admin_client_api, world, params):
    response = admin_client_api.get(LIST, params)
    assert response.status_code == 400
    name = next(iter(params))
    assert any(name.startswith(key) for key in response.json())


def test_paging_ordering_and_search_alone_skip_the_filterset(admin_client_api, world, monkeypatch):
    """The filter backend only binds a FilterSet when the query string could filter; results are the same."""
    from tickets.filters import ServiceTicketFilterSet

    bound = []
    original_init = ServiceTicketFilterSet.__init__

    def counting_init(self, *args, **kwargs):
        bound.append(1)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(ServiceTicketFilterSet, "__init__", counting_init)
    w = world
    assert ids(admin_client_api, page=1, page_size=2, ordering="-id") == {w["b1"].pk, w["a2"].pk}
    assert ids(admin_client_api, search="belt", per_page=5) == {w["b1"].pk}
    assert bound == []
    # Any other parameter takes the full path: filters apply, bad values are still a 400.
    assert ids(admin_client_api, status="in_progress", page=1) == {w["a2"].pk}
    response = admin_client_api.get(LIST, {"status": "bogus", "page": 1})
    assert response.status_code == 400
    assert "status" in response.json()
    assert len(bound) == 2


@pytest.mark.parametrize("param", ["service_date_after", "service_date_before"])
def test_an_invalid_date_is_a_400_keyed_by_the_parameter_sent(admin_client_api, world, param):
    response = admin_client_api.get(LIST, {param: "yesterday"})
    assert response.status_code == 400
    assert response.json() == {param: ["Enter a valid date as YYYY-MM-DD."]}


def test_an_invalid_status_filter_lists_the_valid_ones(admin_client_api, world):
    response = admin_client_api.get(LIST, {"status": "finished"})
    assert response.status_code == 400
    assert response.json() == {
        "status": ["“finished” is not a status; use one of: open, in_progress, completed, cancelled."]
    }
