from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from parindex.models import User

admin.site.site_header = _("ParIndex administration")
admin.site.site_title = _("ParIndex")
admin.site.index_title = _("Administration")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "unit", "is_officer", "is_appraiser", "is_leader", "is_par_admin", "is_active")
    list_filter = ("is_officer", "is_appraiser", "is_leader", "is_par_admin", "is_active")
    search_fields = ("username", "full_name", "email", "unit__name")
    autocomplete_fields = ("unit",)
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("ParIndex roles"), {"fields": ("full_name", "is_officer", "unit", "is_appraiser", "is_leader", "is_par_admin")}),
    )
