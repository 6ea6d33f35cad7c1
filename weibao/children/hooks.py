"""What higher apps contribute to the children app (registered in their AppConfig.ready())."""

from dataclasses import dataclass, field
from typing import Any

from weibao.core.hooks import Hook

child_schedule_changed = Hook(
    "child_schedule_changed",
    "f(*, child, from_district=None) after a child is registered or their categories, 居民区, "
    "birth date or status change, inside the service's transaction (the visits app re-plans "
    "the child's visits). from_district: the district the child has just left, where its "
    "open due visit still lies (None when it did not move).",
)
child_identity_changed = Hook(
    "child_identity_changed",
    "f(*, child, from_district) after a child is registered, or their name, birth date, ID "
    "number, guardians or 居民区 change, inside the service's transaction (the duplicates app "
    "rewrites the child's match keys and records the possible duplicates they find, "
    "docs/domain.md §10). from_district: the district the child was in before, where its rows "
    "still lie (its own district when it did not move).",
)
children_created = Hook(
    "children_created",
    "f(*, children, guardians) after a batch of children is registered together (children."
    "services.children_create_many: an import), inside its transaction, with the batch's new "
    "Guardian rows: what child_schedule_changed and child_identity_changed do for one child, "
    "done once for the whole batch (the visits app plans their first visits, the duplicates "
    "app writes their match keys from the names, birth dates and the guardians' phones).",
)
child_page_panels = Hook(
    "child_page_panels",
    "f(request, child) -> Panel: a section of the child's page below the guardians (the "
    "cases app's cases, the visits app's next visit and history), in hook order.",
)
history_models = Hook(
    "history_models",
    "f() -> {object_type: model}: the models whose audit rows appear in a child's history "
    "with field labels (visits and concerns).",
)


@dataclass(frozen=True)
class HistoryAction:
    """How a higher app's audit row reads in a child's history: its label, and whether its
    changes are shown under it (False for bookkeeping, such as rows following a transfer)."""

    label: Any
    lines: bool = True


history_actions = Hook(
    "history_actions",
    "f() -> {action: HistoryAction}: the labels of a higher app's audit rows that name a child "
    "and appear in the child's history (a sign-up, a council or inspection team membership).",
)
community_change_guards = Hook(
    "community_change_guards",
    "f(child) -> str | None: why this child's 居民区 may not be changed on the file itself "
    "(the transfers app: a child with a case or visits moves only through a transfer). The "
    "first answer refuses the change, as the message next to the residential-area field.",
)
registration_source = Hook(
    "registration_source",
    "f(user, raw_id) -> RegistrationSource | None: a record whose child is being registered "
    "(a mandatory report's link page), to pre-fill the form and to come back to.",
)
child_anonymise_parts = Hook(
    "child_anonymise_parts",
    "f(*, actor, child) -> dict[str, int]: clear what the app holds about the child in free "
    "text (notes, descriptions, reasons, attachments, a reporter's identity), through its own "
    "service, when the child's file is anonymised at the end of its retention period "
    "(children.services.child_anonymise, inside its transaction). Answers how many rows of "
    "each kind it cleared, for the audit row; coded fields (kinds, states, dates) stay.",
)


@dataclass(frozen=True)
class RegistrationSource:
    """A record whose child is being registered: the record (shown on the form), the form's
    initial values, where saving returns to with which message, and hints shown under fields
    the record knows only roughly (field name → text, e.g. an age for the birth date)."""

    record: Any
    initial: dict
    return_url: str
    message: str
    hints: dict = field(default_factory=dict)
