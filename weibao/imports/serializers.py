"""API shapes of the imports app. Input serializers check types; the rules (which columns,
which state, who may) are the services' and come back as field-level messages."""

from rest_framework import serializers

from weibao.core.api import NamedChoiceField, StrictFieldsMixin
from weibao.imports.mapping import TARGETS
from weibao.imports.models import ImportJob, ImportRow


class ImportJobSerializer(serializers.ModelSerializer):
    state = NamedChoiceField(
        choices=ImportJob.State.choices, enum_name="ImportJobStateEnum", read_only=True
    )
    area_name = serializers.CharField(source="area.name", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="Rows read ÷ rows, in %.")
    headers = serializers.ListField(child=serializers.CharField(), read_only=True)
    mapping = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Field → the index (from 0) of the column that gives it: guessed on upload "
        "from the header names and the uploader's last mapping.",
    )
    counts = serializers.SerializerMethodField(
        help_text="created, updated, unchanged, refused: of the dry run (what it would do) "
        "while the state is checking or checked, of the import afterwards."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id", "original_name", "kind", "area", "area_name", "uploaded_by", "state",
            "message", "headers", "mapping", "hukou_default", "total", "processed", "percent",
            "counts", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_counts(self, job: ImportJob) -> dict[str, int]:
        return {
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "refused": job.refused,
        }


class ImportRowSerializer(serializers.ModelSerializer):
    outcome = NamedChoiceField(
        choices=ImportRow.Outcome.choices, enum_name="ImportRowOutcomeEnum", read_only=True
    )

    class Meta:
        model = ImportRow
        fields = ["line", "outcome", "label", "reasons"]
        read_only_fields = fields


class ImportUploadSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(help_text="The register: .xlsx or .csv, header in the first row.")


def _mapping_fields() -> dict:
    return {
        t.key: serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=0,
            help_text=f"The column (from 0) of {t.key}" + (" (required)" if t.required else ""),
        )
        for t in TARGETS
    }


ImportColumnsSerializer = type(
    "ImportColumnsSerializer", (StrictFieldsMixin, serializers.Serializer), _mapping_fields()
)


class ImportMappingSerializer(StrictFieldsMixin, serializers.Serializer):
    mapping = ImportColumnsSerializer()
    hukou_default = serializers.ChoiceField(
        choices=["", "local", "other", "none"],
        required=False,
        default="",
        help_text="The household registration type of rows that do not give one (blank: "
        "refuse such rows).",
    )
