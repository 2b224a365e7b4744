"""The stock ledger: every change of a part's stock is a movement, from every path, in the change's transaction."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from model_bakery import baker

from inventory.management.commands.check_stock import ledger_problems
from inventory.models import Part, StockMovement, Supplier
from inventory.services import part_adjust_stock, part_create
from mechanic_shop.core.exceptions import Conflict
from tickets.services import ticket_add_part, ticket_delete, ticket_remove_part, ticket_set_status

pytestmark = pytest.mark.django_db
LIST = reverse("part-list")


def detail(pk: int) -> str:
    return reverse("part-detail", args=[pk])


def adjust_url(pk: int) -> str:
    return reverse("part-adjust", args=[pk])


def movements_url(pk: int) -> str:
    return reverse("part-movements", args=[pk])


def chain(part: Part) -> list[tuple]:
    return list(part.movements.order_by("id").values_list("delta", "balance_after", "reason"))


@pytest.fixture
def pads(db):
    return part_create(name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=10)


# --- The API ---------------------------------------------------------------------------------------------------------


def test_a_part_created_with_stock_starts_its_ledger(admin_client_api, django_user_model):
    response = admin_client_api.post(LIST, {"name": "Oil filter", "price": "8.50", "quantity_in_stock": 4},
                                     format="json")  # fmt: skip
    assert response.status_code == 201
    part = Part.objects.get()
    assert chain(part) == [(4, 4, "initial")]
    assert part.movements.get().user_id == django_user_model.objects.get().pk
    # With no stock too: every part's chain starts with its initial movement.
    response = admin_client_api.post(LIST, {"name": "Bolt", "price": "0.10"}, format="json")
    assert chain(Part.objects.get(pk=response.json()["id"])) == [(0, 0, "initial")]


def test_setting_the_stock_by_put_or_patch_is_an_adjustment_of_the_difference(admin_client_api, pads):
    assert admin_client_api.patch(detail(pads.pk), {"quantity_in_stock": 7}, format="json").status_code == 200
    body = {"name": "Brake pad set", "price": "54.00", "quantity_in_stock": 12}
    assert admin_client_api.put(detail(pads.pk), body, format="json").json()["quantity_in_stock"] == 12
    assert admin_client_api.patch(detail(pads.pk), {"quantity_in_stock": 12}, format="json").status_code == 200
    assert admin_client_api.patch(detail(pads.pk), {"name": "Pads"}, format="json").status_code == 200
    assert chain(pads) == [(10, 10, "initial"), (-3, 7, "adjustment"), (5, 12, "adjustment")]
    assert pads.movements.first().note == "Stock set to 12"


def test_adjust_answers_the_movement(admin_client_api, pads, django_user_model):
    response = admin_client_api.post(adjust_url(pads.pk), {"delta": -3, "note": "Damaged in storage"}, format="json")
    assert response.status_code == 201
    movement = StockMovement.objects.get(reason="adjustment")
    assert response.json() == {
        "id": movement.pk,
        "part_id": pads.pk,
        "delta": -3,
        "balance_after": 7,
        "reason": "adjustment",
        "ticket_id": None,
        "purchase_order_id": None,
        "user_id": django_user_model.objects.get().pk,
        "note": "Damaged in storage",
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["created_at"],  # a movement never changes
    }
    pads.refresh_from_db()
    assert pads.quantity_in_stock == 7


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delta": 0}, "delta"),
        ({"delta": 1_000_001}, "delta"),
        ({"delta": -1_000_001}, "delta"),
        ({"delta": "5"}, "delta"),
        ({}, "delta"),
        ({"delta": 1, "note": "x" * 201}, "note"),
    ],
)
def test_adjust_refuses_bad_input_and_writes_nothing(admin_client_api, pads, body, field):
    response = admin_client_api.post(adjust_url(pads.pk), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert chain(pads) == [(10, 10, "initial")]


def test_adjust_below_zero_is_409_and_writes_nothing(admin_client_api, pads):
    response = admin_client_api.post(adjust_url(pads.pk), {"delta": -11}, format="json")
    assert response.status_code == 409
    assert "Not enough Brake pad set in stock to take away 11: 10 left" in response.json()["detail"]
    pads.refresh_from_db()
    assert pads.quantity_in_stock == 10
    assert chain(pads) == [(10, 10, "initial")]


def test_adjust_needs_change_part_and_movements_view_part(staff_client, pads):
    viewer = staff_client("inventory.view_part")
    assert viewer.post(adjust_url(pads.pk), {"delta": 1}, format="json").status_code == 403
    assert viewer.get(movements_url(pads.pk)).status_code == 200
    changer = staff_client("inventory.change_part")
    assert changer.post(adjust_url(pads.pk), {"delta": 1}, format="json").status_code == 201
    assert changer.get(movements_url(pads.pk)).status_code == 403
    assert staff_client().get(movements_url(pads.pk)).status_code == 403


def test_movements_are_listed_newest_first_in_constant_queries(admin_client_api, pads, django_assert_num_queries):
    for delta in (1, 2, 3):
        part_adjust_stock(part=pads, delta=delta)
    with django_assert_num_queries(4):  # the token's user, the part, the page's count, the page
        response = admin_client_api.get(movements_url(pads.pk), {"page_size": 2})
    body = response.json()
    assert body["count"] == 4
    assert [(m["delta"], m["balance_after"]) for m in body["results"]] == [(3, 16), (2, 13)]
    for delta in range(1, 30):
        part_adjust_stock(part=pads, delta=delta)
    with django_assert_num_queries(4):
        assert len(admin_client_api.get(movements_url(pads.pk), {"page_size": 30}).json()["results"]) == 30


def test_movements_of_no_such_part_is_404(admin_client_api):
    assert admin_client_api.get(movements_url(999)).status_code == 404
    assert admin_client_api.post(adjust_url(999), {"delta": 1}, format="json").status_code == 404


def test_new_part_fields(admin_client_api, staff_client):
    supplier = baker.make(Supplier, name="Parts Depot")
    body = {"name": "Oil filter", "price": "8.50", "sku": "OF-123", "cost": "4.20", "reorder_level": 5,
            "reorder_quantity": 20, "supplier_id": supplier.pk}  # fmt: skip
    response = admin_client_api.post(LIST, body, format="json")
    assert response.status_code == 201
    assert {key: response.json()[key] for key in body} == body
    again = admin_client_api.post(LIST, {**body, "name": "Other"}, format="json")
    assert again.status_code == 400
    assert again.json()["sku"] == ["Another part has this SKU."]
    for bad in ({"reorder_level": -1}, {"reorder_quantity": 10**10}, {"cost": "-1"}, {"sku": "x" * 41},
                {"supplier_id": 999}):  # fmt: skip
        response = admin_client_api.post(LIST, {**body, "sku": None, **bad}, format="json")
        assert response.status_code == 400, bad
        assert set(response.json()) == {next(iter(bad))}


def test_below_reorder_level(admin_client_api):
    low = part_create(name="Low", price=Decimal("1.00"), quantity_in_stock=2, reorder_level=2)
    part_create(name="Fine", price=Decimal("1.00"), quantity_in_stock=3, reorder_level=2)
    part_create(name="No level", price=Decimal("1.00"), quantity_in_stock=0)
    response = admin_client_api.get(LIST, {"below_reorder_level": "true"})
    assert [p["id"] for p in response.json()["results"]] == [low.pk]
    assert response.json()["count"] == 1
    assert admin_client_api.get(LIST, {"below_reorder_level": "maybe"}).status_code == 400


# --- Tickets ---------------------------------------------------------------------------------------------------------


def test_ticket_part_moves_are_ticket_movements(admin_client_api, make_ticket, pads, django_user_model):
    ticket = make_ticket()
    url = reverse("serviceticket-add-part", args=[ticket.pk, pads.pk])
    assert admin_client_api.put(url, {"quantity": 3}, format="json").status_code == 200
    url = reverse("serviceticket-remove-part", args=[ticket.pk, pads.pk])
    assert admin_client_api.put(url, {"quantity": 1}, format="json").status_code == 200
    user_id = django_user_model.objects.get().pk
    rows = pads.movements.order_by("id").values_list("delta", "balance_after", "reason", "ticket_id", "user_id")
    assert list(rows) == [
        (10, 10, "initial", None, None),
        (-3, 7, "ticket", ticket.pk, user_id),
        (1, 8, "ticket", ticket.pk, user_id),
    ]  # fmt: skip


def test_cancelling_and_deleting_tickets_give_parts_back_as_movements(make_ticket, pads):
    cancelled = make_ticket(parts=[(pads, 2)])
    deleted = make_ticket(parts=[(pads, 3)])
    deleted_id = deleted.pk
    ticket_set_status(ticket=cancelled, status="cancelled")
    ticket_delete(ticket=deleted)
    assert list(pads.movements.order_by("id").values_list("delta", "balance_after", "ticket_id")) == [
        (10, 10, None), (-2, 8, cancelled.pk), (-3, 5, deleted_id), (2, 7, cancelled.pk), (3, 10, deleted_id)
    ]  # fmt: skip
    assert ledger_problems() == {}


def test_a_refused_change_leaves_no_movement(make_ticket, pads):
    ticket = make_ticket(parts=[(pads, 2)])
    with pytest.raises(Conflict), transaction.atomic():
        ticket_add_part(ticket=ticket, part=pads, quantity=9)

    def remove_then_add_too_many():
        # A multi-step change: the first step's movement goes with the rollback of the second's refusal.
        with transaction.atomic():
            ticket_remove_part(ticket=ticket, part=pads, quantity=1)
            ticket_add_part(ticket=ticket, part=pads, quantity=50)

    with pytest.raises(Conflict):
        remove_then_add_too_many()
    assert chain(pads) == [(10, 10, "initial"), (-2, 8, "ticket")]


# --- The admin -------------------------------------------------------------------------------------------------------


def test_admin_part_changes_are_movements(admin_client):
    response = admin_client.post(reverse("admin:inventory_part_add"),
                                 {"name": "Bolt", "price": "0.10", "quantity_in_stock": "7"})  # fmt: skip
    assert response.status_code == 302
    part = Part.objects.get()
    url = reverse("admin:inventory_part_change", args=[part.pk])
    assert admin_client.post(url, {"name": "Bolt", "price": "0.10", "stock_change": "-2"}).status_code == 302
    assert chain(part) == [(7, 7, "initial"), (-2, 5, "adjustment")]
    assert part.movements.first().user is not None
    page = admin_client.get(url).content.decode()
    assert "Recent movements" in page
    assert "adjustment" in page


# --- check_stock -----------------------------------------------------------------------------------------------------


def test_check_stock_passes_when_every_ledger_explains_the_stock(make_ticket, pads):
    make_ticket(parts=[(pads, 2)])
    out = io.StringIO()
    call_command("check_stock", stdout=out)
    assert "2 parts" not in out.getvalue()
    assert "1 parts, every one explained" in out.getvalue()


def test_check_stock_names_the_parts_that_disagree_and_exits_1(pads):
    bolt = part_create(name="Bolt", price=Decimal("0.10"), quantity_in_stock=5)
    part_create(name="Washer", price=Decimal("0.10"), quantity_in_stock=5)
    Part.objects.filter(pk=pads.pk).update(quantity_in_stock=11)  # a change that wrote no movement
    StockMovement.objects.create(part=bolt, delta=2, balance_after=9, reason="adjustment")  # breaks the chain
    Part.objects.filter(pk=bolt.pk).update(quantity_in_stock=7)
    with pytest.raises(CommandError) as caught:
        call_command("check_stock")
    assert caught.value.returncode == 1
    message = str(caught.value)
    assert message.startswith("2 of 3 parts do not match their movements")
    assert f"part #{pads.pk}: Brake pad set: 11 in stock, movements sum to 10" in message
    assert f"part #{bolt.pk}: Bolt: 7 in stock, movements sum to 7, the last balance is 9" in message
    assert "Washer" not in message
    baker.make(Part, name="Unrecorded", quantity_in_stock=0)
    assert "no movements" in ledger_problems()[Part.objects.get(name="Unrecorded").pk]


def test_check_stock_finds_a_broken_chain_whose_sum_still_matches(pads):
    StockMovement.objects.create(part=pads, delta=5, balance_after=12, reason="adjustment")  # should be 15
    StockMovement.objects.create(part=pads, delta=-5, balance_after=10, reason="adjustment")
    problems = ledger_problems()
    assert list(problems) == [pads.pk]
    assert "the chain of balances breaks at movement" in problems[pads.pk]


def test_a_page_of_movements_is_what_the_serializer_gives_on_the_filters_statement(
    admin_client_api, make_ticket, pads, django_user_model
):
    """A page of movements is built from rows (decision 0039): exactly StockMovementSerializer's output; with nothing
    but the page asked for, on a statement built once that is the one the filters build."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.serializers import StockMovementSerializer

    user = django_user_model.objects.create_user("clerk")
    part_adjust_stock(part=pads, delta=5, by=user, note="Found a box")
    ticket = make_ticket()
    ticket_add_part(ticket=ticket, part=pads, quantity=2)
    part_adjust_stock(part=pads, delta=-1)
    expected = StockMovementSerializer(pads.movements.order_by("-id"), many=True).data
    assert {m["reason"] for m in expected} == {"initial", "adjustment", "ticket"}
    pages = {}
    for params in ({}, {"page_size": 2, "page": 2}, {"unread": "1"}, {"page_size": 2, "page": 2, "unread": "1"}):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client_api.get(movements_url(pads.pk), params)
        assert response.status_code == 200
        pages[tuple(params)] = response.json(), [q["sql"] for q in queries if "inventory_stockmovement" in q["sql"]]
    whole, whole_sql = pages[()]
    assert whole["results"] == [dict(m) for m in expected]
    assert whole["count"] == len(expected) == 4
    second, second_sql = pages[("page_size", "page")]
    built, built_sql = pages[("page_size", "page", "unread")]  # a parameter no filter reads: the filters' path
    assert second["results"] == built["results"] == [dict(m) for m in expected[2:4]]
    assert second_sql[-1] == built_sql[-1]  # the page's statement
    assert second_sql[0].upper().startswith("SELECT COUNT(*) FROM (")
    # A sync filter still filters.
    later = admin_client_api.get(movements_url(pads.pk), {"updated_after": "2999-01-01T00:00:00Z"}).json()
    assert later["count"] == 0
