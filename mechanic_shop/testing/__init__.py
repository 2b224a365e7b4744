"""Test machinery, in one place; tests live beside their subject in each package's `tests/`.

- plugin.py: the test settings (loaded by `-p mechanic_shop.testing.plugin` in pytest.ini); the `throttle_rates`
  fixture switches rate limits on.
- factories.py: rows to work on: `make_staff`, `make_role_user` (a user in a `setup_roles` group), `make_customer`
  (`customer`, `other_customer`), `make_mechanic`, `make_ticket`, and CUSTOMER_PASSWORD.
- clients.py: an API client per kind of caller: `anon_client`, `staff_client`, `admin_client_api`,
  `customer_client`, `other_customer_client`; helpers `client_with_token`, `bearer`, `customer_login`.
- live.py: real servers and processes on the test database: `live_server_workers`, `http_json`,
  `run_in_another_process`.
- browser.py: a real headless Chromium through selenium (`browser`, for tests marked `browser`); helpers
  `wait_until` (a page's JavaScript condition), `page_requests` (every request a page made, from Chromium's
  performance log) and `console_errors`; Pillow reads its screenshots.

Fixtures need no import; import the helpers and constants from their module.
"""
