"""What one row of a register would do: create a child, update one, leave one as it is, or be
refused — and why, in the words of the children app's own rules (children.idnumber,
children.validation), so that a row is refused for exactly what the registration form would
refuse.

`RowContext` is built once per run (the importer's 居民区, the words of the lists, the ID
numbers already seen in the file); `classify_chunk` reads a chunk of rows against the register
as it is now, with the register's answers for the whole chunk looked up at once (who holds its
ID numbers, with their categories and guardians); `row_flags` holds the further checks of a row
(the possible duplicates of the duplicates app)."""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from weibao.accounts.selectors import (
    communities_to_pick,
    communities_visible_to,
    user_district_ids,
    user_scope_areas,
)
from weibao.areas.models import Area
from weibao.children import idnumber
from weibao.children.categories import Category
from weibao.children.choices import HukouType, Relation, Sex
from weibao.children.ethnicity import ETHNICITIES
from weibao.children.models import Child
from weibao.children.selectors import (
    DuplicateOwner,
    category_rows_prefetch,
    child_guardians,
    children_visible_to,
    guardian_rows_prefetch,
    id_number_owners,
)
from weibao.children.services import PLAIN_FIELDS, GuardianInput
from weibao.children.validation import KnownLookups, validate_child_data
from weibao.core import crypto
from weibao.core.text import normalize_name
from weibao.duplicates.selectors import Candidate, likely_matches_many
from weibao.imports.mapping import TARGETS
from weibao.imports.reader import cell_text

CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"
# The fields of the file taken as they are (text); the others are read below.
TEXT_FIELDS = ("hukou_place", "address", "school")
SPLIT = re.compile(r"[,，、;；/|\s]+")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@dataclass
class RowPlan:
    line: int
    outcome: str
    label: str = ""
    reasons: list[str] = field(default_factory=list)
    child: Child | None = None  # the registered child an update or an unchanged row is about
    data: dict[str, Any] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    guardians: list[GuardianInput] | None = None

    def refuse(self, *reasons: str) -> "RowPlan":
        self.outcome = REFUSED
        self.reasons.extend(reasons)
        return self


def _choice_words(choices, *extra: tuple[str, str]) -> dict[str, str]:
    """word → value for a list of choices: the value itself and its label in Chinese (the
    language of a register), with and without a trailing 族/户籍, plus `extra` words."""
    words: dict[str, str] = {}
    with translation.override("zh-hans"):
        for value, label in choices:
            if not value:
                continue
            words[str(value).lower()] = value
            text = str(label)
            words[text] = value
            for suffix in ("族", "户籍"):
                if text.endswith(suffix) and len(text) > len(suffix):
                    words[text[: -len(suffix)]] = value
    words.update(extra)
    return words


