"""The customer's pages in a real headless Chromium at phone width: the estimate opened from its approval_url, a line
declined and the estimate approved through the real form (CSRF and all), and the tracking page."""

from decimal import Decimal
from io import BytesIO

import pytest
from model_bakery import baker
from PIL import Image

from inventory.models import Part
from mechanic_shop.testing.browser import By
from tickets.estimates import estimate_create
from tickets.links import approval_url, tracking_url
from tickets.models import Estimate, ServiceTicket
from tickets.services import ticket_add_labor_line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def estimate(make_ticket, customer):
    pads = baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=5)
    ticket = make_ticket(customer, parts=[(pads, 2)])
    ticket_add_labor_line(ticket=ticket, description="Replace pads", hours=Decimal("1.50"), rate=Decimal("100.00"))
    return estimate_create(ticket=ticket)


def assert_not_blank(browser, tmp_path, name: str) -> Image.Image:
    screenshot = browser.get_screenshot_as_png()
    (tmp_path / name).write_bytes(screenshot)
    image = Image.open(BytesIO(screenshot)).convert("RGB")
    commonest, _ = max(image.getcolors(maxcolors=image.width * image.height))
    assert commonest < 0.9 * image.width * image.height
    return image


def test_the_customer_declines_a_line_and_approves_at_phone_width(browser, live_server, estimate, tmp_path):
    browser.set_window_size(390, 844)
    browser.get(live_server.url + approval_url(estimate.pk))
    width = browser.execute_script("return window.innerWidth")
    assert width <= 390
    # Readable at phone width: nothing wider than the screen.
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    total = browser.find_element(By.ID, "total")
    assert total.text == "258.00"
    approve, decline = browser.find_element(By.ID, "approve"), browser.find_element(By.ID, "decline")
    image = assert_not_blank(browser, tmp_path, "estimate-phone.png")
    assert image.size[0] == width
    for element in (total, browser.find_element(By.ID, "shop-name")):
        assert element.is_displayed()
        assert element.rect["x"] + element.rect["width"] <= width
    # The approve button, in the screenshot: its own green, not the page's background.
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", approve)
    image = assert_not_blank(browser, tmp_path, "estimate-buttons.png")
    rect = approve.rect
    scroll = browser.execute_script("return window.scrollY")
    pixel = image.getpixel((int(rect["x"] + 6), int(rect["y"] - scroll + rect["height"] / 2)))
    assert pixel == (0x1E, 0x7B, 0x34)
    assert decline.is_displayed()

    part_line = estimate.lines.get(kind="part")
    browser.find_element(By.ID, f"decline-{part_line.pk}").click()
    browser.find_element(By.ID, "signed_by").send_keys("Dana Driver")
    approve.click()
    assert "Approved by Dana Driver" in browser.find_element(By.ID, "result").text
    assert browser.find_element(By.ID, "approved-total").text == "150.00"
    assert_not_blank(browser, tmp_path, "estimate-approved.png")
    decided = Estimate.objects.get(pk=estimate.pk)
    assert decided.status == "approved"
    assert decided.approved_total == Decimal("150.00")
    assert "Chrome" in decided.decided_user_agent
    assert not ServiceTicket.objects.get(pk=estimate.ticket_id).lines.exists()


def test_the_tracking_page_at_phone_width(browser, live_server, estimate, tmp_path):
    ticket = estimate.ticket
    browser.set_window_size(390, 844)
    browser.get(live_server.url + tracking_url(ticket.pk, ticket.tracking_version))
    assert browser.find_element(By.ID, "ticket-status").text == "Open"
    assert browser.execute_script("return document.documentElement.scrollWidth") <= browser.execute_script(
        "return window.innerWidth"
    )
    assert_not_blank(browser, tmp_path, "tracking-phone.png")
