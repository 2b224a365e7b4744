from rest_framework.routers import SimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """`/customers` and `/customers/` answer the same, with no redirect (a redirect would drop a POST body)."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