class RowContext:
    """What every row of one run is read against."""

    def __init__(
        self, *, actor, mapping: dict[str, int], hukou_default: str = "", validate: bool = True
    ):
        self.actor = actor
        # The dry run checks each row with the children app's rules; the commit leaves that to
        # the services it calls (child_create and child_update check the same rules, and a
        # refusal of theirs refuses the row with the same words), instead of checking twice.
        self.validate = validate
        self.mapping = mapping
        self.hukou_default = hukou_default
        self.seen: dict[str, int] = {}  # ID number → the first line that gave it
        # The chunk's registered ID numbers (classify_chunk), for the rows and the rules.
        self.known = KnownLookups(
            community_ids=frozenset(communities_visible_to(actor).values_list("pk", flat=True))
        )
        self._districts: dict[int, int] = {}  # 居民区 id → its district's id
        allowed = list(communities_to_pick(actor))
        self.allowed_ids = {c.pk for c in allowed}
        self.only_community = allowed[0] if len(allowed) == 1 else None
        self.allowed_by_name: dict[str, list[Area]] = {}
        for community in allowed:
            self.allowed_by_name.setdefault(community.name, []).append(community)
        # The 居民区 of the importer's districts: a name found there but not among the
        # importer's own is "outside your scope", a name found nowhere is unknown.
        districts = {_district_id(area) for area in user_scope_areas(actor)}
        self.known_names = set(
            Area.objects.filter(
                level=Area.Level.COMMUNITY, parent__parent_id__in=districts
            ).values_list("name", flat=True)
        )
        self.sex_words = _choice_words(Sex.choices, ("男性", "M"), ("女性", "F"))
        self.ethnicity_words = _choice_words(ETHNICITIES)
        self.hukou_words = _choice_words(
            HukouType.choices, ("本市", "local"), ("外省市", "other"), ("外地", "other")
        )
        self.relation_words = _choice_words(
            Relation.choices,
            ("父", "father"), ("母", "mother"), ("爸爸", "father"), ("妈妈", "mother"),
            ("爷爷", "p_grandfather"), ("奶奶", "p_grandmother"),
            ("外公", "m_grandfather"), ("外婆", "m_grandmother"),
            ("祖父", "p_grandfather"), ("祖母", "p_grandmother"),
            ("外祖父", "m_grandfather"), ("外祖母", "m_grandmother"),
        )  # fmt: skip
        self.category_words = _choice_words(Category.choices)

    def cell(self, values: list[Any], key: str) -> Any:
        index = self.mapping.get(key)
        if index is None or index >= len(values):
            return None
        return values[index]

    def district_of(self, community: Area) -> int:
        if community.pk not in self._districts:
            self._districts[community.pk] = Area.objects.filter(pk=community.pk).values_list(
                "parent__parent_id", flat=True
            )[0]
        return self._districts[community.pk]

    def text(self, values: list[Any], key: str) -> str:
        return cell_text(self.cell(values, key))


def _district_id(area: Area) -> int:
    while area.parent_id is not None:
        area = area.parent
    return area.pk


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def field_messages(errors: dict[str, list[str]]) -> list[str]:
    """The children app's messages, each after the name of the field it is about."""
    labels = {t.key: str(t.label) for t in TARGETS}
    labels["guardians"] = labels["guardian_name"]
    lines = []
    for key, messages in errors.items():
        label = labels.get(key) or str(Child._meta.get_field(key).verbose_name)
        lines.extend(f"{label}：{message}" for message in messages)
    return lines


def _community(ctx: RowContext, values: list[Any], plan: RowPlan) -> Area | None:
    name = ctx.text(values, "community")
    if not name:
        if ctx.only_community is not None:
            return ctx.only_community
        plan.refuse(_("Residential area: please give it (you import into several)."))
        return None
    found = ctx.allowed_by_name.get(name, [])
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        plan.refuse(_("Residential area: %(name)s names several of yours.") % {"name": name})
    elif name in ctx.known_names:
        plan.refuse(
            _(
                "Residential area: %(name)s is outside your areas; you can only import into "
                "your own."
            )
            % {"name": name}
        )
    else:
        plan.refuse(_("Residential area: unknown residential area %(name)s.") % {"name": name})
    return None


def _word(words: dict[str, str], text: str) -> str:
    """The value a word stands for; an unknown word is kept, for the children app's rules to
    refuse as an unknown value."""
    return words.get(text, words.get(text.lower(), text))


def _row_data(ctx: RowContext, values: list[Any], number: str, plan: RowPlan) -> dict[str, Any]:
    """The file's values for the child's fields; a blank cell gives no value (an update keeps
    what is registered, a new file takes what the ID number says or the form's default)."""
    data: dict[str, Any] = {"id_number": number}
    name = normalize_name(ctx.text(values, "name"))
    if name:
        data["name"] = name
    birth_cell = ctx.cell(values, "birth_date")
    if cell_text(birth_cell):
        birth_date = _parse_date(birth_cell)
        if birth_date is None:
            plan.refuse(
                _("Birth date: %(value)s is not a date (write it as 2015-06-01).")
                % {"value": cell_text(birth_cell)}
            )
        else:
            data["birth_date"] = birth_date
    for key, words in (
        ("sex", ctx.sex_words),
        ("ethnicity", ctx.ethnicity_words),
        ("hukou_type", ctx.hukou_words),
    ):
        text = ctx.text(values, key)
        if text:
            data[key] = _word(words, text)
    for key in TEXT_FIELDS:
        text = ctx.text(values, key)
        if text:
            data[key] = text
    return data


