"""Changes to the area tree: district staff create and rename 街镇 and 居民区, and close them
(docs/domain.md §1.16). Each runs in one transaction and writes its audit row through the
`area_audit` hook (the audit app sits above this one). Who may: every function on the
`area_managers` hook must agree (accounts registers district staff of the area's district).
What a closing would strand — people's roles, files on the register, open cases, open reports,
pending transfers — is refused by the `area_close_guards` hook: the caller (the administration
app, which may call the apps that own them) moves the children and the roles first."""

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.areas.hooks import area_audit, area_close_guards, area_managers
from weibao.areas.models import Area
from weibao.areas.selectors import district_of
from weibao.core.exceptions import Blocked
from weibao.core.operator import Operator
from weibao.core.text import clean_text

Level = Area.Level
# The level an area creates below it; 居民区 have nothing below them.
LEVEL_BELOW = {Level.DISTRICT: Level.SUBDISTRICT, Level.SUBDISTRICT: Level.COMMUNITY}
# 统计用区划代码: 6 digits for a 区/县, 9 for a 街镇, 12 for a 居委会/村委会, each beginning with
# its parent's.
CODE_LENGTH = {Level.DISTRICT: 6, Level.SUBDISTRICT: 9, Level.COMMUNITY: 12}
NAME_LIMIT = Area._meta.get_field("name").max_length


def _audit(*, actor, action: str, obj: Area, changes: dict, note: str = "") -> None:
    if not area_audit:
        # Never change the tree without its audit row.
        raise ImproperlyConfigured("Nothing is registered on areas.hooks.area_audit.")
    area_audit.call(actor=actor, action=action, obj=obj, changes=changes, note=note)


def area_may_manage(actor, area: Area) -> bool:
    """Whether `actor` may change the areas of `area`'s district."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not area_managers:
        return False
    district = district_of(area)
    return all(area_managers.call(actor=actor, district=district))


def _assert_manager(actor, area: Area) -> None:
    if not area_may_manage(actor, area):
        raise PermissionDenied


def _place(area: Area | None) -> dict | None:
    return None if area is None else {"id": area.pk, "name": area.name}


def _clean_name(name: object) -> str:
    name = clean_text(name)
    if not name:
        raise ValidationError({"name": [_("Please give the name.")]})
    if len(name) > NAME_LIMIT:
        raise ValidationError(
            {"name": [_("Please keep this under %(n)d characters.") % {"n": NAME_LIMIT}]}
        )
    return name


def _clean_code(level: str, code: object) -> str:
    """The official code as given, without spaces, checked for its level's digits ("" if none
    was given)."""
    code = clean_text(code).replace(" ", "")
    length = CODE_LENGTH[level]
    if code and (not code.isascii() or not code.isdigit() or len(code) != length):
        raise ValidationError({"code": [_("The official code has %(n)d digits.") % {"n": length}]})
    return code


def _created(area: Area) -> dict:
    """The audit row's changes of a new area."""
    changes = {
        "name": {"old": None, "new": area.name},
        "code": {"old": None, "new": area.code},
        "level": {"old": None, "new": area.level},
    }
    if area.parent is not None:
        changes["parent"] = {"old": None, "new": _place(area.parent)}
    return changes


def _checked_name(parent: Area, name: object, *, instance: Area | None) -> str:
    name = _clean_name(name)
    siblings = Area.objects.filter(parent=parent, name=name)
    if instance is not None:
        siblings = siblings.exclude(pk=instance.pk)
    sibling = siblings.first()
    if sibling is not None:
        message = (
            _("%(parent)s had an area of this name, now closed: choose another name.")
            if sibling.closed_at
            else _("%(parent)s already has an area of this name.")
        )
        raise ValidationError({"name": [message % {"parent": parent.name}]})
    return name


def _checked_code(level: str, parent: Area, code: object, *, instance: Area | None) -> str:
    code = _clean_code(level, code)
    if not code:
        if level == Level.SUBDISTRICT:
            raise ValidationError(
                {"code": [_("A sub-district or town needs its official code (9 digits).")]}
            )
        return ""
    if parent.code and not code.startswith(parent.code):
        message = _("The code begins with %(parent)s's code, %(code)s.")
        raise ValidationError({"code": [message % {"parent": parent.name, "code": parent.code}]})
    taken = Area.objects.filter(code=code)
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    other = taken.first()
    if other is not None:
        raise ValidationError({"code": [_("This code is %(area)s's.") % {"area": other.name}]})
    return code


@transaction.atomic
def area_create(*, actor, parent: Area, name: str, code: str = "") -> Area:
    """A new 街镇 in a district, or a new 居民区 in a 街镇."""
    parent = Area.objects.select_for_update().get(pk=parent.pk)
    _assert_manager(actor, parent)
    level = LEVEL_BELOW.get(parent.level)
    if level is None:
        raise ValidationError({"parent": [_("Nothing is created below a residential area.")]})
    if parent.closed_at is not None:
        raise ValidationError({"parent": [_("%(area)s is closed.") % {"area": parent.name}]})
    name = _checked_name(parent, name, instance=None)
    code = _checked_code(level, parent, code, instance=None)
    area = Area.objects.create(name=name, code=code, level=level, parent=parent)
    _audit(actor=actor, action="area.create", obj=area, changes=_created(area))
    return area


