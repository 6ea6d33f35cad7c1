"""Writes of the inspection teams (docs/domain.md §8.2): a 居民区's team, its members with
their guardian's consent, patrols, findings (with an optional photo), the 四位一体 meetings and
each finding's way through them (inspections.workflow). Each runs in one transaction and writes
its audit row there. The actor reaches the team through the selectors' scope: the views and the
API find it first (404 out of scope); these check again that the actor keeps it."""

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.selectors import communities_to_pick
from weibao.areas.models import Area, joined_in_district, lock_where_read
from weibao.audit.services import audit_record
from weibao.children.models import Child
from weibao.core import uploads
from weibao.core.exceptions import ConflictError
from weibao.core.text import clean_text
from weibao.inspections.choices import (
    OWNER_OTHER,
    Category,
    ConsentMethod,
    FindingState,
    Party,
)
from weibao.inspections.models import Finding, Meeting, Member, Patrol, Team
from weibao.inspections.selectors import member_candidates, team_roles
from weibao.inspections.workflow import FINDING

EARLIEST = dt.date(2000, 1, 1)
PHOTO_MAX_BYTES = 5 * 1024 * 1024
# How far ahead a meeting may be put in the calendar (its agenda is set before it is held).
MEETING_AHEAD = dt.timedelta(days=92)
# The longest a decision may give its owner.
LONGEST_DUE = dt.timedelta(days=3 * 366)


def _too_long(n: int) -> str:
    return _("Please keep this under %(n)d characters.") % {"n": n}


def _assert_keeper(actor, team: Team) -> None:
    if not team_roles(actor, team):
        raise PermissionDenied


def _text(value, field: str, limit: int, errors: dict, *, required: str = "", multiline=False):
    text = clean_text(value, multiline=multiline)
    if len(text) > limit:
        errors[field] = [_too_long(limit)]
    elif required and not text:
        errors[field] = [required]
    return text


def _date(value, field: str, errors: dict, *, missing: str, latest: dt.date, earliest=EARLIEST):
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[field] = [missing]
        return None
    if value > latest:
        errors.setdefault(field, [_("This date is in the future.")])
        return None
    if value < earliest:
        errors.setdefault(
            field, [_("Please give a date on or after %(day)s.") % {"day": earliest.isoformat()}]
        )
        return None
    return value


# --- teams ------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor, community: Area, name: str = "") -> Team:
    """Start the inspection team of a 居民区 of the actor's scope (one per 居民区)."""
    if (
        not isinstance(community, Area)
        or not communities_to_pick(actor).filter(pk=community.pk).exists()
    ):
        raise ValidationError({"community": [_("Choose a residential area of yours.")]})
    errors: dict[str, list[str]] = {}
    name = _text(name, "name", 60, errors) or f"{community.name}儿童考察团"
    if errors:
        raise ValidationError(errors)
    team = Team(
        district_id=community.parent.parent_id,
        subdistrict_id=community.parent_id,
        community=community,
        name=name,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"community": [_("This residential area has its inspection team already.")]}
        ) from exc
    audit_record(
        actor=actor,
        action="inspections.team_create",
        obj=team,
        changes={"community": community.pk, "name": name},
    )
    return team


def _area_of(team: Team) -> dict[str, int]:
    return {
        "district_id": team.district_id,
        "subdistrict_id": team.subdistrict_id,
        "community_id": team.community_id,
    }


# --- members ----------------------------------------------------------------------------------


