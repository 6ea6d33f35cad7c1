from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import Role, RoleAssignment, User
from weibao.areas.models import Area


def _manageable_areas(user):
    """District staff manage roles inside their own district only; superusers anywhere."""
    if user.is_superuser:
        return Area.objects.all()
    districts = RoleAssignment.objects.filter(user=user, role=Role.DISTRICT_STAFF).values("area")
    return (
        Area.objects.filter(pk__in=districts)
        | Area.objects.filter(parent__in=districts)
        | Area.objects.filter(parent__parent__in=districts)
    )


class RoleChoicesMixin:
    """Non-superusers can neither grant the sysadmin role nor bind a role outside their area."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.SYSADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = _manageable_areas(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RoleAssignmentInline(RoleChoicesMixin, admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ["area"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "full_name", "is_active", "last_login"]
    search_fields = ["username", "full_name"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser may hand out administrative powers; district staff manage people
        # and their area roles, nothing more.
        if request.user.is_superuser:
            return ()
        return ("is_staff", "is_superuser", "groups", "user_permissions", "last_login")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(is_superuser=False)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(RoleChoicesMixin, admin.ModelAdmin):
    list_display = ["user", "role", "area", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "area__name"]
    autocomplete_fields = ["user", "area"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user", "area")
        if request.user.is_superuser:
            return qs
        return qs.filter(area__in=_manageable_areas(request.user))