@transaction.atomic
def district_create(*, actor: Operator, name: str, code: str) -> Area:
    """A new district (区/县), the top of its tree: made on the server by its operator
    (`weibao districts add`), as no one in the product may make one — district staff are
    granted on a district that exists, and create its 街镇 and 居民区 themselves."""
    name, code = _clean_name(name), _clean_code(Level.DISTRICT, code)
    if not code:
        length = CODE_LENGTH[Level.DISTRICT]
        raise ValidationError({"code": [_("The official code has %(n)d digits.") % {"n": length}]})
    # The districts locked: two operators at once cannot both make the same one.
    districts = list(Area.objects.select_for_update().filter(level=Level.DISTRICT))
    other = next((d for d in districts if d.code == code), None)
    if other is not None:
        raise ValidationError({"code": [_("This code is %(area)s's.") % {"area": other.name}]})
    if any(d.name == name for d in districts):
        raise ValidationError({"name": [_("A district of this name exists already.")]})
    area = Area.objects.create(name=name, code=code, level=Level.DISTRICT)
    note = f"command: {actor.command}"
    _audit(actor=None, action="area.create", obj=area, changes=_created(area), note=note)
    return area


def _lock(area: Area) -> Area:
    # Only the area's own row is locked: PostgreSQL cannot lock the nullable side of the join
    # to its parent.
    return Area.objects.select_for_update(of=("self",)).select_related("parent").get(pk=area.pk)


def _assert_below_district(area: Area) -> None:
    # The district itself is set up with the system (docs/security.md): its staff manage
    # what lies below it.
    if area.level == Level.DISTRICT:
        raise PermissionDenied


@transaction.atomic
def area_rename(*, actor, area: Area, name: str, code: str | None = None) -> Area:
    """Change the name (and, when `code` is given, the official code) of a 街镇 or 居民区.
    The records keep pointing at the same area, so they show the new name."""
    current = _lock(area)
    _assert_manager(actor, current)
    _assert_below_district(current)
    if current.closed_at is not None:
        raise Blocked(_("%(area)s is closed.") % {"area": current.name}, code="closed")
    changes: dict = {}
    new_name = _checked_name(current.parent, name, instance=current)
    if new_name != current.name:
        changes["name"] = {"old": current.name, "new": new_name}
        current.name = new_name
    if code is not None:
        new_code = _checked_code(current.level, current.parent, code, instance=current)
        if new_code != current.code:
            changes["code"] = {"old": current.code, "new": new_code}
            current.code = new_code
    if changes:
        current.save(update_fields=["name", "code"])
        _audit(actor=actor, action="area.rename", obj=current, changes=changes)
    return current


def area_close_refusals(area: Area, *, skip: frozenset[str] = frozenset()) -> list[Blocked]:
    """What keeps the area from closing now, each a Blocked with its code (those in `skip`
    left out: what the caller is about to move)."""
    refusals = []
    for guard in [_open_areas_below, *area_close_guards]:
        try:
            guard(area=area)
        except Blocked as exc:
            if exc.code not in skip:
                refusals.append(exc)
    return refusals


def _open_areas_below(*, area: Area) -> None:
    open_below = Area.objects.open().filter(parent=area).count()
    if open_below:
        raise Blocked(
            _("%(area)s still has %(n)d open residential areas: merge or close them first.")
            % {"area": area.name, "n": open_below},
            code="communities",
        )


@transaction.atomic
def area_close(
    *,
    actor,
    area: Area,
    merged_into: Area | None = None,
    note: str = "",
    across_subdistricts: bool = False,
) -> Area:
    """Close a 街镇 or 居民区 — merged into another 居民区 of the same 街镇, or a 街镇 into
    another of the same district (`merged_into`), or closed outright. With
    `across_subdistricts` a 居民区 merges into one of another 街镇 of its district (its 街镇
    merging: docs/domain.md §1.16). Refused (Blocked) while anything lives there
    (area_close_refusals): the caller moves it first, in the same transaction. The area stays,
    closed, for the records of the past."""
    current = _lock(area)
    _assert_manager(actor, current)
    _assert_below_district(current)
    if current.closed_at is not None:
        raise Blocked(_("%(area)s is closed already.") % {"area": current.name}, code="closed")
    if merged_into is not None:
        target_problem = merge_target_problem(
            current, merged_into, across_subdistricts=across_subdistricts
        )
        if target_problem:
            raise ValidationError({"into": [target_problem]})
    refusals = area_close_refusals(current)
    if refusals:
        raise refusals[0]
    current.closed_at = timezone.now()
    current.merged_into = merged_into
    current.save(update_fields=["closed_at", "merged_into"])
    changes: dict = {"closed_at": {"old": None, "new": current.closed_at.isoformat()}}
    if merged_into is not None:
        changes["merged_into"] = {"old": None, "new": _place(merged_into)}
    _audit(
        actor=actor,
        action="area.merge" if merged_into is not None else "area.close",
        obj=current,
        changes=changes,
        note=note,
    )
    return current


def merge_target_problem(
    area: Area, target: Area, *, across_subdistricts: bool = False
) -> str | None:
    """Why `target` cannot take in `area` (None when it can): for a 居民区, another open
    居民区 of the same 街镇 (of the same district, `across_subdistricts`, when its 街镇 merges);
    for a 街镇, another open 街镇 of the same district."""
    if area.level == Level.SUBDISTRICT:
        if target.level != Level.SUBDISTRICT or target.parent_id != area.parent_id:
            return _("Choose a sub-district or town of the same district.")
        if target.pk == area.pk:
            return _("Choose another sub-district or town.")
    elif area.level == Level.COMMUNITY:
        same = (
            target.parent is not None and target.parent.parent_id == area.parent.parent_id
            if across_subdistricts
            else target.parent_id == area.parent_id
        )
        if target.level != Level.COMMUNITY or not same:
            return _("Choose a residential area of the same sub-district or town.")
        if target.pk == area.pk:
            return _("Choose another residential area.")
    else:
        return _("Only a residential area is merged into another.")
    if target.closed_at is not None:
        return _("%(area)s is closed.") % {"area": target.name}
    return None
