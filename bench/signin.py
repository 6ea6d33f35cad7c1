"""The cost of the two requests that hash a secret: signing in (the password) and sending a
public report (its secret code), each measured with the hasher of before and of now in the same
run (docs/performance.md, "Load test"; docs/security.md, "Passwords").

    .venv/bin/python bench/signin.py --runs 15

On the demo data (embedded SQLite, a temporary directory), through Django's test client (the
whole middleware stack, no network): the median of `--runs` requests of each kind.
- sign-in: POST /accounts/login/ as a 儿童主任 whose password hash is PBKDF2 (Django's default
  before: 1,000,000 rounds) and then Argon2id (weibao.accounts.hashers);
- public report: POST /report/ with the code hashed by PBKDF2 (make_password, as before) and
  then by the keyed HMAC (reports.services.code_hash), each from an address of its own (the
  public door's rate limits are per address).
"""

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from visits import Load, _setup_django

PASSWORD = "weibao-demo"
PBKDF2 = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def timed(runs: int, one) -> tuple[float, float]:
    """Median milliseconds of `runs` calls (one warm-up first), and other processes' cores."""
    one(-1)
    times = []
    before = Load.snapshot()
    for i in range(runs):
        started = time.perf_counter()
        one(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), Load.others(before, Load.snapshot())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    _setup_django()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.test import Client, override_settings

    from weibao.accounts.models import User
    from weibao.areas.models import Area
    from weibao.reports import services

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    director = User.objects.get(username="tianshan_director_1")
    subdistrict = Area.objects.filter(level="subdistrict").order_by("pk").first()

    def sign_in(hashers: list[str]):
        def one(_i: int) -> None:
            # override_settings, so that Django forgets the hashers it loaded before.
            with override_settings(PASSWORD_HASHERS=hashers):
                # What the account holds under these hashers (made outside the timing would
                # be better, but a sign-in may replace it: made again, it is timed too).
                User.objects.filter(pk=director.pk).update(password=hashes[hashers[0]])
                response = Client().post(
                    "/accounts/login/", {"username": director.username, "password": PASSWORD}
                )
            assert response.status_code == 302, response.status_code

        return one

    report = {
        "situations": ["s6"], "description": "基准测试：一个约6岁的女孩每天独自在家。",
        "child_age": "6", "child_sex": "F", "area": f"s{subdistrict.pk}",
        "reporter_type": "public",
    }  # fmt: skip

    addresses = itertools.count(1)

    def send_report(code_hash):
        def one(_i: int) -> None:
            services.code_hash = code_hash
            n = next(addresses)
            client = Client(REMOTE_ADDR=f"10.{n // 62500}.{n // 250 % 250}.{n % 250}")
            response = client.post("/report/", report)
            assert response.status_code == 302, response.status_code

        return one

    keyed = services.code_hash
    now = list(settings.PASSWORD_HASHERS)
    hashes = {
        PBKDF2[0]: make_password(PASSWORD, hasher="pbkdf2_sha256"),
        now[0]: make_password(PASSWORD, hasher="argon2"),
    }

    def pbkdf2(code: str) -> str:
        return make_password(code, hasher="pbkdf2_sha256")

    rows = [
        ("sign-in, PBKDF2 (before)", sign_in(PBKDF2)),
        ("sign-in, Argon2id (now)", sign_in(now)),
        ("public report sent, code by PBKDF2 (before)", send_report(pbkdf2)),
        ("public report sent, code by keyed HMAC (now)", send_report(keyed)),
    ]
    print(f"{'request':48} {'median':>10} {'others (cores)':>16}")
    for label, one in rows:
        median, others = timed(args.runs, one)
        print(f"{label:48} {median:8.1f} ms {others:14.2f}")
    services.code_hash = keyed


if __name__ == "__main__":
    main()