@transaction.atomic
def member_add(*, actor, team: Team, child: Child | None, data: dict[str, Any]) -> Member:
    """Put a registered child of the team's 居民区 on it, with the guardian's consent: who gave
    it, on which day, how. Joining comes on or after the consent."""
    _assert_keeper(actor, team)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if (
        not isinstance(child, Child)
        or not member_candidates(actor, team).filter(pk=child.pk).exists()
    ):
        errors["child"] = [
            _("Choose a registered child of this residential area who is not on the team.")
        ]
    consent_by = _text(
        data.get("consent_by"), "consent_by", 64, errors,
        required=_("Please say which guardian gave consent."),
    )  # fmt: skip
    consent_on = _date(
        data.get("consent_on"), "consent_on", errors,
        missing=_("Please give the day consent was given."), latest=today,
    )  # fmt: skip
    how = data.get("consent_how")
    if how not in ConsentMethod.values:
        errors["consent_how"] = [_("Choose how consent was given.")]
    joined_on = _date(
        data.get("joined_on"), "joined_on", errors,
        missing=_("Please give the day the child joined."), latest=today,
    )  # fmt: skip
    if consent_on and joined_on and joined_on < consent_on:
        errors["joined_on"] = [_("A child joins on or after the day consent was given.")]
    if errors:
        raise ValidationError(errors)
    member = Member(
        team=team,
        child=child,
        consent_by=consent_by,
        consent_on=consent_on,
        consent_how=how,
        joined_on=joined_on,
        created_by=actor,
        **_area_of(team),
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise ValidationError({"child": [_("This child is on the team already.")]}) from exc
    audit_record(
        actor=actor,
        action="inspections.member_add",
        obj=member,
        child=child,
        changes={
            "team": team.pk,
            "consent_by": consent_by,
            "consent_on": consent_on.isoformat(),
            "consent_how": how,
            "joined_on": joined_on.isoformat(),
        },
    )
    return member


@transaction.atomic
def member_leave(*, actor, member: Member, left_on: dt.date | None) -> Member:
    """Record that a child left the team (the row stays, with the patrols they went on)."""
    current = lock_where_read(
        Member.objects.select_related("team").filter(joined_in_district("team")), member
    )
    _assert_keeper(actor, current.team)
    if current.left_on is not None:
        raise ValidationError({"left_on": [_("This child has left the team already.")]})
    errors: dict[str, list[str]] = {}
    left_on = _date(
        left_on, "left_on", errors, missing=_("Please give the day the child left."),
        latest=timezone.localdate(), earliest=current.joined_on,
    )  # fmt: skip
    if errors:
        raise ValidationError(errors)
    current.left_on = left_on
    current.save(update_fields=["left_on"])
    audit_record(
        actor=actor,
        action="inspections.member_leave",
        obj=current,
        child=current.child,
        changes={"left_on": {"old": None, "new": left_on.isoformat()}},
    )
    return current


# --- patrols ----------------------------------------------------------------------------------


@transaction.atomic
def patrol_create(*, actor, team: Team, data: dict[str, Any]) -> Patrol:
    """Record a patrol: its day, its route, the members who went (on the team that day) and the
    adults who went with them."""
    _assert_keeper(actor, team)
    errors: dict[str, list[str]] = {}
    day = _date(
        data.get("patrolled_on"), "patrolled_on", errors,
        missing=_("Please give the date of the patrol."), latest=timezone.localdate(),
    )  # fmt: skip
    route = _text(data.get("route"), "route", 300, errors, required=_("Please give the route."))
    adults = _text(
        data.get("adults"), "adults", 200, errors,
        required=_("Please say which adults went with the children."),
    )  # fmt: skip
    wanted = list(data.get("members") or [])
    ids = {m.pk if isinstance(m, Member) else m for m in wanted}
    members = list(Member.objects.filter(team=team, pk__in=[i for i in ids if isinstance(i, int)]))
    if not ids:
        errors["members"] = [_("Choose the members who went.")]
    elif len(members) != len(ids):
        errors["members"] = [_("Choose members of this team.")]
    elif day is not None and any(
        m.joined_on > day or (m.left_on is not None and m.left_on < day) for m in members
    ):
        errors["members"] = [_("Some of these children were not on the team on that day.")]
    if errors:
        raise ValidationError(errors)
    patrol = Patrol.objects.create(
        team=team, patrolled_on=day, route=route, adults=adults, created_by=actor, **_area_of(team)
    )
    patrol.members.set(members)
    audit_record(
        actor=actor,
        action="inspections.patrol_create",
        obj=patrol,
        changes={
            "team": team.pk,
            "patrolled_on": day.isoformat(),
            "route": route,
            "adults": adults,
            "members": sorted(m.pk for m in members),
        },
    )
    return patrol


# --- findings ---------------------------------------------------------------------------------


def _photo(upload: UploadedFile):
    """(content, content type) of a photo checked by its content: JPEG or PNG, written anew
    without its metadata (core.uploads), at most 5 MB."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [_("The photo is larger than 5 MB.")]})
    content_type = uploads.sniffed_type(upload)
    if content_type not in (uploads.JPEG, uploads.PNG):
        raise ValidationError({"photo": [_("Only JPEG or PNG photos.")]})
    try:
        content = uploads.reencoded_image(upload, content_type)
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from exc
    if content.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": [_("The photo is larger than 5 MB.")]})
    return content, content_type


@transaction.atomic
def finding_create(
    *, actor, team: Team, data: dict[str, Any], photo: UploadedFile | None = None
) -> Finding:
    """Record what the team found on one of its patrols: what, where (a place in the 居民区,
    never a child's home), in general words for the public, a category and a photo."""
    _assert_keeper(actor, team)
    errors: dict[str, list[str]] = {}
    patrol = data.get("patrol")
    if not isinstance(patrol, Patrol) or patrol.team_id != team.pk:
        errors["patrol"] = [_("Choose a patrol of this team.")]
    what = _text(
        data.get("what"), "what", 500, errors, required=_("Please say what was found."),
        multiline=True,
    )  # fmt: skip
    place = _text(data.get("place"), "place", 200, errors, required=_("Please say where."))
    place_general = _text(data.get("place_general"), "place_general", 60, errors)
    category = data.get("category")
    if category not in Category.values:
        errors["category"] = [_("Choose a category.")]
    content = content_type = None
    if photo is not None and "photo" not in errors:
        try:
            content, content_type = _photo(photo)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    finding = Finding(
        team=team,
        patrol=patrol,
        what=what,
        place=place,
        place_general=place_general,
        category=category,
        state=FindingState.FOUND,
        state_since=patrol.patrolled_on,
        created_by=actor,
        **_area_of(team),
    )
    if content is not None:
        finding.photo_token = secrets.token_hex(16)
        finding.photo_type = content_type
        finding.photo_size = content.size
        # Stored under the random token (models.photo_path), never under the user's name.
        finding.photo.save(finding.photo_token, content, save=False)
    finding.save()
    audit_record(
        actor=actor,
        action="inspections.finding_create",
        obj=finding,
        changes={
            "team": team.pk,
            "patrol": patrol.pk,
            "what": what,
            "place": place,
            "place_general": place_general,
            "category": category,
            "photo": finding.photo_size or None,
        },
    )
    return finding


def _lock(finding: Finding, expected_version: int | None) -> Finding:
    # With its team and patrol, joined on the district; its meeting (optional) read when asked.
    current = lock_where_read(
        Finding.objects.select_for_update(of=("self",))
        .select_related("team", "patrol")
        .filter(joined_in_district("team", "patrol")),
        finding,
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError
    return current


def _meeting_of(team: Team, meeting, errors: dict) -> Meeting | None:
    if not isinstance(meeting, Meeting) or meeting.team_id != team.pk:
        errors["meeting"] = [_("Choose a meeting of this residential area.")]
        return None
    return meeting


@transaction.atomic
def finding_transition(
    *,
    actor,
    finding: Finding,
    name: str,
    expected_version: int | None = None,
    meeting: Meeting | None = None,
    decision: str = "",
    owner: str = "",
    owner_other: str = "",
    due_on: dt.date | None = None,
    outcome: str = "",
    resolved_on: dt.date | None = None,
    reason: str = "",
) -> Finding:
    """One step of a finding (inspections.workflow): put on a meeting's agenda (`meeting`), take
    off it, record the meeting's decision (`decision`, an `owner` — one of the four parties or
    "other" with `owner_other` — and a `due_on`), mark resolved (`outcome`: what was done, in
    words fit for the public wall; `resolved_on`), or close as not actionable (`reason`)."""
    if name not in FINDING.transitions:
        raise ValidationError({"state": [_("This action is not possible in the current state.")]})
    current = _lock(finding, expected_version)
    FINDING.check(name, current.state, team_roles(actor, current.team))
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    changes: dict[str, Any] = {"state": {"old": current.state}}
    if name == "agenda":
        chosen = _meeting_of(current.team, meeting, errors)
        if chosen is not None:
            current.meeting = chosen
            changes["meeting"] = chosen.pk
    elif name == "unlist":
        changes["meeting"] = {"old": current.meeting_id, "new": None}
        current.meeting = None
    elif name == "decide":
        held = current.meeting.held_on if current.meeting else today
        if held > today:
            errors["decision"] = [_("The meeting has not been held yet.")]
        text = _text(
            decision, "decision", 1000, errors, required=_("Please record the decision."),
            multiline=True,
        )  # fmt: skip
        if owner not in (*Party.values, OWNER_OTHER):
            errors["owner"] = [_("Choose who does it.")]
        other = _text(owner_other, "owner_other", 60, errors)
        if owner == OWNER_OTHER and not other and "owner_other" not in errors:
            errors["owner_other"] = [_("Please say who does it.")]
        if not isinstance(due_on, dt.date):
            errors["due_on"] = [_("Please give the date it is due.")]
        elif not held <= due_on <= held + LONGEST_DUE:
            errors["due_on"] = [_("Give a date after the meeting, within three years.")]
        current.decision, current.owner = text, owner
        current.owner_other = other if owner == OWNER_OTHER else ""
        current.due_on = due_on if isinstance(due_on, dt.date) else None
        changes.update(
            decision=text,
            owner=owner,
            owner_other=current.owner_other,
            due_on=current.due_on.isoformat() if current.due_on else None,
        )
    elif name == "resolve":
        text = _text(outcome, "outcome", 300, errors, required=_("Please say what was done."))
        day = _date(
            resolved_on, "resolved_on", errors, missing=_("Please give the day it was resolved."),
            latest=today, earliest=current.patrol.patrolled_on,
        )  # fmt: skip
        current.outcome, current.resolved_on = text, day
        changes.update(outcome=text, resolved_on=day.isoformat() if day else None)
    elif name == "close":
        text = _text(
            reason, "reason", 300, errors, required=_("Please say why it is not actionable.")
        )
        current.closed_reason = text
        changes["closed_reason"] = text
    if errors:
        raise ValidationError(errors)
    current.state = FINDING.get(name).target
    current.state_since = today
    current.version += 1
    current.save()
    changes["state"]["new"] = current.state
    audit_record(actor=actor, action=f"inspections.finding_{name}", obj=current, changes=changes)
    return current


# --- meetings ---------------------------------------------------------------------------------


def _clean_meeting(data: dict[str, Any], errors: dict) -> dict[str, Any]:
    today = timezone.localdate()
    held_on = _date(
        data.get("held_on"), "held_on", errors, missing=_("Please give the date of the meeting."),
        latest=today + MEETING_AHEAD,
    )  # fmt: skip
    parties = data.get("parties") or []
    if not isinstance(parties, list | tuple) or not set(parties) <= set(Party.values):
        errors["parties"] = [_("Choose from the four parties.")]
        parties = []
    notes = _text(data.get("notes"), "notes", 2000, errors, multiline=True)
    return {
        "held_on": held_on,
        "parties": [p for p in Party.values if p in set(parties)],
        "notes": notes,
    }


@transaction.atomic
def meeting_create(
    *, actor, team: Team, data: dict[str, Any], findings: list[Finding] = ()
) -> Meeting:
    """Record a 四位一体 meeting of the team's 居民区 (its day, who of the four attended, its
    notes) and put the chosen findings — found, not yet on an agenda — on its agenda."""
    _assert_keeper(actor, team)
    errors: dict[str, list[str]] = {}
    clean = _clean_meeting(data, errors)
    findings = list(findings)
    if any(f.team_id != team.pk or f.state != FindingState.FOUND for f in findings):
        errors["findings"] = [_("Choose findings of this team that are not on an agenda yet.")]
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(team=team, created_by=actor, **clean, **_area_of(team))
    audit_record(
        actor=actor,
        action="inspections.meeting_create",
        obj=meeting,
        changes={**clean, "held_on": clean["held_on"].isoformat(), "team": team.pk},
    )
    for finding in findings:
        finding_transition(actor=actor, finding=finding, name="agenda", meeting=meeting)
    return meeting


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, data: dict[str, Any]) -> Meeting:
    """Change a meeting's day, who attended and its notes (attendance is often known after)."""
    current = lock_where_read(
        Meeting.objects.select_related("team").filter(joined_in_district("team")), meeting
    )
    _assert_keeper(actor, current.team)
    errors: dict[str, list[str]] = {}
    clean = _clean_meeting(data, errors)
    if errors:
        raise ValidationError(errors)
    changes = {}
    for field, value in clean.items():
        old = getattr(current, field)
        if old != value:
            changes[field] = {
                "old": old.isoformat() if isinstance(old, dt.date) else old,
                "new": value.isoformat() if isinstance(value, dt.date) else value,
            }
            setattr(current, field, value)
    if changes:
        current.save()
        audit_record(actor=actor, action="inspections.meeting_update", obj=current, changes=changes)
    return current


# --- anonymisation (docs/domain.md §9.5) ------------------------------------------------------


def members_anonymise_child(*, actor, child) -> dict[str, int]:
    """A file anonymised at the end of its retention period: the guardian named on the child's
    memberships goes (children.hooks.child_anonymise_parts, inside child_anonymise's
    transaction). The dates and the way consent was given stay."""
    cleared = Member.objects.filter(child=child).exclude(consent_by="").update(consent_by="")
    return {"inspection_members": cleared} if cleared else {}
