"""The domain's own exception: services raise it, and never import DRF.

Services raise Django's ValidationError for bad input and `Conflict` for a clash with the state of the data;
the API's exception handler (mechanic_shop/api/exceptions.py) answers them with 400 and 409, and the admin shows
their message on the form.
"""


class Conflict(Exception):
    """The request is valid but clashes with the current state (closed ticket, not enough stock)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail
