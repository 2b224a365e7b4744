"""Fixtures shared by the tests of the answers given before DRF (mechanic_shop/api/before_drf.py): a cached list
page's hit and a plain customer detail."""

import pytest

from customers.views import CustomerViewSet


@pytest.fixture
def viewer(make_staff):
    """A staff account that may read customers."""
    return make_staff("customers.view_customer")


@pytest.fixture
def drf_runs(monkeypatch):
    """Counts the requests DRF's path served (its `initial`); a request answered before DRF adds none."""
    served = []
    initial = CustomerViewSet.initial

    def counted(self, request, *args, **kwargs):
        served.append(request.method)
        return initial(self, request, *args, **kwargs)

    monkeypatch.setattr(CustomerViewSet, "initial", counted)
    return served
