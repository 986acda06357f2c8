from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from parindex.models import User

admin.site.site_header = _("ParIndex administration")
admin.site.site_title = _("ParIndex")
admin.site.index_title = _("Administration")


class UserRolesForm(UserChangeForm):
    """The officer ⇔ unit rule (also a database constraint) as a form error the admin can read."""

    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self):
        data = super().clean()
        is_officer, unit = data.get("is_officer"), data.get("unit")
        if is_officer and unit is None:
            self.add_error(
                "unit",
                forms.ValidationError(
                    _("A unit officer must be bound to exactly one unit."), code="officer_without_unit"
                ),
            )
        elif unit is not None and not is_officer:
            self.add_error(
                "unit",
                forms.ValidationError(
                    _("Only a unit officer is bound to a unit: tick “unit officer” or clear the unit."),
                    code="unit_without_officer",
                ),
            )
        return data


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserRolesForm
    list_display = (
        "username",
        "full_name",
        "unit",
        "is_officer",
        "is_appraiser",
        "is_leader",
        "is_par_admin",
        "is_active",
    )
    list_filter = ("is_officer", "is_appraiser", "is_leader", "is_par_admin", "is_active")
    search_fields = ("username", "full_name", "email", "unit__name")
    autocomplete_fields = ("unit",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("ParIndex roles"),
            {"fields": ("full_name", "is_officer", "unit", "is_appraiser", "is_leader", "is_par_admin")},
        ),
    )
