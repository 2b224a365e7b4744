from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from mechanic_shop.accounts.hashers import ShopArgon2PasswordHasher


def test_passwords_are_hashed_with_the_shop_argon2_parameters(settings):
    settings.PASSWORD_HASHERS = ["mechanic_shop.accounts.hashers.ShopArgon2PasswordHasher"]
    encoded = make_password("Tr1cky-Gearbox-42")
    assert encoded.startswith("argon2$argon2id$v=19$m=36864,t=2,p=1$")
    assert isinstance(identify_hasher(encoded), ShopArgon2PasswordHasher)
    assert check_password("Tr1cky-Gearbox-42", encoded)
    assert not check_password("wrong-password", encoded)


def test_hashes_with_other_argon2_parameters_are_upgraded(settings):
    settings.PASSWORD_HASHERS = ["mechanic_shop.accounts.hashers.ShopArgon2PasswordHasher"]
    old = "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHRzYWx0$" + "A" * 22
    assert ShopArgon2PasswordHasher().must_update(old)
    assert not ShopArgon2PasswordHasher().must_update(make_password("Tr1cky-Gearbox-42"))
