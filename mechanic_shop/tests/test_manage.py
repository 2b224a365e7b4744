"""manage.py runs in development mode only on a checkout nobody configured."""

import pytest

import manage


@pytest.fixture
def bare(monkeypatch, tmp_path):
    for name in manage.CONFIGURED_BY:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(manage, "__file__", str(tmp_path / "manage.py"))
    return tmp_path


def test_a_bare_checkout_is_development(bare):
    assert manage.development_checkout() is True


@pytest.mark.parametrize("name", manage.CONFIGURED_BY)
def test_anything_configured_in_the_environment_is_respected(bare, monkeypatch, name):
    monkeypatch.setenv(name, "false" if name == "DEBUG" else "x")
    assert manage.development_checkout() is False


def test_anything_configured_in_dot_env_is_respected(bare):
    (bare / ".env").write_text("# production\nexport DATABASE_URL=mysql://shop@db/mechanic_shop\n")
    assert manage.development_checkout() is False
    (bare / ".env").write_text("LOG_LEVEL=DEBUG\n")
    assert manage.development_checkout() is True