def _categories(ctx: RowContext, values: list[Any]) -> list[str]:
    text = ctx.text(values, "categories")
    return [_word(ctx.category_words, w) for w in SPLIT.split(text) if w]


def _guardian(ctx: RowContext, values: list[Any]) -> GuardianInput | None:
    name = ctx.text(values, "guardian_name")
    if not name:
        return None
    relation = ctx.text(values, "guardian_relation")
    return GuardianInput(
        name=name,
        relation=_word(ctx.relation_words, relation) if relation else Relation.OTHER,
        phone=ctx.text(values, "guardian_phone"),
    )


def classify_chunk(ctx: RowContext, chunk: list[tuple[int, list[Any]]]) -> list[RowPlan]:
    """What each row of a chunk would do (classify_row), with the register's owners of the
    chunk's ID numbers looked up in one go."""
    numbers = [idnumber.normalize(ctx.text(values, "id_number")) for _line, values in chunk]
    # The owners shown are children the user may see, so they lie in the user's districts.
    districts = user_district_ids(ctx.actor)
    prefetch = (category_rows_prefetch(districts), guardian_rows_prefetch(districts))
    ctx.known.owners = id_number_owners(ctx.actor, numbers, prefetch=prefetch)
    plans = [classify_row(ctx, line, values) for line, values in chunk]
    if ctx.validate:
        # The dry run says which rows may be registered children (row_flags); the commit
        # records those pairs for the possible duplicates page as it registers the rows.
        row_flags(ctx, plans)
    return plans


def classify_row(ctx: RowContext, line: int, values: list[Any]) -> RowPlan:
    """What this row would do, checked by the children app's rules against the register as
    it is now (the owners of the chunk's ID numbers as classify_chunk found them). Writes
    nothing."""
    plan = RowPlan(line=line, outcome=CREATE)
    number = idnumber.normalize(ctx.text(values, "id_number"))
    name = ctx.text(values, "name")
    plan.label = f"{name} {crypto.mask_id_number(number)}".strip()
    if not number:
        return plan.refuse(_("ID number: please give it; rows are matched by ID number."))
    problems = idnumber.format_errors(number)
    if problems:
        return plan.refuse(*field_messages({"id_number": problems}))
    if number in ctx.seen:
        return plan.refuse(
            _("ID number: the same as on line %(line)d of this file.") % {"line": ctx.seen[number]}
        )
    ctx.seen[number] = line
    community = _community(ctx, values, plan)
    data = _row_data(ctx, values, number, plan)
    categories = _categories(ctx, values)
    guardian = _guardian(ctx, values)
    if plan.outcome == REFUSED:
        return plan
    data["community"] = community
    owner: DuplicateOwner | None = ctx.known.owners.get(number)
    if owner is not None and owner.child is None:
        # Registered where the importer may not look: never say whose or where
        # (docs/domain.md §3.13).
        return plan.refuse(
            _(
                "ID number: already registered in another area. Please contact your "
                "sub-district's child supervisor."
            )
        )
    if owner is None:
        _plan_create(ctx, plan, data, categories, guardian)
    else:
        _plan_update(ctx, plan, owner.child, data, categories, guardian)
    return plan


