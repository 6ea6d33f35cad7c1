"""The site's main menu: every page a signed-in user works from, home first and then the pages
their role uses most (on a phone the menu is behind one button, so the first items matter).

A long menu (district staff have over thirty pages) keeps the daily work in sight — home, the
children, the visits, concerns, reports, cases, the dashboard and the role's first pages — and
puts the rest in three groups that open on a click: the services and referrals of a case, the
workstations' own work and activities, and the rest (settings, administration, the account). A
short menu (the system administrator's) is shown whole."""

import functools
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Role
from weibao.accounts.selectors import (
    districts_managed_by,
    is_district_staff,
    user_role_assignments,
    user_scope_areas,
)
from weibao.activities.selectors import sees_activities
from weibao.children.selectors import access_review_districts
from weibao.council.selectors import sees_councils
from weibao.dashboards.selectors import home_dashboard_area
from weibao.duplicates.selectors import sees_duplicates
from weibao.inspections.selectors import sees_inspections
from weibao.safekeeping.retention import (
    retention_policy_districts,
    retention_policy_readable_districts,
)
from weibao.security.selectors import managed_districts
from weibao.stations.selectors import follows_coverage, sees_stations
from weibao.suggestions.selectors import sees_suggestions
from weibao.training.selectors import training_districts

ITEMS: list[tuple[str, Promise, str]] = [
    ("home", _("Home"), "home"),
    ("children", _("Children"), "children:list"),
    ("register", _("Register a child"), "children:create"),
    ("worklist", _("Visit worklist"), "visits:worklist"),
    ("concerns", _("Concerns"), "concerns:list"),
    ("reports", _("Reports"), "reports:queue"),
    ("cases", _("Cases"), "cases:list"),
    ("referrals", _("Referrals"), "partners:referrals"),
    ("protection", _("Temporary guardianship"), "protection:list"),
    ("transfers", _("Transfers"), "transfers:list"),
    ("ledger", _("Service ledger"), "ledger:list"),
    ("partners", _("Partners"), "partners:list"),
]
# The pages about children and the work with them: none for an account without an area (the
# system administrator), who reads no child's data (docs/security.md).
CHILDREN_WORK = frozenset(key for key, _label, _name in ITEMS) - {"home"}

# What each role opens most: a 儿童主任 visits and watches the children of one 居民区; the
# 街镇's supervisor and staff triage reports and run cases; the district follows reports, cases
# and the services delivered. A person with several roles gets the first of these that is theirs.
FIRST: list[tuple[str, tuple[str, str, str]]] = [
    (Role.SUPERVISOR, ("reports", "cases", "concerns")),
    (Role.STATION_STAFF, ("reports", "cases", "ledger")),
    (Role.DISTRICT_STAFF, ("reports", "cases", "ledger")),
    (Role.DIRECTOR, ("worklist", "children", "concerns")),
]


# Shown in the bar of a long menu, whatever the role.
IN_SIGHT = frozenset(
    {"home", "children", "register", "worklist", "concerns", "reports", "cases", "dashboards"}
)
# The groups of a long menu, in their order, and the pages in each (a page in none is in sight).
SERVICES = frozenset({"ledger", "referrals", "protection", "transfers", "partners"})
STATION = frozenset(
    {"stations", "coverage", "staff", "training", "activities", "council", "suggestions"}
    | {"inspections"}
)
MORE = frozenset(
    {"imports", "duplicates", "rules", "people", "areas", "security", "unusual", "retention"}
    | {"admin", "account", "password"}
)
GROUPS: list[tuple[str, Promise, frozenset[str]]] = [
    ("services", _("Services and referrals"), SERVICES),
    ("station", _("Workstations and activities"), STATION),
    ("more", _("More"), MORE),
]
# A menu of this many pages or fewer is shown whole.
SHORT_MENU = 12


@dataclass(frozen=True)
class MenuItem:
    label: Promise
    url: str
    current: bool
    first: bool
    group: str = ""  # "" in sight, else the key of its group in GROUPS


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: Promise
    items: list[MenuItem]

    @property
    def current(self) -> bool:
        return any(item.current for item in self.items)


@dataclass(frozen=True)
class Menu:
    in_sight: list[MenuItem]
    groups: list[MenuGroup]


def menu_grouped(items: list[MenuItem]) -> Menu:
    """The menu as the bar shows it: a short one whole; a long one with the pages of each
    group behind its name (a group of one page is shown in sight)."""
    if len(items) <= SHORT_MENU:
        return Menu(in_sight=list(items), groups=[])
    groups = [
        MenuGroup(key, label, [item for item in items if item.group == key])
        for key, label, _keys in GROUPS
    ]
    kept = [group for group in groups if len(group.items) > 1]
    kept_keys = {group.key for group in kept}
    return Menu(in_sight=[item for item in items if item.group not in kept_keys], groups=kept)


def first_items(roles: set[str]) -> tuple[str, ...]:
    for role, keys in FIRST:
        if role in roles:
            return keys
    return ()


