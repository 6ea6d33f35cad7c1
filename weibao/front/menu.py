"""The site's main menu: every page a signed-in user works from, with the pages their role uses
most put first (on a phone the menu is behind one button, so the first items matter)."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
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
    ("account", _("Account security"), "security:overview"),
]
# The pages about children and the work with them: none for an account without an area (the
# system administrator), who reads no child's data (docs/security.md).
CHILDREN_WORK = frozenset(key for key, _label, _name in ITEMS) - {"home", "account"}

# What each role opens most: a 儿童主任 visits and watches the children of one 居民区; the
# 街镇's supervisor and staff triage reports and run cases; the district follows reports, cases
# and the services delivered. A person with several roles gets the first of these that is theirs.
FIRST: list[tuple[str, tuple[str, str, str]]] = [
    (Role.SUPERVISOR, ("reports", "cases", "concerns")),
    (Role.STATION_STAFF, ("reports", "cases", "ledger")),
    (Role.DISTRICT_STAFF, ("reports", "cases", "ledger")),
    (Role.DIRECTOR, ("worklist", "children", "concerns")),
]


@dataclass(frozen=True)
class MenuItem:
    label: Promise
    url: str
    current: bool
    first: bool


def first_items(roles: set[str]) -> tuple[str, ...]:
    for role, keys in FIRST:
        if role in roles:
            return keys
    return ()


def menu_for(request: HttpRequest) -> list[MenuItem]:
    user = request.user
    first = first_items({a.role for a in user_role_assignments(user)})
    has_area = bool(user_scope_areas(user))
    entries = [
        (key, label, reverse(name))
        for key, label, name in ITEMS
        if has_area or key not in CHILDREN_WORK
    ]
    # The people of the work and their training, after the partners: the roster for everyone
    # with an area (a 儿童主任 sees their 居民区's team), training for the 街镇 and the district.
    team = []
    if has_area:
        team.append(("staff", _("Staff roster"), reverse("staff:list")))
    if training_districts(user):
        team.append(("training", _("Training"), reverse("training:list")))
    at = next((i + 1 for i, entry in enumerate(entries) if entry[0] == "partners"), len(entries))
    entries[at:at] = team
    if home_dashboard_area(user) is not None:
        entries.append(("dashboards", _("Dashboard"), reverse("dashboards:home")))
    # Spreadsheet import after registering a child: the same people (everyone with an area
    # registers children there), many children at once.
    if has_area:
        at = next((i + 1 for i, entry in enumerate(entries) if entry[0] == "register"), 0)
        entries.insert(at, ("imports", _("Import from a spreadsheet"), reverse("imports:list")))
    if sees_activities(user):
        entries.append(("activities", _("Projects and activities"), reverse("activities:list")))
    if sees_stations(user):
        entries.append(("stations", _("Workstations"), reverse("stations:list")))
    # The inspection teams (儿童考察团) of the 居民区 the user sees (docs/domain.md §8.2).
    if sees_inspections(user):
        entries.append(("inspections", _("Inspection teams"), reverse("inspections:list")))
    # Children who may be registered twice, to be checked by a person (docs/domain.md §10).
    if sees_duplicates(user):
        entries.append(("duplicates", _("Possible duplicates"), reverse("duplicates:list")))
    if follows_coverage(user):
        entries.append(("coverage", _("Workstation coverage"), reverse("stations:coverage")))
    if sees_suggestions(user):
        entries.append(("suggestions", _("Suggestion board"), reverse("suggestions:list")))
    if sees_councils(user):
        entries.append(("council", _("Children's council"), reverse("council:list")))
    if is_district_staff(user):
        entries.append(("rules", _("Visit rules"), reverse("visits:rules")))
    if districts_managed_by(user):
        entries.append(("people", _("People and roles"), reverse("accounts:people")))
        entries.append(("areas", _("Area management"), reverse("administration:areas")))
    if managed_districts(user):
        entries.append(("security", _("Sign-in security"), reverse("security:district")))
    if access_review_districts(user):
        entries.append(("unusual", _("Unusual access"), reverse("children:unusual_access")))
    if retention_policy_districts(user) or retention_policy_readable_districts(user):
        entries.append(("retention", _("Retention of files"), reverse("safekeeping:retention")))
    if user.is_staff:
        entries.append(("admin", _("Administration"), reverse("admin:index")))
    # Also behind the name in the top bar, which a phone has no room to show.
    entries.append(("password", _("Change password"), reverse("accounts:password_change")))
    entries.sort(key=lambda entry: first.index(entry[0]) if entry[0] in first else len(first))
    current = _current(request.path, [url for _key, _label, url in entries])
    return [
        MenuItem(label=label, url=url, current=url == current, first=key in first)
        for key, label, url in entries
    ]


def _current(path: str, urls: list[str]) -> str | None:
    """The menu entry the page belongs to: the longest URL that starts the path."""
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(matches, key=len, default=None)
