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
