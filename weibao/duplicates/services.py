"""Writes of the duplicates app (docs/domain.md §10): the match keys of children and the pairs
they find, kept up to date inside the children app's transaction (children.hooks.
child_identity_changed), and a person's decision on a pair — the same child or not — audited.
Nothing here changes a child's file: a confirmed pair is resolved by the people (one file
closed by its owner), never merged by the system."""

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.models import lock_where_read
from weibao.audit.services import audit_record
from weibao.children.models import Child, Guardian
from weibao.core.bulk import insert_plain
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.text import clean_text
from weibao.duplicates.matching import Identity, keys_of, reasons_between, score
from weibao.duplicates.models import MatchKey, PossibleDuplicate, State
from weibao.duplicates.selectors import key_holders, may_decide

NOTE_MAX = 500
_AREA = ("district_id", "subdistrict_id", "community_id")


def identity_of(child: Child, phones: Iterable[str] = ()) -> Identity:
    return Identity(
        name=child.name,
        birth_date=child.birth_date,
        phones=tuple(sorted({p for p in phones if p})),
        id_number=child.id_number or "",
    )


def child_match_refresh(*, child: Child, from_district: int) -> None:
    """children.hooks.child_identity_changed: rewrite the child's keys and record the possible
    duplicates they find (inside the children service's transaction). The old keys lie in
    `from_district`, the child's district before a move."""
    children_match_refresh(children=[child], from_districts={from_district})


def children_match_new(*, children: list[Child], guardians: Iterable[Guardian]) -> int:
    """children.hooks.children_created: the keys of a batch of new files (an import's chunk),
    from the phones of the guardians registered with them: a new file has no keys and no
    pairs yet, and its guardians need not be read back (and decrypted) from the database."""
    phones: dict[int, list[str]] = defaultdict(list)
    for guardian in guardians:
        phones[guardian.child_id].append(guardian.phone)
    return children_match_refresh(children=children, phones=phones, new=True)


def children_match_refresh(
    *,
    children: list[Child],
    phones: dict[int, list[str]] | None = None,
    new: bool = False,
    from_districts: Iterable[int] = (),
) -> int:
    """Rewrite the keys of `children` and find their possible duplicates among the children of
    their districts, in a fixed number of queries whatever the registry's size: each key is one
    indexed look-up (district, digest). Returns how many pairs were recorded anew. `phones`
    (child id → its guardians' phones) when the caller has them, else they are read; `new`
    when the children were just registered (no keys or pairs of theirs to replace);
    `from_districts`, the districts children of the batch moved from, where their old keys
    lie (their keys are in their own district otherwise: the keys move only through here).

    A pair already decided stays as it is: a dismissal is remembered, whatever the files become
    (docs/domain.md §10). An open pair whose files no longer match (a name corrected) is
    withdrawn."""
    children = [c for c in children if c.anonymised_at is None]
    if not children:
        return 0
    ids = [c.pk for c in children]
    if phones is None:
        phones = defaultdict(list)
        # By child with the children's districts, like every read of a child's guardians.
        districts = {c.district_id for c in children}
        for child_id, phone in Guardian.objects.filter(
            district_id__in=districts, child_id__in=ids
        ).values_list("child_id", "phone"):
            phones[child_id].append(phone)
    identities = {c.pk: identity_of(c, phones.get(c.pk, ())) for c in children}
    keys = {c.pk: keys_of(identities[c.pk]) for c in children}

    if not new:
        # By district and child, as every write of a district's row (docs/scale.md, "What
        # changes in the code", point 8).
        districts = {c.district_id for c in children} | set(from_districts)
        MatchKey.objects.filter(district_id__in=districts, child_id__in=ids).delete()
    # Three to five keys per child: written as plain rows (core.bulk), an import's chunk of
    # a thousand children writes several thousand of them.
    insert_plain(
        MatchKey,
        ("child_id", "kind", "digest", *_AREA),
        (
            (c.pk, kind, digest, *(getattr(c, f) for f in _AREA))
            for c in children
            for kind, digest in sorted(keys[c.pk].stored)
        ),
    )

    digests = {digest for found in keys.values() for _kind, digest in found.probes}
    holders: dict[tuple[int, str], set[int]] = defaultdict(set)
    for child_id, district_id, digest in key_holders({c.district_id for c in children}, digests):
        holders[(district_id, digest)].add(child_id)

    matched: dict[tuple[int, int], set[str]] = defaultdict(set)  # (child, other) → kinds
    for c in children:
        for kind, digest in keys[c.pk].probes:
            for other_id in holders[(c.district_id, digest)] - {c.pk}:
                matched[(c.pk, other_id)].add(kind)

    others = {o for _c, o in matched} - set(ids)
    loaded = {c.pk: c for c in children}
    if others:
        loaded.update(
            (o.pk, o)
            for o in Child.objects.filter(pk__in=others, anonymised_at__isnull=True).only(
                "name", "birth_date", "id_number", *_AREA
            )
        )
    found: dict[tuple[int, int], list[str]] = {}
    for (child_id, other_id), kinds in matched.items():
        if other_id not in loaded:
            continue
        # The other's phones are not needed: a phone key matched says a phone is shared.
        one = identities[child_id]
        other = identities.get(other_id) or identity_of(loaded[other_id])
        reasons = reasons_between(one, other, kinds)
        if reasons:
            found[(min(child_id, other_id), max(child_id, other_id))] = reasons

    existing = (
        {}
        if new
        else {
            (p.child_id, p.other_id): p
            for p in PossibleDuplicate.objects.filter(child_id__in=ids)
            | PossibleDuplicate.objects.filter(other_id__in=ids)
        }
    )
    new_pairs, changed, withdrawn = [], [], []
    for pair_key, reasons in found.items():
        pair = existing.get(pair_key)
        if pair is None:
            pair = PossibleDuplicate(child_id=pair_key[0], other_id=pair_key[1])
            _set_areas(pair, loaded)
            pair.reasons, pair.score = reasons, score(reasons)
            new_pairs.append(pair)
        elif pair.state == State.OPEN and pair.reasons != reasons:
            pair.reasons, pair.score = reasons, score(reasons)
    for pair_key, pair in existing.items():
        if pair.state == State.OPEN and pair_key not in found:
            withdrawn.append(pair)
            continue
        _set_areas(pair, loaded)
        changed.append(pair)
    # Two registrations at once may find the same pair: the unique pair decides, quietly.
    PossibleDuplicate.objects.bulk_create(new_pairs, ignore_conflicts=True)
    # Each pair is updated in the district it was read in (docs/scale.md, "What changes in the
    # code", point 8): _set_areas may move it to its child's new district.
    in_district: dict[int | None, list[PossibleDuplicate]] = defaultdict(list)
    for pair in changed:
        in_district[pair.district_read()].append(pair)
    for district, pairs in in_district.items():
        rows = PossibleDuplicate.objects.all()
        if district is not None:
            rows = rows.filter(district_id=district)
        updated = rows.bulk_update(
            pairs,
            ["reasons", "score", *_AREA, "other_district", "other_subdistrict", "other_community"],
        )
        if updated < len(pairs) and _moved_since_read(district, pairs):
            # Moved to another district since they were read, as a save() would find it.
            raise ConflictError
    if withdrawn:
        PossibleDuplicate.objects.filter(
            district_id__in={pair.district_id for pair in withdrawn},
            pk__in=[pair.pk for pair in withdrawn],
        ).delete()
    return len(new_pairs)


