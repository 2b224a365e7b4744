"""The project's system checks (mechanic_shop/checks.py)."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_jwt_and_cache_deploy_checks(settings, monkeypatch):
    from mechanic_shop import checks

    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": "short"}
    assert [w.id for w in checks.check_jwt_signing_key(None)] == ["mechanic_shop.W002"]
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": settings.SECRET_KEY}
    assert "mechanic_shop.W003" in [w.id for w in checks.check_jwt_signing_key(None)]
    monkeypatch.setattr(checks, "in_process_cache", lambda: True)
    assert [w.id for w in checks.check_shared_cache(None)] == ["mechanic_shop.W001"]
    monkeypatch.setattr(checks, "in_process_cache", lambda: False)
    assert checks.check_shared_cache(None) == []
    call_command("check")  # the deploy checks stay out of a plain check
