from django.contrib import admin

from weibao.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "is_demo"]
    list_filter = ["level", "is_demo"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    def has_delete_permission(self, request, obj=None):
        # An area, once created, stays: children, visits and audit rows hang on it, and the
        # framework's delete page would list them by name (a child's name, to the system
        # administrator). Rename an area or leave it unused instead.
        return False
