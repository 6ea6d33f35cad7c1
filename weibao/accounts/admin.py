"""The framework admin keeps two jobs of the system administrator: accounts (create, change,
deactivate, reset a password) and the area tree (weibao.areas.admin). Every change of an
account goes through accounts.services, which write the product's audit rows.

What it no longer does, and why (docs/security.md): roles are read-only here — a role that
reaches children's files is granted by district staff on the people page (/accounts/people/);
permissions and groups are not edited here (the reveal permission is the district's to give);
accounts are never deleted (deactivate them: their name stays on the records they wrote); and
the framework's own Group admin is gone."""

import copy
from functools import partial

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from weibao.accounts.models import RoleAssignment, User
from weibao.accounts.selectors import user_is_sysadmin
from weibao.accounts.services import (
    admin_flags_problem,
    user_create,
    user_password_set,
    user_update,
)

admin.site.unregister(Group)

# The framework admin is the system administrator's only (docs/security.md): district staff
# manage their areas and people on the product's own pages (/administration/areas/,
# /accounts/people/). Its name says whose it is.
admin.site.site_header = _("weibao system administration")
admin.site.site_title = _("weibao system administration")
admin.site.index_title = _("Accounts and the area tree")


def _sysadmin_only(request) -> bool:
    """Only an active system administrator enters the framework admin at all, whatever flags
    an account has been given."""
    return request.user.is_active and user_is_sysadmin(request.user)


admin.site.has_permission = _sysadmin_only


class SysadminOnly:
    """Only a system administrator manages accounts, whatever permissions a staff account has
    been given."""

    def has_module_permission(self, request):
        return user_is_sysadmin(request.user)

    def has_view_permission(self, request, obj=None):
        return user_is_sysadmin(request.user)

    def has_add_permission(self, request, obj=None):
        return user_is_sysadmin(request.user)

    def has_change_permission(self, request, obj=None):
        return user_is_sysadmin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class RoleAssignmentInline(admin.TabularInline):
    """The account's roles, to read: granting them is the district's (/accounts/people/)."""

    model = RoleAssignment
    extra = 0
    fields = ["role", "area", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AccountChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        problem = admin_flags_problem(
            self.instance,
            is_staff=bool(cleaned.get("is_staff")),
            is_superuser=bool(cleaned.get("is_superuser")),
        )
        if problem and not (self.initial.get("is_staff") or self.initial.get("is_superuser")):
            self.add_error("is_staff", problem)
        return cleaned


class PasswordResetForm(AdminPasswordChangeForm):
    """Django's admin password form, saving through the audited service."""

    def __init__(self, user, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(user, *args, **kwargs)

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        self.user = user_password_set(actor=self.actor, user=self.user, password=password)
        return self.user


@admin.register(User)
class UserAdmin(SysadminOnly, BaseUserAdmin):
    form = AccountChangeForm
    inlines = [RoleAssignmentInline]
    list_display = ["username", "full_name", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "full_name"]
    filter_horizontal = ()
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_inlines(self, request, obj):
        # A new account has no role yet.
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out superuser status.
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "is_superuser"]

    def save_model(self, request, obj, form, change):
        if change:
            user_update(actor=request.user, user=obj)
        else:
            user_create(actor=request.user, user=obj)

    def user_change_password(self, request, id, form_url=""):
        # Django's view builds its form from self.change_password_form; a copy of this admin
        # whose form knows who is acting lets the form save through the audited service
        # without sharing per-request state between threads.
        bound = copy.copy(self)
        bound.change_password_form = partial(PasswordResetForm, actor=request.user)
        return BaseUserAdmin.user_change_password(bound, request, id, form_url)
