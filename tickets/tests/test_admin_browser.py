"""The admin in a real headless Chromium (mechanic_shop/testing/browser.py), against pytest-django's live server: a
Front desk user logs in through the login form, sees the index page's chart, opens a customer and a ticket, and adds a
labor line on the ticket's page."""

from decimal import Decimal
from io import BytesIO

import pytest
from model_bakery import baker
from PIL import Image

from inventory.models import Part
from mechanic_shop.testing.browser import By

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Front-Desk-Pass-2026"


@pytest.fixture
def shop(make_role_user, make_ticket, make_mechanic, customer):
    pads = baker.make(Part, name="Brake pad set", price=Decimal("54.00"), quantity_in_stock=3, reorder_level=2)
    completed = make_ticket(customer, mechanics=[make_mechanic(name="Mo")], parts=[(pads, 2)], status="completed")
    open_ticket = make_ticket(customer, description="Squeal from the front brakes")
    make_ticket(customer, status="in_progress")
    clerk = make_role_user("Front desk", username="clerk")
    clerk.set_password(PASSWORD)
    clerk.save()
    return {"customer": customer, "completed": completed, "open": open_ticket}


def log_in(browser, live_server):
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.ID, "id_username").send_keys("clerk")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    assert browser.find_element(By.ID, "floor")  # waits for the index page


def test_front_desk_logs_in_and_sees_the_floor(browser, live_server, shop, tmp_path):
    log_in(browser, live_server)
    assert browser.title == "What is on the floor now | Mechanic Shop admin"
    chart = browser.find_element(By.ID, "floor-status-chart")
    assert chart.is_displayed()
    assert chart.size["width"] >= 200
    assert chart.size["height"] >= 60
    bars = chart.find_elements(By.CSS_SELECTOR, ".bar")
    assert len(bars) == 4
    widths = [bar.size["width"] for bar in bars]  # open 1, in progress 1, completed 1, cancelled 0: full, full, …
    assert widths[0] == widths[1] == widths[2] > 100
    assert widths[3] < 5
    assert f"#{shop['completed'].pk}" in browser.find_element(By.ID, "floor-completed-today").text
    assert "Brake pad set" in browser.find_element(By.ID, "floor-reorder").text

    screenshot = browser.get_screenshot_as_png()
    (tmp_path / "front-desk-index.png").write_bytes(screenshot)
    image = Image.open(BytesIO(screenshot)).convert("RGB")
    assert image.size == tuple(browser.execute_script("return [window.innerWidth, window.innerHeight]"))
    # Not a blank page: no one colour fills nine tenths of it (the page hidden, only the scrollbar shows: 98.8 %).
    commonest, _ = max(image.getcolors(maxcolors=image.width * image.height))
    assert commonest < 0.9 * image.width * image.height
    # The first bar, in the screenshot: filled with one colour that is neither the page's background nor that of an
    # empty track (the last row's, cancelled, is one).
    bar, track = bars[0].rect, chart.find_elements(By.CSS_SELECTOR, ".track")[3].rect
    y, x0, x1 = int(bar["y"] + bar["height"] / 2), int(bar["x"] + 2), int(bar["x"] + bar["width"] - 2)
    colours = {image.getpixel((x, y)) for x in range(x0, x1)}
    assert len(colours) == 1
    empty = image.getpixel((int(track["x"] + track["width"] - 5), int(track["y"] + track["height"] / 2)))
    assert colours.isdisjoint({image.getpixel((5, 5)), empty})


def test_front_desk_opens_a_customer_and_a_ticket(browser, live_server, shop):
    log_in(browser, live_server)
    customer, ticket = shop["customer"], shop["open"]
    browser.get(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")
    assert browser.find_element(By.ID, "id_name").get_attribute("value") == customer.name
    assert "service tickets" in browser.find_element(By.ID, "content-main").text.lower()  # a heading in capitals
    # From the customer's tickets to the ticket's own page, by the inline's link.
    browser.find_element(By.CSS_SELECTOR, f'.inline-group a[href$="/serviceticket/{ticket.pk}/change/"]').click()
    assert browser.find_element(By.ID, "id_description").get_attribute("value") == "Squeal from the front brakes"
    assert browser.title == f"{ticket} | Change service ticket | Mechanic Shop admin"


def test_front_desk_adds_a_labor_line_on_the_ticket_page(browser, live_server, shop):
    log_in(browser, live_server)
    ticket = shop["open"]
    browser.get(f"{live_server.url}/admin/tickets/serviceticket/{ticket.pk}/change/")
    rate = browser.find_element(By.ID, "id_labor_lines-0-rate")
    assert rate.get_attribute("value") == "120.00"  # a new line offers the shop's rate
    browser.find_element(By.ID, "id_labor_lines-0-description").send_keys("Replace front pads")
    browser.find_element(By.ID, "id_labor_lines-0-hours").send_keys("1.25")
    browser.find_element(By.CSS_SELECTOR, "input[name=_continue]").click()
    assert "was changed successfully" in browser.find_element(By.CSS_SELECTOR, ".messagelist").text
    line = ticket.labor_lines.get()
    assert (line.description, line.hours, line.rate, line.mechanic_id) == (
        "Replace front pads", Decimal("1.25"), Decimal("120.00"), None
    )  # fmt: skip
    # The page shown again has the line, and the labor total counts it.
    assert browser.find_element(By.ID, "id_labor_lines-0-description").get_attribute("value") == "Replace front pads"
    assert "150.00" in browser.find_element(By.CSS_SELECTOR, ".field-labor_total").text
