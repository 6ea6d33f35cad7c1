"""Serializers of /api/v1/duplicates/ (docs/domain.md §10). A child of a pair the reader may not
see is given without id, name or any detail (`in_scope: false`)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from weibao.core.api import MAX_DB_INT, NamedChoiceField, StrictFieldsMixin
from weibao.duplicates.matching import REASON_LABELS
from weibao.duplicates.models import PossibleDuplicate, State
from weibao.duplicates.selectors import may_decide
from weibao.duplicates.services import NOTE_MAX


class DuplicatesChildSerializer(serializers.Serializer):
    in_scope = serializers.BooleanField(help_text="False: another area's child, not described.")
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_null=True)
    birth_date = serializers.DateField(allow_null=True)
    community = serializers.CharField(allow_null=True, help_text="The residential area.")


class DuplicatesReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class DuplicatesPairSerializer(serializers.ModelSerializer):
    state = NamedChoiceField(choices=State.choices, enum_name="DuplicateStateEnum")
    reasons = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    may_decide = serializers.SerializerMethodField()

    class Meta:
        model = PossibleDuplicate
        fields = ["id", "state", "score", "reasons", "children", "may_decide", "found_at",
                  "decided_at", "version"]  # fmt: skip
        read_only_fields = fields

    def _visible(self) -> set[int]:
        return self.context["visible"]

    @extend_schema_field(DuplicatesReasonSerializer(many=True))
    def get_reasons(self, pair: PossibleDuplicate) -> list[dict]:
        return [{"code": r, "label": str(REASON_LABELS.get(r, r))} for r in pair.reasons]

    @extend_schema_field(DuplicatesChildSerializer(many=True))
    def get_children(self, pair: PossibleDuplicate) -> list[dict]:
        sides = ((pair.child, pair.community), (pair.other, pair.other_community))
        out = []
        for child, community in sides:
            if child.pk in self._visible():
                out.append(
                    {
                        "in_scope": True,
                        "id": child.pk,
                        "name": child.name,
                        "birth_date": child.birth_date,
                        "community": community.name,
                    }
                )
            else:
                out.append({"in_scope": False, "id": None, "name": None, "birth_date": None,
                            "community": None})  # fmt: skip
        return DuplicatesChildSerializer(out, many=True).data

    def get_may_decide(self, pair: PossibleDuplicate) -> bool:
        return may_decide(None, pair, self._visible())


class DuplicatesFilterSerializer(serializers.Serializer):
    state = NamedChoiceField(
        choices=State.choices,
        enum_name="DuplicateStateEnum",
        required=False,
        help_text="Only pairs in this state (all when absent).",
    )


class DuplicatesDecisionSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(
        max_length=NOTE_MAX, required=False, allow_blank=True, help_text="Why (optional)."
    )
    version = serializers.IntegerField(
        min_value=0,
        max_value=MAX_DB_INT,
        required=False,
        help_text="The version of the pair the client last read; a stale version gives 409.",
    )
