from django.contrib import admin

from weibao.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "closed_at", "is_demo"]
    list_filter = ["level", "is_demo"]
    readonly_fields = ["closed_at", "merged_into"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def has_delete_permission(self, request, obj=None):
        # An area, once created, stays: children, visits and audit rows hang on it, and the
        # framework's delete page would list them by name (a child's name, to the system
        # administrator). District staff close an area on /administration/areas/ instead
        # (moving what lives there first).
        return False
