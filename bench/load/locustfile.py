"""The load test's traffic (docs/performance.md, "Load test"): locust users who sign in through
the login page (and the two-factor page) as the accounts of bench/load/build.py and then use the
pages as their role does, with a pause between pages; and members of the public who send the
mandatory-report form.

Every request is sent as nginx would pass it on (deploy/nginx/weibao.conf): X-Forwarded-Proto
https and X-Forwarded-For, which gunicorn believes from 127.0.0.1 (WEIBAO_TRUSTED_PROXIES). Each
public reporter comes from an address of its own (TEST-NET-style 10.x addresses), as reports from
many people do; the public door's per-address limits are left as they are.

Run by bench/load/run.py; alone: var/load-venv/bin/locust -f bench/load/locustfile.py --host ...
with LOAD_PASSWORD and LOAD_DIRECTORS/LOAD_SUPERVISORS/LOAD_DISTRICT_STAFF set as run.py does.

The figures count only what follows the last user's sign-in: a sign-in is a password hash (0.3 s
of CPU), and a hundred of them inside the measured window would be figures of the ramp, not of
the traffic. When every user has started, the statistics are reset, LOAD_READY_FILE is written
(run.py starts its CPU sampling then) and the run ends LOAD_MEASURE_SECONDS later.
"""

import hashlib
import hmac
import itertools
import os
import random
import re
import struct
import time

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

PASSWORD = os.environ.get("LOAD_PASSWORD", "weibao-load-2026")
DIRECTORS = int(os.environ.get("LOAD_DIRECTORS", "2000"))
SUPERVISORS = int(os.environ.get("LOAD_SUPERVISORS", "40"))
DISTRICT_STAFF = int(os.environ.get("LOAD_DISTRICT_STAFF", "20"))
THINK = (float(os.environ.get("LOAD_THINK_MIN", "1")), float(os.environ.get("LOAD_THINK_MAX", "3")))
READY_FILE = os.environ.get("LOAD_READY_FILE", "")
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS", "0"))

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
START = re.compile(r'action="/visits/start/(\d+)/"')
CASE = re.compile(r'href="/cases/(\d+)/"')
REPORT = re.compile(r'href="/reports/(\d+)/"')
DASHBOARD = re.compile(r'href="/dashboards/(\d+)/')
DASHBOARD_ENTRY = re.compile(r'<a href="(/dashboards/\d+/)"[^>]*>数据看板</a>')
VERSION = re.compile(r'name="version" value="(\d+)"')
AREA = re.compile(r'<option value="(s\d+)"')

# One counter per role: two locust users never share an account while there are enough of them
# (a TOTP code is taken once, so two sign-ins of one account in the same 30 s would fail).
_numbers = {role: itertools.count() for role in ("director", "supervisor", "district")}
# The 儿童主任 of a run start at a random one: each run records hundreds of visits, and when every
# run began at load_dir_0000 the same hundred 居民区 lost their month's dues run after run — after
# 15 runs 78 of them had an empty worklist, so the later runs read shorter worklists and opened
# fewer files (docs/performance.md, "The load test's knee: three workers, not five").
_numbers["director"] = itertools.count(random.randrange(DIRECTORS))


_started = 0


def user_started(environment: Environment) -> None:
    """One more user is signed in (or has failed to: it counts, so the run still starts). After
    the last one, the measured window begins."""
    global _started
    _started += 1
    runner = environment.runner
    if runner is None or _started != runner.target_user_count:
        return
    runner.stats.reset_all()
    if READY_FILE:
        with open(READY_FILE, "w") as f:
            f.write(f"{time.time()}\n")
    if MEASURE_SECONDS:
        gevent.spawn_later(MEASURE_SECONDS, runner.quit)


@events.test_start.add_listener
def _reset_count(environment: Environment, **kwargs) -> None:
    global _started
    _started = 0


def totp(key_hex: str, at: float | None = None) -> str:
    """RFC 6238 (30 s, 6 digits, SHA-1), as django-otp checks it."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def new_address() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def totp_key(username: str) -> str:  # the same as bench/load/build.py's
    return hashlib.sha256(f"weibao-load-totp:{username}".encode()).hexdigest()[:40]


class Browser(HttpUser):
    abstract = True
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.address = new_address()
        self.client.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": self.address})
        try:
            self.before_tasks()
        finally:
            user_started(self.environment)

    def before_tasks(self) -> None:
        """What a user does before its first task: signing in, for staff."""

    def _plain(self) -> None:
        # The cookies are Secure (HTTPS behind nginx); locust speaks plain HTTP to gunicorn.
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, path: str, name: str | None = None, **kwargs):
        response = self.client.get(path, name=name or path, **kwargs)
        self._plain()
        return response

    def post(self, path: str, data: dict, token: str, name: str, check=None):
        """A form's POST, then its redirects followed by hand: the answer's cookies are Secure,
        so they are made plain before the next request (requests would drop them on the way).
        `check(final page)` says what went wrong, if anything; the POST is failed with it."""
        # Django checks the Referer of an HTTPS POST: the page the form was on.
        headers = {"Referer": f"https://{self.host.split('://', 1)[1]}{path}"}
        with self.client.post(
            path, data={"csrfmiddlewaretoken": token, **data}, headers=headers, name=name,
            allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            self._plain()
            final = response
            while final.is_redirect:
                location = re.sub(r"^https?://[^/]+", "", final.headers["Location"])
                final = self.get(location, name=f"{name} → next page", allow_redirects=False)
            if response.status_code >= 400:
                response.failure(f"{response.status_code}")
            elif check and (problem := check(final)):
                response.failure(problem)
        return final

    def sign_in(self, username: str, two_factor: bool):
        """Signs in through the pages; the page it ends on (the home page)."""
        page = self.get("/accounts/login/", name="sign in: login page")
        token = CSRF.search(page.text).group(1)

        def signed_in(final) -> str | None:
            if not final.ok or "/accounts/login/" in final.url:
                return f"sign-in of {username} ended on {final.url} ({final.status_code})"
            if two_factor and "/security/verify/" not in final.url:
                return f"no code page after the password: {final.url}"
            return None

        page = self.post(
            "/accounts/login/", {"username": username, "password": PASSWORD}, token,
            "sign in: password", signed_in,
        )  # fmt: skip
        if two_factor:
            page = self.post(
                "/security/verify/", {"code": totp(totp_key(username))},
                CSRF.search(page.text).group(1), "sign in: two-factor code",
                lambda final: "the code was refused" if "/security/" in final.url else None,
            )  # fmt: skip
        return page


class Director(Browser):
    """儿童主任: the worklist most of all, the child's file, and recording a visit."""

    weight = 6

    def before_tasks(self) -> None:
        self.username = f"load_dir_{next(_numbers['director']) % DIRECTORS:04d}"
        self.sign_in(self.username, two_factor=False)
        self.children: list[str] = []

    @task(4)
    def worklist(self) -> None:
        page = self.get("/visits/", name="director: worklist")
        self.children = START.findall(page.text) or self.children

    @task(1)
    def home(self) -> None:
        self.get("/", name="director: home")

    @task(2)
    def child(self) -> None:
        if self.children:
            self.get(f"/children/{random.choice(self.children)}/", name="director: child file")

    @task(1)
    def visit(self) -> None:
        """The visit form: open it from the worklist, then submit it (CSRF through the page)."""
        page = self.get("/visits/", name="director: worklist")
        children = START.findall(page.text)
        if not children:
            return
        child = random.choice(children)
        token = CSRF.search(page.text).group(1)
        form = self.post(f"/visits/start/{child}/", {}, token, "director: visit start")
        if "/edit/" not in form.url:
            return
        visit_id = form.url.split("/visits/", 1)[1].split("/")[0]
        self.post(
            f"/visits/{visit_id}/complete/",
            {
                "visit_date": time.strftime("%Y-%m-%d"), "kind": "home", "met_with": "孩子和祖母",
                "psychology": "情绪稳定", "study": "按时上学", "family_economy": "一般",
                "guardianship": "祖母照料", "under8_unattended": "no", "under16_alone": "no",
                "away_without_carer": "no", "no_weekly_contact": "no", "findings": "",
                "next_steps": "下月再访", "version": VERSION.search(form.text).group(1),
            },
            CSRF.search(form.text).group(1), "director: visit save",
            # Recorded: a redirect away from the form; refused: the form again, with its errors.
            lambda final: "the visit was not recorded" if "/visits/" in final.url
            and ("/edit/" in final.url or "/complete/" in final.url) else None,
        )  # fmt: skip


