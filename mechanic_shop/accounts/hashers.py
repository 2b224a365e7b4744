from django.contrib.auth.hashers import Argon2PasswordHasher


class ShopArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with 36 MiB, 2 passes, 1 lane: above OWASP's minimums for Argon2id and above 50 ms per guess, yet
    cheap enough for a 2-core server's login rate (docs/decisions/0009-argon2-parameters.md). Hashes made with
    other parameters are upgraded at the next login.
    """

    time_cost = 2
    memory_cost = 36 * 1024
    parallelism = 1
