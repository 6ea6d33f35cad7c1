"""/api/v1/areas/: the part of the area tree the user may see, e.g. to pick a 居民区."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from weibao.areas.models import Area
from weibao.areas.selectors import areas_visible_to


class AreaSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Area
        fields = ["id", "name", "code", "level", "level_display", "parent"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary="The areas you may see: yours, those below and their ancestors"),
    retrieve=extend_schema(summary="One area"),
)
class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AreaSerializer
    lookup_value_converter = "int"
    filter_backends = ()

    def get_queryset(self):
        return areas_visible_to(self.request.user)