class Supervisor(Browser):
    """督导员: the report and concern queues, the cases and their pages, the 街镇's children."""

    weight = 2

    def before_tasks(self) -> None:
        self.username = f"load_sup_{next(_numbers['supervisor']) % SUPERVISORS:02d}"
        self.sign_in(self.username, two_factor=True)
        self.cases: list[str] = []

    @task(2)
    def reports(self) -> None:
        self.get("/reports/", name="supervisor: report queue")

    @task(2)
    def concerns(self) -> None:
        self.get("/concerns/", name="supervisor: concern queue")

    @task(2)
    def case_list(self) -> None:
        page = self.get("/cases/", name="supervisor: case list")
        self.cases = CASE.findall(page.text) or self.cases

    @task(3)
    def case(self) -> None:
        if self.cases:
            self.get(f"/cases/{random.choice(self.cases)}/", name="supervisor: case page")

    @task(1)
    def worklist(self) -> None:
        self.get("/visits/", name="supervisor: visits and completion")

    @task(1)
    def children(self) -> None:
        self.get("/children/?category=left_behind", name="supervisor: children, filtered")


class DistrictStaff(Browser):
    """District civil-affairs staff: the district's and a 街镇's dashboard, the queues."""

    weight = 1

    def before_tasks(self) -> None:
        self.username = f"load_district_{next(_numbers['district']) % DISTRICT_STAFF}"
        home = self.sign_in(self.username, two_factor=True)
        # The menu's entry, as a person clicks it: the district's own dashboard.
        self.dashboard = DASHBOARD_ENTRY.search(home.text).group(1)
        self.areas: list[str] = []

    @task(3)
    def district(self) -> None:
        page = self.get(self.dashboard, name="district: dashboard")
        self.areas = DASHBOARD.findall(page.text) or self.areas

    @task(2)
    def subdistrict(self) -> None:
        if self.areas:
            self.get(f"/dashboards/{random.choice(self.areas)}/", name="district: 街镇 dashboard")

    @task(1)
    def reports(self) -> None:
        self.get("/reports/?tab=all", name="district: reports")


class Reporter(Browser):
    """A member of the public: the mandatory-report form, once or twice."""

    weight = 1
    wait_time = between(10, 30)  # reading and typing the form

    @task
    def report(self) -> None:
        # Each report from a new address, as from a different person.
        self.address = new_address()
        self.client.headers["X-Forwarded-For"] = self.address
        self.client.cookies.clear()
        page = self.get("/report/", name="public: report form")
        areas = AREA.findall(page.text)
        token = CSRF.search(page.text).group(1)
        self.post(
            "/report/",
            {
                "description": "我看到邻居家的孩子经常一个人在家，晚上也没有大人。",
                "area": random.choice(areas), "reporter_type": "public", "situations": "s6",
                "child_age": str(random.randint(3, 15)), "place": "小区",
            },
            token, "public: report sent",
            lambda final: None if "/report/done/" in final.url else "the report was not accepted",
        )  # fmt: skip
