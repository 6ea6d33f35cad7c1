"""Writes for cases: opening, moving through the stages of workflow.CASE, assessing, closing
with approval and reopening. Each runs in one transaction and writes its audit row (with the
case, so it shows in the case timeline) there."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import Role, RoleAssignment
from weibao.accounts.selectors import users_with_role_in_areas
from weibao.areas.models import Area, lock_where_read
from weibao.audit.services import audit_events_move, audit_record
from weibao.cases import workflow
from weibao.cases.blockers import require_close_guards, require_plan
from weibao.cases.choices import OPEN_STAGES, NoNeedReason, RiskLevel, Stage
from weibao.cases.models import Case, CaseMember, CasePolicy, PlannedService, PlanVersion
from weibao.cases.selectors import (
    case_policy_districts,
    case_roles,
    case_rows_to_lock,
    eligible_owner_q,
    open_case_for_child,
)
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.exceptions import Blocked, ConflictError
from weibao.core.text import checked_text
from weibao.notifications.models import Notification
from weibao.notifications.services import notifications_answer, notify
from weibao.reports.services import DESCRIPTION_LIMIT


def case_audit(*, actor, case: Case, action: str, changes=None, note: str = "") -> None:
    """Every change to a case or to what hangs off it goes through here, so the timeline
    (audit rows carrying the case) is complete."""
    audit_record(
        actor=actor, action=action, obj=case, child=case.child, case=case, changes=changes,
        note=note,
    )  # fmt: skip


def eligible_owner(user, child: Child) -> bool:
    """A case owner works in the child's area: its director, the 街镇's supervisor or station
    staff, or district staff (see selectors.eligible_owners)."""
    if user is None or not getattr(user, "is_active", False):
        return False
    return RoleAssignment.objects.filter(eligible_owner_q(child), user=user).exists()


def _lock(case: Case, expected_version: int | None) -> Case:
    current = lock_where_read(case_rows_to_lock(), case)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


def _save(current: Case, fields: list[str]) -> None:
    current.version += 1
    current.save(update_fields=[*fields, "version", "updated_at"])


def _move(actor, current: Case, name: str) -> str:
    """Check the transition in the table and set the new stage; returns the old stage."""
    workflow.CASE.check(name, current.stage, case_roles(actor, current))
    old = current.stage
    current.stage = workflow.CASE.get(name).target
    return old


# --- the case team --------------------------------------------------------------------------


def _team_add(case: Case, user_ids, why: str) -> set[int]:
    """Put people on the case team (those already on it keep their first reason); returns the
    ids that were not on it before."""
    wanted = set(user_ids) - {None}
    present = set(
        CaseMember.objects.filter(case=case, user_id__in=wanted).values_list("user_id", flat=True)
    )
    new = wanted - present
    rows = [CaseMember(case=case, user_id=user_id, why=why) for user_id in sorted(new)]
    for row in rows:
        row.copy_area_of(case)
    CaseMember.objects.bulk_create(rows, ignore_conflicts=True)
    return new


def _community_directors(case: Case) -> list[int]:
    return users_with_role_in_areas(roles=(Role.DIRECTOR,), area_ids=[case.community_id])


def _team_leave_as_owner(case: Case, user_id: int) -> None:
    """A former owner stays on the team only as what else they are: the 居民区's director of
    an unrestricted case. (Area roles see the case without a row.)"""
    row = CaseMember.objects.filter(case=case, user_id=user_id).first()
    if row is None:
        return
    if not case.restricted and user_id in _community_directors(case):
        row.why = CaseMember.Why.DIRECTOR
        row.save(update_fields=["why"])
    else:
        row.delete()


def team_add_plan_people(*, case: Case, user_ids) -> set[int]:
    """The people named responsible in the case plan join its team (called by plans.plan_save
    in its transaction); returns the ones who joined."""
    return _team_add(case, user_ids, CaseMember.Why.PLAN)


def _notify_team_of_stage(case: Case, actor, old_stage: str) -> None:
    """Every member of the team but the one who moved the case hears that it moved."""
    if old_stage == case.stage:
        return
    for user_id in (
        CaseMember.objects.filter(case=case).exclude(user=actor).values_list("user_id", flat=True)
    ):
        notify(
            recipient_id=user_id,
            kind=Notification.Kind.CASE_STAGE_CHANGED,
            key=f"case_stage:{case.pk}:{case.version}",
            child=case.child,
            params={"child": case.child.name, "case": case.reference, "stage": case.stage},
            url=f"/cases/{case.pk}/",
        )


def _notify_owner(case: Case, actor) -> None:
    if case.owner_id != actor.pk:
        notify(
            recipient_id=case.owner_id,
            kind=Notification.Kind.CASE_ASSIGNED,
            key=f"case_assigned:{case.pk}:{case.owner_id}:{case.version}",
            child=case.child,
            params={"child": case.child.name, "case": case.reference},
            url=f"/cases/{case.pk}/",
        )


@transaction.atomic
def case_open(
    *,
    actor,
    child: Child,
    owner=None,
    summary: str = "",
    concern=None,
) -> Case:
    """Open a case for a child (stage 发现). A child has at most one open case: opening a
    second one is refused (attach new reports to the open one instead)."""
    if not children_visible_to(actor).filter(pk=child.pk).exists():
        raise PermissionDenied
    owner = owner or actor
    if not eligible_owner(owner, child):
        raise ValidationError(
            {"owner": [_("The case owner must work in the child's residential area.")]}
        )
    summary = checked_text(summary, "summary", required=False, message="")
    if open_case_for_child(child) is not None:
        raise ValidationError({"child": [_("This child already has an open case.")]})
    case = Case(child=child, owner=owner, opened_by=actor, summary=summary, origin_concern=concern)
    case.copy_area_of(child)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:  # a second user opened one at the same moment
        raise ValidationError({"child": [_("This child already has an open case.")]}) from exc
    _team_add(case, [owner.pk], CaseMember.Why.OWNER)
    _team_add(case, _community_directors(case), CaseMember.Why.DIRECTOR)
    case_audit(
        actor=actor,
        case=case,
        action="case.open",
        changes={"stage": {"old": None, "new": case.stage}, "owner": {"new": owner.pk}},
        note=summary,
    )
    _notify_owner(case, actor)
    return case


@transaction.atomic
def case_file(*, actor, case: Case, summary: str, expected_version: int | None = None) -> Case:
    """建档: the owner confirms the case with a summary of what is known."""
    current = _lock(case, expected_version)
    old = _move(actor, current, "file")
    current.summary = checked_text(
        summary, "summary", required=True, message=_("Please summarise the case.")
    )
    _save(current, ["stage", "summary"])
    case_audit(
        actor=actor,
        case=current,
        action="case.file",
        changes={"stage": {"old": old, "new": current.stage}},
        note=current.summary,
    )
    _notify_team_of_stage(current, actor, old)
    return current


# Stages in which the risk level may be assessed again without moving the case.
REASSESS_STAGES = frozenset({Stage.ASSESSED, Stage.INTERVENING, Stage.SERVING, Stage.TRACKING})


@transaction.atomic
def case_assess(
    *,
    actor,
    case: Case,
    risk_level: str,
    reasons: str,
    expected_version: int | None = None,
) -> Case:
    """评估: record the risk level with reasons. The first assessment moves a filed case to
    评估; later ones (risk changes while serving) keep the stage."""
    current = _lock(case, expected_version)
    roles = case_roles(actor, current)
    # Who may, then from which stage, then what was typed (as StateMachine.check orders it).
    if not roles & workflow.CASE.get("assess").roles:
        raise PermissionDenied
    if current.stage not in REASSESS_STAGES:
        workflow.CASE.check("assess", current.stage, roles)
    if risk_level not in RiskLevel.values:
        raise ValidationError({"risk_level": [_("Please choose a risk level.")]})
    reasons = checked_text(
        reasons, "reasons", required=True, message=_("Please give the reasons for this level.")
    )
    old_stage = current.stage
    if current.stage == Stage.FILED:
        _move(actor, current, "assess")
    changes: dict[str, Any] = {
        "risk_level": {"old": current.risk_level or None, "new": risk_level},
    }
    if old_stage != current.stage:
        changes["stage"] = {"old": old_stage, "new": current.stage}
    current.risk_level, current.risk_reasons = risk_level, reasons
    current.assessed_at, current.assessed_by = timezone.now(), actor
    _save(current, ["stage", "risk_level", "risk_reasons", "assessed_at", "assessed_by"])
    case_audit(actor=actor, case=current, action="case.assess", changes=changes, note=reasons)
    _notify_team_of_stage(current, actor, old_stage)
    return current


# Transitions that need nothing but the table (and, for "intervene", a plan).
SIMPLE_TRANSITIONS = ("intervene", "serve", "track", "resume_services")


@transaction.atomic
def case_advance(
    *, actor, case: Case, transition: str, note: str = "", expected_version: int | None = None
) -> Case:
    """Move the case on: 评估 → 介入 → 服务 → 跟踪 (and back to 服务 from 跟踪)."""
    if transition not in SIMPLE_TRANSITIONS:
        raise ValidationError({"transition": [_("Unknown action.")]})
    current = _lock(case, expected_version)
    note = checked_text(note, "note", required=False, message="")
    roles = case_roles(actor, current)
    workflow.CASE.check(transition, current.stage, roles)
    if transition == "intervene":
        require_plan(current)
    old = _move(actor, current, transition)
    # The follow-up visits closing needs count from the day the case (last) entered 跟踪.
    if transition == "track":
        current.tracking_since = timezone.now()
    elif transition == "resume_services":
        current.tracking_since = None
    _save(current, ["stage", "tracking_since"])
    case_audit(
        actor=actor,
        case=current,
        action=f"case.{transition}",
        changes={"stage": {"old": old, "new": current.stage}},
        note=note,
    )
    _notify_team_of_stage(current, actor, old)
    return current


def _checked_no_need_reason(case: Case, reason: str) -> str:
    """The reason for closing without services (无保护需求): given from 已评估 — where nothing
    has been delivered yet, so it is the only way to close — and from no other stage, where the
    plan has started and closing needs what the loop produced (docs/domain.md §7.5, §7.7)."""
    reason = (reason or "").strip()
    if case.stage == Stage.ASSESSED:
        if not reason:
            raise ValidationError(
                {"no_need_reason": [_("Please choose why the case needs no protection.")]}
            )
        if reason not in NoNeedReason.values:
            raise ValidationError({"no_need_reason": [_("Please choose a reason from the list.")]})
    elif reason:
        raise ValidationError(
            {
                "no_need_reason": [
                    _(
                        "Only a case at the stage “assessed” may close for no protection need; "
                        "this one closes once its plan, services and follow-up are done."
                    )
                ]
            }
        )
    return reason


@transaction.atomic
def case_request_close(
    *,
    actor,
    case: Case,
    summary: str,
    no_need_reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Ask the supervisor to close the case, with a closing summary. From 已评估 with a reason
    why no protection is needed (NoNeedReason); from the later stages once the plan's services
    are done, a service was recorded and the follow-up has visited the child (blockers)."""
    current = _lock(case, expected_version)
    workflow.CASE.check("request_close", current.stage, case_roles(actor, current))
    current.close_no_need_reason = _checked_no_need_reason(current, no_need_reason)
    require_close_guards(current)
    summary = checked_text(
        summary, "summary", required=True, message=_("Please write a closing summary.")
    )
    old = _move(actor, current, "request_close")
    current.stage_before_closing = old
    current.close_summary = summary
    current.close_requested_at, current.close_requested_by = timezone.now(), actor
    _save(
        current,
        ["stage", "stage_before_closing", "close_summary", "close_requested_at",
         "close_requested_by", "close_no_need_reason"],
    )  # fmt: skip
    changes: dict[str, Any] = {"stage": {"old": old, "new": current.stage}}
    if current.close_no_need_reason:
        changes["close_no_need_reason"] = {"old": None, "new": current.close_no_need_reason}
    case_audit(
        actor=actor, case=current, action="case.request_close", changes=changes, note=summary
    )
    recipients = set(
        users_with_role_in_areas(roles=(Role.SUPERVISOR,), area_ids=[current.subdistrict_id])
    )
    if not recipients - {actor.pk}:  # the supervisor asked: the district approves
        recipients |= set(
            users_with_role_in_areas(roles=(Role.DISTRICT_STAFF,), area_ids=[current.district_id])
        )
    for user_id in recipients - {actor.pk}:
        notify(
            recipient_id=user_id,
            kind=Notification.Kind.CASE_CLOSE_REQUESTED,
            key=f"case_close_requested:{current.pk}:{current.version}",
            child=current.child,
            params={"child": current.child.name, "case": current.reference},
            url=f"/cases/{current.pk}/",
        )
    _notify_team_of_stage(current, actor, old)
    return current


