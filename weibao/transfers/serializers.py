"""API shapes of transfers. Input serializers check types and sizes; the rules (who may ask or
decide, where a child may move, what blocks a step) are the services' and come back from them
as field-level 400s, 403 or 409."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.accounts.serializers import PersonSerializer
from weibao.core.api import MAX_DB_INT, NamedChoiceField, ScopedIdField, StrictFieldsMixin
from weibao.core.text import TEXT_LIMIT
from weibao.transfers.blockers import transfer_blockers
from weibao.transfers.models import Transfer
from weibao.transfers.selectors import destination_communities, transfer_roles
from weibao.transfers.services import DISTRICT_NAME_LIMIT
from weibao.transfers.workflow import TRANSFER
from weibao.visits.serializers import VisibleChildField


def transfer_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=Transfer.Status.choices, enum_name="TransferStatusEnum", **kwargs
    )


class TransferSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    child_name = serializers.CharField(source="child.name", read_only=True)
    from_community = serializers.IntegerField(source="community_id", read_only=True)
    from_community_name = serializers.CharField(source="community.name", read_only=True)
    from_subdistrict_name = serializers.CharField(source="subdistrict.name", read_only=True)
    to_community_name = serializers.CharField(
        source="to_community.name", read_only=True, allow_null=True, default=None
    )
    destination = serializers.CharField(read_only=True)
    status = transfer_status_field(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    requested_by = PersonSerializer(read_only=True)
    decided_by = PersonSerializer(read_only=True, allow_null=True)
    actions = serializers.SerializerMethodField()
    blocked = serializers.SerializerMethodField()

    class Meta:
        model = Transfer
        fields = [
            "id",
            "reference",
            "child",
            "child_name",
            "from_community",
            "from_community_name",
            "from_subdistrict_name",
            "to_community",
            "to_community_name",
            "out_of_district",
            "to_district_name",
            "destination",
            "reason",
            "status",
            "status_display",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "version",
            "actions",
            "blocked",
        ]
        read_only_fields = fields

    def _actions(self, transfer: Transfer) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        roles = transfer_roles(request.user, transfer)
        return [t.name for t in TRANSFER.available(transfer.status, roles)]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=list(TRANSFER.transitions)),
            help_text="The steps you may take now (POST /transfers/{id}/<action>/).",
        )
    )
    def get_actions(self, transfer: Transfer) -> list[str]:
        return self._actions(transfer)

    @extend_schema_field(
        serializers.DictField(
            child=serializers.CharField(),
            help_text="Steps of `actions` that would be refused now (409), with the reason.",
        )
    )
    def get_blocked(self, transfer: Transfer) -> dict[str, str]:
        request = self.context.get("request")
        if request is None:
            return {}
        return transfer_blockers(transfer, self._actions(transfer), request.user)


class DestinationCommunityField(ScopedIdField):
    """A 居民区 of the district(s) the user works in."""

    def scoped(self, user):
        return destination_communities(user)


class TransferCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    child = VisibleChildField(help_text="Id of a child in your areas.")
    reason = serializers.CharField(max_length=TEXT_LIMIT, allow_blank=True)
    to_community = DestinationCommunityField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the new 居民区 (of this district); null for a move out of the district.",
    )
    out_of_district = serializers.BooleanField(required=False, default=False)
    to_district_name = serializers.CharField(
        max_length=DISTRICT_NAME_LIMIT,
        allow_blank=True,
        required=False,
        default="",
        help_text="The receiving district's name, for a move out of the district only.",
    )


class TransferActionSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(
        max_length=TEXT_LIMIT,
        allow_blank=True,
        required=False,
        default="",
        help_text="refuse: the reason (required); accept, cancel: optional.",
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        help_text="The version of the transfer the client last read; a stale version gives 409.",
    )


class TransferFilterSerializer(serializers.Serializer):
    status = transfer_status_field(required=False)
    child = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DB_INT)

    def filter(self, qs):
        data = self.validated_data
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        if data.get("child"):
            qs = qs.filter(child_id=data["child"])
        return qs
