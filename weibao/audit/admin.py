from django.contrib import admin

from weibao.audit.models import AccessLog, AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are evidence (who knew what, when): nobody edits or deletes them, not even here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "child_id", "channel", "kind", "field", "reason"]
    list_filter = ["channel", "kind"]
