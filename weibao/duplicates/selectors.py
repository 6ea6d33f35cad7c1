"""Reads of the duplicates app (docs/domain.md §10).

THE scope rule for pairs: a user sees a pair when at least one of its two children lies in
their area scope (accounts.selectors.area_scope_q over either side's area columns) — the
district's staff see their district, a 街镇's supervisor and station staff their 街镇, a 居民区's
儿童主任 their 居民区. Within a pair, a child the user may not see (children_visible_to) is shown
as "another area's child", without name or details. Deciding a pair takes seeing both."""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db import connections, router
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


@dataclass(frozen=True)
class Candidate:
    """A row that is not registered yet (a row of an import), to match against the register."""

    name: str
    birth_date: dt.date | None
    guardian_phone: str = ""
    id_number: str = ""


def key_holders(district_ids: Collection[int], digests: Collection[str]) -> list[tuple]:
    """(child id, district id, digest) of every match key of these districts with one of these
    digests: the one look-up matching asks, by the (district, digest) index. A plain query:
    an import's chunk asks for five thousand digests at once, and Django's preparing each
    value of an `__in` one by one cost more than the query (docs/performance.md,
    "Spreadsheet import")."""
    if not district_ids or not digests:
        return []
    connection = connections[router.db_for_read(MatchKey)]
    quote = connection.ops.quote_name
    table = quote(MatchKey._meta.db_table)
    districts, keys = list(district_ids), list(digests)
    # Names and marks only: every value is a parameter.
    columns = f"SELECT {quote('child_id')}, {quote('district_id')}, {quote('digest')} FROM {table}"  # noqa: S608
    if connection.vendor == "postgresql":
        # Two array parameters: a list of five thousand parameters costs PostgreSQL more to
        # parse and plan than the look-ups themselves.
        sql = f"{columns} WHERE district_id = ANY(%s::bigint[]) AND digest = ANY(%s::text[])"
        params = [districts, keys]
    else:
        sql = (
            f"{columns} WHERE {quote('district_id')} IN ({', '.join(['%s'] * len(districts))}) "
            f"AND {quote('digest')} IN ({', '.join(['%s'] * len(keys))})"
        )
        params = [*districts, *keys]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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
    row = Candidate(name, birth_date, guardian_phone, id_number)
    return likely_matches_many(district=district, rows=[row], exclude_child_id=exclude_child_id)[0]


def likely_matches_many(
    *, district, rows: list[Candidate], exclude_child_id: int | None = None
) -> list[list[LikelyMatch]]:
    """`likely_matches` for many rows of one district at once (an import's chunk), in two
    queries at most whatever the number of rows: the answers in the rows' order."""
    district_id = getattr(district, "pk", district)
    identities = [
        Identity(
            name=row.name or "",
            birth_date=row.birth_date,
            phones=(phone,) if (phone := crypto.normalize_phone(row.guardian_phone or "")) else (),
            id_number=idnumber.normalize(row.id_number or ""),
        )
        for row in rows
    ]
    keys = [keys_of(identity).probes for identity in identities]
    kind_of = {digest: kind for found in keys for kind, digest in found}
    if not kind_of:
        return [[] for _row in rows]
    holders: dict[str, set[int]] = {}
    for child_id, _district, digest in key_holders([district_id], kind_of):
        if child_id != exclude_child_id:
            holders.setdefault(digest, set()).add(child_id)
    kinds_per_row: list[dict[int, set[str]]] = []
    for found in keys:
        kinds: dict[int, set[str]] = {}
        for kind, digest in found:
            for child_id in holders.get(digest, ()):
                kinds.setdefault(child_id, set()).add(kind)
        kinds_per_row.append(kinds)
    wanted = {child_id for kinds in kinds_per_row for child_id in kinds}
    others = {
        child.pk: Identity(name=child.name, birth_date=child.birth_date, id_number=child.id_number)
        for child in Child.objects.filter(pk__in=wanted, anonymised_at__isnull=True).only(
            "name", "birth_date", "id_number"
        )
    } if wanted else {}  # fmt: skip
    answers = []
    for identity, kinds in zip(identities, kinds_per_row, strict=True):
        matches = []
        for child_id, found_kinds in kinds.items():
            if child_id not in others:
                continue
            reasons = reasons_between(identity, others[child_id], found_kinds)
            if reasons:
                matches.append(LikelyMatch(child_id, reasons, score(reasons)))
        answers.append(sorted(matches, key=lambda m: (-m.score, m.child_id)))
    return answers
