from django.contrib.auth.hashers import Argon2PasswordHasher


class ShopArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with 36 MiB, 2 passes, 1 lane: about 55 ms per hash on one core here.

    Django's default (100 MiB, 8 lanes) took about 107 ms and, on a 2-core server, capped logins below the old
    service's 20 per second. These parameters stay above OWASP's minimums for Argon2id (19 MiB × 2 passes, or
    37 MiB × 1) and above 50 ms per guess. Hashes made with other parameters are upgraded at the next login.
    """

    time_cost = 2
    memory_cost = 36 * 1024
    parallelism = 1