# The entries that link to one page of a section (the user's own dashboard) but stand for the
# whole of it: every page under the section's URL is theirs (a 街镇's dashboard drilled into,
# the monthly reports).
SECTION = {"dashboards": "dashboards:home"}


def _page(name: str) -> str:
    """The URL of a page that takes no argument. It is the same for the whole life of the
    process (under one script prefix), so it is looked up once: a `reverse()` costs about 14 µs
    on a fast machine (docs/performance.md, "The load that saturates two cores, …"), and the
    menu of district staff names about thirty pages on every page."""
    return _page_under(name, get_script_prefix())


@functools.cache
def _page_under(name: str, prefix: str) -> str:
    return reverse(name)


def menu_for(request: HttpRequest) -> list[MenuItem]:
    user = request.user
    first = first_items({a.role for a in user_role_assignments(user)})
    has_area = bool(user_scope_areas(user))
    entries = [
        (key, label, _page(name))
        for key, label, name in ITEMS
        if has_area or key not in CHILDREN_WORK
    ]
    # The people of the work and their training, after the partners: the roster for everyone
    # with an area (a 儿童主任 sees their 居民区's team), training for the 街镇 and the district.
    team = []
    if has_area:
        team.append(("staff", _("Staff roster"), _page("staff:list")))
    if training_districts(user):
        team.append(("training", _("Training"), _page("training:list")))
    at = next((i + 1 for i, entry in enumerate(entries) if entry[0] == "partners"), len(entries))
    entries[at:at] = team
    dashboard = home_dashboard_area(user)
    if dashboard is not None:
        # Straight to the user's own dashboard: /dashboards/ answers with a redirect to it, a
        # second round trip on a phone's network for every click on the entry.
        entries.append(
            ("dashboards", _("Dashboard"), reverse("dashboards:area", args=[dashboard.pk]))
        )
    # Spreadsheet import after registering a child: the same people (everyone with an area
    # registers children there), many children at once.
    if has_area:
        at = next((i + 1 for i, entry in enumerate(entries) if entry[0] == "register"), 0)
        entries.insert(at, ("imports", _("Import from a spreadsheet"), _page("imports:list")))
    if sees_activities(user):
        entries.append(("activities", _("Projects and activities"), _page("activities:list")))
    if sees_stations(user):
        entries.append(("stations", _("Workstations"), _page("stations:list")))
    # The inspection teams (儿童考察团) of the 居民区 the user sees (docs/domain.md §8.2).
    if sees_inspections(user):
        entries.append(("inspections", _("Inspection teams"), _page("inspections:list")))
    # Children who may be registered twice, to be checked by a person (docs/domain.md §10).
    if sees_duplicates(user):
        entries.append(("duplicates", _("Possible duplicates"), _page("duplicates:list")))
    if follows_coverage(user):
        entries.append(("coverage", _("Workstation coverage"), _page("stations:coverage")))
    if sees_suggestions(user):
        entries.append(("suggestions", _("Suggestion board"), _page("suggestions:list")))
    if sees_councils(user):
        entries.append(("council", _("Children's council"), _page("council:list")))
    if is_district_staff(user):
        entries.append(("rules", _("Visit rules"), _page("visits:rules")))
    if districts_managed_by(user):
        entries.append(("people", _("People and roles"), _page("accounts:people")))
        entries.append(("areas", _("Area management"), _page("administration:areas")))
    if managed_districts(user):
        entries.append(
            ("security", _("Sign-in security of the district"), _page("security:district"))
        )
    if access_review_districts(user):
        entries.append(("unusual", _("Unusual access"), _page("children:unusual_access")))
    if retention_policy_districts(user) or retention_policy_readable_districts(user):
        entries.append(("retention", _("Retention of files"), _page("safekeeping:retention")))
    if user.is_staff:
        entries.append(("admin", _("Administration"), _page("admin:index")))
    # Both also behind the name in the top bar, which a phone has no room to show.
    entries.append(("account", _("Account security"), _page("security:overview")))
    entries.append(("password", _("Change password"), _page("accounts:password_change")))
    # Home, then the role's most used pages, then the rest in their order.
    entries.sort(key=lambda entry: _place(entry[0], first))
    sections = {key: _page(SECTION[key]) if key in SECTION else url for key, _l, url in entries}
    current = _current(request.path, sections)
    return [
        MenuItem(
            label=label,
            url=url,
            current=key == current,
            first=key in first,
            group=_group_of(key, first),
        )
        for key, label, url in entries
    ]


def _place(key: str, first: tuple[str, ...]) -> int:
    if key == "home":
        return -1
    return first.index(key) if key in first else len(first)


def _group_of(key: str, first: tuple[str, ...]) -> str:
    if key in IN_SIGHT or key in first:
        return ""
    return next((group for group, _label, keys in GROUPS if key in keys), "")


def _current(path: str, urls: dict[str, str]) -> str | None:
    """The key of the menu entry the page belongs to: the longest URL that starts the path."""
    matches = [
        (url, key)
        for key, url in urls.items()
        if path == url or (url != "/" and path.startswith(url))
    ]
    return max(matches, key=lambda match: len(match[0]), default=(None, None))[1]
