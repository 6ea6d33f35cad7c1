from rest_framework import serializers

from weibao.core.api import StrictFieldsMixin


class DashboardQuerySerializer(StrictFieldsMixin, serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
        help_text="The month as YYYY-MM (this month when left out); no later than this month.",
    )  # fmt: skip


class DashboardTileSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    help = serializers.CharField(help_text="How the figure is computed.")


class DashboardSeriesSerializer(serializers.Serializer):
    name = serializers.CharField()
    data = serializers.ListField(child=serializers.FloatField(allow_null=True))


class DashboardChartSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    help = serializers.CharField()
    kind = serializers.ChoiceField(choices=["bar", "line", "pie"])
    unit = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    series = DashboardSeriesSerializer(many=True)
    links = serializers.ListField(
        child=serializers.CharField(), help_text="Per category: the area's dashboard page."
    )


class DashboardSectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    tiles = DashboardTileSerializer(many=True)
    charts = DashboardChartSerializer(many=True)


class DashboardBelowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="area.pk")
    name = serializers.CharField(source="area.name")
    children = serializers.IntegerField()
    on_time = serializers.FloatField(allow_null=True, help_text="Visits on time (%).")
    overdue = serializers.IntegerField()
    open_cases = serializers.IntegerField()
    reports = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    area = serializers.IntegerField(source="area.pk")
    area_name = serializers.CharField(source="area.name")
    level = serializers.CharField(source="area.level")
    month = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    frozen = serializers.BooleanField()
    sections = DashboardSectionSerializer(many=True)
    below = DashboardBelowSerializer(many=True)


class MonthlyReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    area = serializers.IntegerField(source="area_id")
    area_name = serializers.CharField(source="area.name")
    month = serializers.DateField(format="%Y-%m")
    made_at = serializers.DateTimeField()
    made_by = serializers.IntegerField(source="made_by_id", allow_null=True)
    frozen = serializers.BooleanField(help_text="Made from the month's frozen figures.")
    has_pdf = serializers.SerializerMethodField()

    def get_has_pdf(self, report) -> bool:
        return bool(report.pdf)


class MonthlyReportMakeSerializer(StrictFieldsMixin, serializers.Serializer):
    area = serializers.IntegerField(help_text="A district or a 街镇 whose dashboard you see.")
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM")
