"""API shapes of the inspection teams. Input serializers check types and lengths; the rules
(whose children, which dates, which states) are the services' and come back as field-level
messages. A child's name is given only where the reader may see the child (`child_name` is ""
otherwise)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from weibao.accounts.selectors import communities_to_pick
from weibao.areas.models import Area
from weibao.children.models import Child
from weibao.children.selectors import children_visible_to
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.inspections.choices import (
    OWNER_OTHER,
    Category,
    ConsentMethod,
    FindingState,
    Party,
)
from weibao.inspections.models import Finding, Meeting, Member, Patrol, Team
from weibao.inspections.selectors import (
    findings_visible_to,
    meetings_visible_to,
    members_visible_to,
    patrols_visible_to,
    teams_visible_to,
)


def category_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Category.choices, enum_name="FindingCategoryEnum", **kwargs)


def state_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=FindingState.choices, enum_name="FindingStateEnum", **kwargs)


def party_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Party.choices, enum_name="MeetingPartyEnum", **kwargs)


def owner_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=[*Party.choices, (OWNER_OTHER, "Someone else")],
        enum_name="FindingOwnerEnum",
        **kwargs,
    )


def _scoped(function, model):
    return lambda user: function(user) if user is not None else model.objects.none()


class TeamField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such team in your areas.")}

    def scoped(self, user):
        return _scoped(teams_visible_to, Team)(user)


class CommunityField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such residential area in your areas.")}

    def scoped(self, user):
        return _scoped(communities_to_pick, Area)(user)


class ChildField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such child in your areas.")}

    def scoped(self, user):
        return _scoped(children_visible_to, Child)(user)


class MemberField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such member in your areas.")}

    def scoped(self, user):
        return _scoped(members_visible_to, Member)(user)


class PatrolField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such patrol in your areas.")}

    def scoped(self, user):
        return _scoped(patrols_visible_to, Patrol)(user)


class MeetingField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such meeting in your areas.")}

    def scoped(self, user):
        return _scoped(meetings_visible_to, Meeting)(user)


class FindingField(ScopedIdField):
    default_error_messages = {"does_not_exist": _("No such finding in your areas.")}

    def scoped(self, user):
        return _scoped(findings_visible_to, Finding)(user)


def _version_field():
    return serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the finding the client last read; a stale version gives 409.",
    )


# --- teams ------------------------------------------------------------------------------------


class InspectionTeamSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "community", "community_name", "subdistrict", "district",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class InspectionTeamCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    community = CommunityField(help_text="A residential area of yours without a team.")
    name = serializers.CharField(max_length=60, required=False, allow_blank=True)


class InspectionTeamFilterSerializer(serializers.Serializer):
    community = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)


# --- members ----------------------------------------------------------------------------------


class InspectionMemberSerializer(serializers.ModelSerializer):
    child_name = serializers.SerializerMethodField(
        help_text="The child's name where you may see the child, else empty."
    )
    consent_by = serializers.SerializerMethodField(
        help_text="The guardian who agreed, where you may see the child, else empty."
    )
    consent_how = NamedChoiceField(
        choices=ConsentMethod.choices, enum_name="ConsentMethodEnum", read_only=True
    )

    class Meta:
        model = Member
        fields = ["id", "team", "child", "child_name", "consent_by", "consent_on", "consent_how",
                  "joined_on", "left_on"]  # fmt: skip
        read_only_fields = fields

    def _sees_child(self, member: Member) -> bool:
        return member.child_id in (self.context.get("visible_children") or set())

    def get_child_name(self, member: Member) -> str:
        return member.child.name if self._sees_child(member) else ""

    def get_consent_by(self, member: Member) -> str:
        # The guardian's name would say whose child it is: only beside the child's name.
        return member.consent_by if self._sees_child(member) else ""


class InspectionMemberCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    team = TeamField()
    child = ChildField(help_text="A registered child of the team's residential area.")
    consent_by = serializers.CharField(max_length=64, help_text="The guardian who agreed.")
    consent_on = serializers.DateField()
    consent_how = NamedChoiceField(choices=ConsentMethod.choices, enum_name="ConsentMethodEnum")
    joined_on = serializers.DateField()


class InspectionMemberLeaveSerializer(StrictFieldsMixin, serializers.Serializer):
    left_on = serializers.DateField()


class InspectionTeamItemsFilterSerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)


# --- patrols ----------------------------------------------------------------------------------


class InspectionPatrolSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Patrol
        fields = ["id", "team", "patrolled_on", "route", "adults", "members", "created_at"]
        read_only_fields = fields


class InspectionPatrolCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    team = TeamField()
    patrolled_on = serializers.DateField()
    route = serializers.CharField(max_length=300)
    adults = serializers.CharField(max_length=200, help_text="The adults who went, in words.")
    members = serializers.ListField(
        child=MemberField(), max_length=200, help_text="Ids of the members who went."
    )


# --- meetings ---------------------------------------------------------------------------------


class InspectionMeetingSerializer(serializers.ModelSerializer):
    parties = serializers.ListField(child=party_field(), read_only=True)
    agenda = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "team", "community", "held_on", "parties", "notes", "agenda"]
        read_only_fields = fields


class InspectionMeetingInputSerializer(StrictFieldsMixin, serializers.Serializer):
    held_on = serializers.DateField()
    parties = serializers.ListField(
        child=party_field(), max_length=4, required=False, help_text="Of the four, who attended."
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class InspectionMeetingCreateSerializer(InspectionMeetingInputSerializer):
    team = TeamField()
    findings = serializers.ListField(
        child=FindingField(),
        max_length=200,
        required=False,
        help_text="Findings (found, not on an agenda yet) to put on its agenda.",
    )


# --- findings and decisions -------------------------------------------------------------------


class InspectionFindingSerializer(serializers.ModelSerializer):
    category = category_field(read_only=True)
    state = state_field(read_only=True)
    owner = serializers.CharField(read_only=True, help_text='A party, "other" or empty.')
    has_photo = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id", "team", "community", "patrol", "what", "place", "place_general", "category",
            "has_photo", "state", "state_since", "meeting", "decision", "owner", "owner_other",
            "due_on", "overdue", "resolved_on", "outcome", "closed_reason", "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_has_photo(self, finding: Finding) -> bool:
        return bool(finding.photo)


class InspectionFindingCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    patrol = PatrolField(help_text="The patrol it was found on.")
    what = serializers.CharField(max_length=500)
    place = serializers.CharField(max_length=200, help_text="Never a child's home.")
    place_general = serializers.CharField(max_length=60, required=False, allow_blank=True)
    category = category_field()


class InspectionFindingFilterSerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)
    state = state_field(required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)


class InspectionAgendaSerializer(StrictFieldsMixin, serializers.Serializer):
    meeting = MeetingField()
    version = _version_field()


class InspectionVersionOnlySerializer(StrictFieldsMixin, serializers.Serializer):
    version = _version_field()


class InspectionDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    decision = serializers.CharField(max_length=1000)
    owner = owner_field()
    owner_other = serializers.CharField(max_length=60, required=False, allow_blank=True)
    due_on = serializers.DateField()
    version = _version_field()


class InspectionResolveSerializer(StrictFieldsMixin, serializers.Serializer):
    outcome = serializers.CharField(max_length=300, help_text="What was done (public words).")
    resolved_on = serializers.DateField()
    version = _version_field()


class InspectionCloseSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    version = _version_field()
