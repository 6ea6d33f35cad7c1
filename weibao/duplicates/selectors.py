"""Reads of the duplicates app (docs/domain.md §10).

THE scope rule for pairs: a user sees a pair when at least one of its two children lies in
their area scope (accounts.selectors.area_scope_q over either side's area columns) — the
district's staff see their district, a 街镇's supervisor and station staff their 街镇, a 居民区's
儿童主任 their 居民区. Within a pair, a child the user may not see (children_visible_to) is shown
as "another area's child", without name or details. Deciding a pair takes seeing both."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from weibao.accounts.selectors import area_scope_q
from weibao.children import idnumber
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core import crypto
from weibao.core.scope import get_or_404
from weibao.duplicates.matching import Identity, keys_of, reasons_between, score
from weibao.duplicates.models import MatchKey, PossibleDuplicate, State


def pairs_visible_to(user) -> QuerySet[PossibleDuplicate]:
    own = area_scope_q(user)
    if own is None:
        return PossibleDuplicate.objects.none()
    return PossibleDuplicate.objects.filter(own | area_scope_q(user, "other_"))


def sees_duplicates(user) -> bool:
    """Whether the user has an area at all (the menu entry, the list page)."""
    return area_scope_q(user) is not None


def pair_list(user, state: str | None = State.OPEN) -> QuerySet[PossibleDuplicate]:
    """The pairs of the user's scope, likeliest first, with what the list shows in one query."""
    pairs = pairs_visible_to(user)
    if state:
        pairs = pairs.filter(state=state)
    return pairs.select_related(
        "child", "other", "community", "other_community", "decided_by"
    ).order_by("-score", "-found_at", "-pk")


def pair_get_for_user(user, pk) -> PossibleDuplicate:
    return get_or_404(
        pairs_visible_to(user).select_related(
            "child", "other", "community", "other_community", "decided_by"
        ),
        pk,
    )


def visible_child_ids(user, pairs) -> set[int]:
    """Which children of these pairs the user may see: one query for a page of pairs."""
    ids = {p.child_id for p in pairs} | {p.other_id for p in pairs}
    if not ids:
        return set()
    return set(children_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def may_decide(user, pair: PossibleDuplicate, visible: set[int] | None = None) -> bool:
    """Whether the user may say if the two are one child: only someone who sees both files —
    for a pair across two 街镇, the district's staff (docs/domain.md §10)."""
    if visible is None:
        visible = visible_child_ids(user, [pair])
    return {pair.child_id, pair.other_id} <= visible


def child_open_pair_ids(user, child: Child) -> list[int]:
    """The open possible duplicates of the child that the user may see (the notice on the
    child's page), at most ten."""
    return list(
        pairs_visible_to(user)
        .filter(Q(child=child) | Q(other=child), state=State.OPEN)
        .order_by("-score", "pk")
        .values_list("pk", flat=True)[:10]
    )


# --- for the spreadsheet import's dry run ----------------------------------------------------


@dataclass(frozen=True)
class LikelyMatch:
    child_id: int
    reasons: list[str]  # duplicates.matching.Reason codes
    score: int


def likely_matches(
    *,
    district,
    name: str,
    birth_date: dt.date | None,
    guardian_phone: str = "",
    id_number: str = "",
    exclude_child_id: int | None = None,
) -> list[LikelyMatch]:
    """The registered children of `district` (an Area or its id) that a row — a name, a birth
    date, a guardian's phone, an ID number if any — may be a duplicate of, likeliest first, by
    the rule of docs/domain.md §10. Read-only and unscoped: the child ids and reasons only, the
    caller decides what it may show (never whose file it is, outside the reader's scope).
    Two queries at most, whatever the registry's size."""
    district_id = getattr(district, "pk", district)
    phone = crypto.normalize_phone(guardian_phone or "")
    row = Identity(
        name=name or "",
        birth_date=birth_date,
        phones=(phone,) if phone else (),
        id_number=idnumber.normalize(id_number or ""),
    )
    keys = keys_of(row)
    if not keys:
        return []
    kind_of = {digest: kind for kind, digest in keys}
    kinds: dict[int, set[str]] = {}
    for child_id, digest in MatchKey.objects.filter(
        district_id=district_id, digest__in=kind_of
    ).values_list("child_id", "digest"):
        if child_id != exclude_child_id:
            kinds.setdefault(child_id, set()).add(kind_of[digest])
    if not kinds:
        return []
    matches = []
    for child in Child.objects.filter(pk__in=kinds, anonymised_at__isnull=True).only(
        "name", "birth_date", "id_number"
    ):
        other = Identity(name=child.name, birth_date=child.birth_date, id_number=child.id_number)
        reasons = reasons_between(row, other, kinds[child.pk])
        if reasons:
            matches.append(LikelyMatch(child.pk, reasons, score(reasons)))
    return sorted(matches, key=lambda m: (-m.score, m.child_id))