def _moved_since_read(district: int | None, pairs: list[PossibleDuplicate]) -> bool:
    """Whether one of `pairs`, read in `district`, now lies in another (one query, on a short
    update only; a pair deleted meanwhile is not a conflict)."""
    return (
        PossibleDuplicate.objects.filter(pk__in=[pair.pk for pair in pairs])
        .exclude(district_id=district)
        .exists()
    )


def _set_areas(pair: PossibleDuplicate, loaded: dict[int, Child]) -> None:
    """The pair's area columns from whichever of its children were just read (a child that
    moved brings its pairs along: docs/domain.md §3.12)."""
    if pair.child_id in loaded:
        for f in _AREA:
            setattr(pair, f, getattr(loaded[pair.child_id], f))
    if pair.other_id in loaded:
        for f in _AREA:
            setattr(pair, f"other_{f}", getattr(loaded[pair.other_id], f))


def keys_anonymise_child(*, actor, child: Child) -> dict[str, int]:
    """children.hooks.child_anonymise_parts: an anonymised file is matched no more."""
    deleted, _detail = MatchKey.objects.filter(district_id=child.district_id, child=child).delete()
    return {"duplicate_keys": deleted} if deleted else {}


# --- a person's decision ----------------------------------------------------------------------


def _decide(
    *, actor, pair: PossibleDuplicate, state: str, note: str, expected_version: int | None
) -> PossibleDuplicate:
    note = clean_text(note, multiline=True)
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": [_("At most %(n)d characters, please.") % {"n": NOTE_MAX}]})
    current = lock_where_read(PossibleDuplicate.objects, pair)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    if not may_decide(actor, current):
        raise PermissionDenied
    if current.state != State.OPEN:
        raise Blocked(
            _("This pair has already been decided: %(state)s.")
            % {"state": current.get_state_display()},
            code="decided",
        )
    current.state = state
    current.note = note
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.version += 1
    current.save()
    audit_record(
        actor=actor,
        action=f"duplicate.{'confirm' if state == State.CONFIRMED else 'dismiss'}",
        obj=current,
        changes={
            "state": {"old": State.OPEN, "new": state},
            "children": [current.child_id, current.other_id],
            "note": note,
        },
    )
    return current


@transaction.atomic
def duplicate_confirm(
    *, actor, pair: PossibleDuplicate, note: str = "", expected_version: int | None = None
) -> PossibleDuplicate:
    """ "是同一人": the two files are one child. Recorded for the people to resolve — the owner
    of the file registered by mistake closes it — and never merged (docs/domain.md §10)."""
    return _decide(
        actor=actor, pair=pair, state=State.CONFIRMED, note=note, expected_version=expected_version
    )


@transaction.atomic
def duplicate_dismiss(
    *, actor, pair: PossibleDuplicate, note: str = "", expected_version: int | None = None
) -> PossibleDuplicate:
    """ "不是同一人": remembered, so the pair is never shown again (docs/domain.md §10)."""
    return _decide(
        actor=actor, pair=pair, state=State.DISMISSED, note=note, expected_version=expected_version
    )