def row_flags(ctx: RowContext, plans: list[RowPlan]) -> None:
    """Further checks of the rows that the children app's rules pass. A new file that may be
    a registered child's under another ID number (docs/domain.md §10) is said so, not refused:
    a person decides on the duplicates page once both are registered (the registration records
    the pair). A child the importer may not see is never named. One look-up per district for
    the whole chunk."""
    new_files: dict[int, list[RowPlan]] = {}
    for plan in plans:
        if plan.outcome == CREATE:
            new_files.setdefault(ctx.district_of(plan.data["community"]), []).append(plan)
    found: list[tuple[RowPlan, list]] = []
    for district_id, district_plans in new_files.items():
        rows = [
            Candidate(
                name=p.data.get("name", ""),
                birth_date=p.data.get("birth_date"),
                guardian_phone=p.guardians[0].phone if p.guardians else "",
                id_number=p.data["id_number"],
            )
            for p in district_plans
        ]
        answers = likely_matches_many(district=district_id, rows=rows)
        found.extend((p, m) for p, m in zip(district_plans, answers, strict=True) if m)
    if not found:
        return
    seen = dict(
        children_visible_to(ctx.actor)
        .filter(pk__in={m.child_id for _p, matches in found for m in matches})
        .values_list("pk", "name")
    )
    for plan, matches in found:
        for match in matches:
            if match.child_id in seen:
                plan.reasons.append(
                    _("Possibly the same child as %(name)s, already registered: confirm or "
                      "dismiss it on the possible duplicates page after the import.")
                    % {"name": seen[match.child_id]}
                )  # fmt: skip
            else:
                plan.reasons.append(
                    _("Possibly the same child as one registered in another area: the "
                      "sub-district's supervisor will be asked after the import.")
                )  # fmt: skip


def _plan_create(ctx, plan: RowPlan, data: dict, categories: list[str], guardian) -> None:
    number = data["id_number"]
    data.setdefault("birth_date", idnumber.birth_date_of(number))
    data.setdefault("sex", idnumber.sex_of(number))
    data.setdefault("ethnicity", "01")
    if ctx.hukou_default:
        data.setdefault("hukou_type", ctx.hukou_default)
    errors = (
        validate_child_data(
            actor=ctx.actor, data={**data, "categories": categories}, known=ctx.known
        )
        if ctx.validate
        else None
    )
    if errors:
        plan.refuse(*field_messages(errors))
        return
    plan.data, plan.categories = data, categories
    plan.guardians = [guardian] if guardian else []


def _plan_update(ctx, plan: RowPlan, child: Child, data: dict, categories, guardian) -> None:
    """Only what the file says differently: blank cells keep what is registered, categories
    and guardians are added, never taken away (docs/domain.md §3.13)."""
    plan.child = child
    changed: dict[str, Any] = {}
    for key, value in data.items():
        if key == "id_number":
            continue
        if key == "community":
            if value.pk != child.community_id:
                changed[key] = value
        elif value != getattr(child, key):
            changed[key] = value
    existing = {row.category for row in child.category_rows.all()}
    new_categories = sorted(existing | set(categories))
    guardians = _guardians_with(child, guardian)
    if not changed and new_categories == sorted(existing) and guardians is None:
        plan.outcome = UNCHANGED
        return
    merged = {f: getattr(child, f) for f in PLAIN_FIELDS}
    merged.update({"community": child.community, "address": child.address})
    merged.update(changed)
    merged["categories"] = new_categories
    errors = (
        validate_child_data(actor=ctx.actor, data=merged, instance=child) if ctx.validate else None
    )
    if errors:
        plan.refuse(*field_messages(errors))
        return
    plan.outcome = UPDATE
    plan.data = changed
    plan.categories = new_categories
    plan.guardians = guardians


def _guardians_with(child: Child, guardian: GuardianInput | None) -> list[GuardianInput] | None:
    """The child's guardians with the row's (a new name added, a known name's new phone set);
    None when the row adds nothing."""
    if guardian is None:
        return None
    current = child_guardians(child)
    kept = [
        GuardianInput(
            id=g.pk,
            name=g.name,
            relation=g.relation,
            phone=None,
            work_location=g.work_location,
            is_entrusted_carer=g.is_entrusted_carer,
            able_to_guard=g.able_to_guard,
            notes=g.notes,
        )
        for g in current
    ]
    same = next((k for k, g in zip(kept, current, strict=True) if g.name == guardian.name), None)
    if same is None:
        return [*kept, guardian]
    phone = crypto.normalize_phone(guardian.phone or "")
    if phone and phone != next(g.phone for g in current if g.pk == same.id):
        same.phone = phone
        return kept
    return None