@transaction.atomic
def case_decide_close(
    *,
    actor,
    case: Case,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """The supervisor (or district) approves or refuses closing. Nobody approves their own
    request."""
    current = _lock(case, expected_version)
    name = "approve_close" if approve else "reject_close"
    workflow.CASE.check(name, current.stage, case_roles(actor, current))
    if current.close_requested_by_id == actor.pk:
        raise ValidationError(
            {"state": [_("Closing must be approved by someone other than who asked for it.")]},
            code="four_eyes",
        )
    if approve:  # a referral or a plan item may have been added while the request waited
        require_close_guards(current)
    note = checked_text(
        note,
        "note",
        required=not approve,
        message=_("Please say why the case should stay open."),
    )
    old = _move(actor, current, name)
    fields = ["stage"]
    if approve:
        current.closed_at, current.closed_by = timezone.now(), actor
        fields += ["closed_at", "closed_by"]
    else:
        current.stage = current.stage_before_closing or Stage.TRACKING
        # The reason belonged to the refused request; a new request gives its own.
        current.close_no_need_reason = ""
        fields.append("close_no_need_reason")
    current.stage_before_closing = ""
    _save(current, [*fields, "stage_before_closing"])
    case_audit(
        actor=actor,
        case=current,
        action="case.approve_close" if approve else "case.reject_close",
        changes={"stage": {"old": old, "new": current.stage}},
        note=note,
    )
    # The request is answered: nobody else needs to be asked any more.
    notifications_answer(key_prefix=f"case_close_requested:{current.pk}:")
    for user_id in {current.owner_id, current.close_requested_by_id} - {actor.pk, None}:
        notify(
            recipient_id=user_id,
            kind=Notification.Kind.CASE_CLOSE_DECIDED,
            key=f"case_close_decided:{current.pk}:{current.version}",
            child=current.child,
            params={"child": current.child.name, "case": current.reference, "approved": approve},
            url=f"/cases/{current.pk}/",
        )
    _notify_team_of_stage(current, actor, old)
    return current


@transaction.atomic
def case_reopen(*, actor, case: Case, reason: str, expected_version: int | None = None) -> Case:
    """Reopen a closed case (back to 建档), with a reason. Refused if the child has another open
    case meanwhile."""
    current = _lock(case, expected_version)
    workflow.CASE.check("reopen", current.stage, case_roles(actor, current))
    reason = checked_text(
        reason, "reason", required=True, message=_("Please give the reason for reopening.")
    )
    old = _move(actor, current, "reopen")
    if open_case_for_child(current.child) is not None:
        raise ValidationError({"state": [_("This child already has an open case.")]})
    current.closed_at = current.closed_by = None
    current.close_requested_at = current.close_requested_by = None
    # The last closing's reason and follow-up stay in the timeline; the new round has its own.
    current.close_no_need_reason, current.tracking_since = "", None
    current.reopened_count += 1
    try:
        with transaction.atomic():
            _save(
                current,
                ["stage", "closed_at", "closed_by", "close_requested_at", "close_requested_by",
                 "close_no_need_reason", "tracking_since", "reopened_count"],
            )  # fmt: skip
    except IntegrityError as exc:  # another case was opened for the child at the same moment
        raise ValidationError({"state": [_("This child already has an open case.")]}) from exc
    case_audit(
        actor=actor,
        case=current,
        action="case.reopen",
        changes={"stage": {"old": old, "new": current.stage}},
        note=reason,
    )
    _notify_team_of_stage(current, actor, old)
    return current


@transaction.atomic
def case_assign(*, actor, case: Case, owner, expected_version: int | None = None) -> Case:
    """Hand the case to another owner (the supervisor or district decides)."""
    current = _lock(case, expected_version)
    if not case_roles(actor, current) & workflow.APPROVERS:
        raise PermissionDenied
    if not current.is_open:
        raise ValidationError({"state": [_("This action is not possible in the current state.")]})
    if not eligible_owner(owner, current.child):
        raise ValidationError(
            {"owner": [_("The case owner must work in the child's residential area.")]}
        )
    if owner.pk == current.owner_id:
        return current
    old = current.owner_id
    current.owner = owner
    _save(current, ["owner"])
    _team_leave_as_owner(current, old)
    _team_add(current, [owner.pk], CaseMember.Why.OWNER)
    case_audit(
        actor=actor,
        case=current,
        action="case.assign",
        changes={"owner": {"old": old, "new": owner.pk}},
    )
    _notify_owner(current, actor)
    return current


# --- the closing rules of a district (CasePolicy) ---------------------------------------------


def case_policy_for(district: Area) -> CasePolicy:
    """The district's closing rules, created with the defaults the first time they are edited
    (as reports.services.clock_policy_for)."""
    policy, _created = CasePolicy.objects.get_or_create(district=district)
    return policy


@transaction.atomic
def case_policy_update(*, actor, district: Area, follow_up_visits: int) -> CasePolicy:
    """District staff set how many home visits the follow-up of their district's cases needs
    before closing; it applies to every closing asked or approved from now on."""
    if district.pk not in {a.pk for a in case_policy_districts(actor)}:
        raise PermissionDenied
    policy = lock_where_read(CasePolicy.objects, case_policy_for(district))
    old = policy.follow_up_visits
    policy.follow_up_visits = follow_up_visits
    policy.full_clean(exclude=["district"])
    policy.save()
    changes = {}
    if old != policy.follow_up_visits:
        changes["follow_up_visits"] = {"old": old, "new": policy.follow_up_visits}
    audit_record(actor=actor, action="case.policy", obj=policy, changes=changes)
    return policy


# --- a mandatory report handed to the case work (registered on reports.hooks.case_for_report)


def case_for_report(*, actor, report, owner=None) -> tuple[Case, bool]:
    """The child's open case with the report attached, or a new case opened from it (the
    report's description as the summary, its visit concern as the origin). Called inside
    reports.services.report_open_case's transaction, which checks who may do this."""
    case = open_case_for_child(report.child)
    attached = case is not None
    if case is None:
        case = case_open(
            actor=actor,
            child=report.child,
            owner=owner,
            summary=report.description[:DESCRIPTION_LIMIT],
            concern=report.concern,
        )
    case_audit(
        actor=actor,
        case=case,
        action="report.attach",
        changes={"report": {"new": report.reference}},
        note=_("Mandatory report %(reference)s.") % {"reference": report.reference},
    )
    return case, attached


RESTRICTION_LIMIT = 500


@transaction.atomic
def case_restrict(
    *,
    actor,
    case: Case,
    restricted: bool,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """The supervisor (or district) restricts a case — its 居民区's 儿童主任 leave the team,
    e.g. when one of them is related to the family — or lifts the restriction (they rejoin).
    The reason is required to restrict and is kept in the audit trail. An owner or a person
    named in the plan stays: hand the case or the item to someone else first."""
    current = _lock(case, expected_version)
    if not case_roles(actor, current) & workflow.APPROVERS:
        raise PermissionDenied
    if not current.is_open:
        raise ValidationError({"state": [_("This action is not possible in the current state.")]})
    reason = checked_text(
        reason,
        "reason",
        required=restricted,
        message=_("Please say why this case is restricted."),
        limit=RESTRICTION_LIMIT,
    )
    if restricted == current.restricted:
        return current
    current.restricted = restricted
    current.restricted_reason = reason if restricted else ""
    _save(current, ["restricted", "restricted_reason"])
    if restricted:
        CaseMember.objects.filter(
            district_id=current.district_id, case=current, why=CaseMember.Why.DIRECTOR
        ).delete()
    else:
        _team_add(current, _community_directors(current), CaseMember.Why.DIRECTOR)
    case_audit(
        actor=actor,
        case=current,
        action="case.restrict" if restricted else "case.unrestrict",
        changes={"restricted": {"old": not restricted, "new": restricted}},
        note=reason,
    )
    return current


# ===============================================================================================
# --- a child who moved: the case follows (an accepted transfer, docs/domain.md §3.12) --------
# Kept apart at the end of the module: the transfers app calls it.
# ===============================================================================================


@transaction.atomic
def case_move_area(*, actor, case: Case, community, owner_if_outside=None, note: str = "") -> Case:
    """Move a case of a child who moved to `community` (the child's file has moved already):
    the case and its timeline, plan and reports go with it, and the old area no longer sees it.
    An owner who does not work in the new area hands the case to `owner_if_outside` (the
    receiving supervisor, or whoever accepted the transfer), or the old owner would still see
    it. The apps above cases move what hangs off the case with their own services. Called
    inside transfers.services.transfer_accept's transaction, which checks who may; the
    accepter may not see the case before it moves."""
    # Not joined with the child, which is in its new district already (_lock's join names the
    # case's district for both).
    current = lock_where_read(Case.objects, case)
    old_place = _place(current.community)
    from_district = current.district_id
    current.district_id = community.parent.parent_id
    current.subdistrict_id = community.parent_id
    current.community = community
    changes: dict[str, Any] = {"community": {"old": old_place, "new": _place(community)}}
    fields = ["district", "subdistrict", "community"]
    # eligible_owner reads the area columns, which a case names as a child does.
    if owner_if_outside is not None and not eligible_owner(current.owner, current):
        if not eligible_owner(owner_if_outside, current):
            raise ValidationError(
                {"owner": [_("The case owner must work in the child's residential area.")]}
            )
        changes["owner"] = {"old": current.owner_id, "new": owner_if_outside.pk}
        current.owner = owner_if_outside
        fields.append("owner")
    _save(current, fields)
    _team_move(current, old_owner=case.owner_id, from_district=from_district)
    _plans_follow(current, from_district=from_district)
    audit_events_move(case=current, from_district=from_district)
    case_audit(actor=actor, case=current, action="case.move_area", changes=changes, note=note)
    if "owner" in changes:
        _notify_owner(current, actor)
    return current


def _team_move(case: Case, *, old_owner: int, from_district: int) -> None:
    """The team follows the case: whoever does not work in the new area leaves it (the old
    居民区's directors, an old owner, people of the old area named in the plan — their items
    wait for the new team to re-plan), the owner stays or joins, and the new 居民区's
    directors join unless the case is restricted. The rows carry the case's new area. Each
    write names the district the rows are in, `from_district` until they move
    (docs/scale.md, "What changes in the code", point 8)."""
    stay = set(
        RoleAssignment.objects.filter(eligible_owner_q(case)).values_list("user_id", flat=True)
    )
    team = CaseMember.objects.filter(district_id=from_district, case=case)
    team.exclude(user_id__in=stay).delete()
    team.update(
        district_id=case.district_id,
        subdistrict_id=case.subdistrict_id,
        community_id=case.community_id,
    )
    if old_owner != case.owner_id:
        CaseMember.objects.filter(
            district_id=case.district_id, case=case, user_id=old_owner, why=CaseMember.Why.OWNER
        ).delete()
    _team_add(case, [case.owner_id], CaseMember.Why.OWNER)
    if not case.restricted:
        _team_add(case, _community_directors(case), CaseMember.Why.DIRECTOR)


def _plans_follow(case: Case, *, from_district: int) -> None:
    """The case's plan versions follow the case to another district (what
    areas.columns.area_columns_move does for the tables with all three area columns; these
    carry the district alone, so a move within the district leaves them as they are)."""
    if case.district_id != from_district:
        PlanVersion.objects.filter(district_id=from_district, case=case).update(
            district_id=case.district_id
        )


def _place(community) -> str:
    """Where a case is, as its timeline shows it: "天山路街道 · 测试甲居民区"."""
    return f"{community.parent.name} · {community.name}"


# --- the end of the retention period (children.hooks.child_anonymise_parts) -----------------


# --- the area tree (areas.hooks.area_close_guards) --------------------------------------------


def area_cases_guard(*, area) -> None:
    """An area closes without an open case in it: the cases of the children who move go with
    them (transfers.services); one left behind — of a child no longer on the register — is
    closed first, with its approval."""
    n = Case.objects.filter(**{f"{area.scope_field()}_id": area.pk}, stage__in=OPEN_STAGES).count()
    if n:
        raise Blocked(
            _("%(n)d open cases remain in %(area)s: close them first.")
            % {"n": n, "area": area.name},
            code="cases",
        )


def cases_anonymise_child(*, actor, child: Child) -> dict[str, int]:
    """The child's file is anonymised (inside children.services.child_anonymise's transaction,
    which writes the audit row): the cases' summaries, risk reasons, closing summaries and
    restriction reasons, the plans' goals and notes and the planned services' details are
    cleared. Stages, risk levels, the no-need reason, dates, service types and their states
    stay: what the statistics of the closed loop count."""
    cases = Case.objects.filter(child=child)
    # The plans of the child's cases lie in the child's district (case_move_area moves them
    # with the case, and a case moves with its child): an UPDATE by district and case ids,
    # not by a join with the cases (which Django sends as "id IN (…)", without the district).
    plans = PlanVersion.objects.filter(
        district_id=child.district_id, case__in=cases.filter(district_id=child.district_id)
    )
    services = PlannedService.objects.filter(plan__in=plans.values("pk"))
    return {
        "cases": cases.update(summary="", risk_reasons="", close_summary="", restricted_reason=""),
        "plan_versions": plans.update(goals="", change_note=""),
        "planned_services": services.update(description="", cancel_reason=""),
    }


@transaction.atomic
def cases_exported(*, actor, area, rows: int, filters: dict, channel: str) -> None:
    """Every export of the list of cases is in the audit log: who, which area, how many rows,
    with which filters."""
    audit_record(
        actor=actor,
        action="case.export",
        obj=area if area is not None else actor,
        changes={"rows": rows, "channel": channel, "filters": filters},
    )
