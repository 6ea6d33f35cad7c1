from django.contrib import admin

from weibao.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "is_demo"]
    list_filter = ["level", "is_demo"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def has_view_permission(self, request, obj=None):
        # Needed for the area autocomplete on role assignments.
        return request.user.is_active and request.user.is_staff
