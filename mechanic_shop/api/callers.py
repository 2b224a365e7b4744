"""The three kinds of caller the API knows: anonymous, a customer (customer token) and staff (staff token or the
admin's session).

Every permission class of the API says which of them it can let through in a `callers` attribute; the OpenAPI
schema reads it to document, per operation, which tokens it takes and whether it can answer 401 or 403.
"""

ANONYMOUS, CUSTOMER, STAFF = "anonymous", "customer", "staff"
EVERYONE = frozenset({ANONYMOUS, CUSTOMER, STAFF})
