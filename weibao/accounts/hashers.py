"""How passwords are hashed (docs/security.md, "Passwords").

Argon2id with the parameters OWASP's Password Storage Cheat Sheet gives as its first choice —
19 MiB of memory, 2 passes, 1 lane — rather than Django's defaults for it (100 MiB, 8 lanes),
which would have every sign-in take 100 MiB on a small server. Memory-hard, it costs a
guesser on graphics cards far more than PBKDF2 does, and it takes about 20 ms of CPU where
PBKDF2's million rounds take about 450 ms: the sign-in was the slowest page of the load test
(docs/performance.md, "Load test"). A hash made by an earlier hasher (PBKDF2) still signs its
user in and is replaced by this one at that sign-in (Django's `must_update`)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    # Django's Argon2 hasher is Argon2id; only the costs differ. The name stays "argon2", so a
    # stored hash is the standard encoding and carries its own costs.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
