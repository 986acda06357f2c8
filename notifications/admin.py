from django.contrib import admin

from notifications.models import Notification, NotificationPreference
from parindex.admin_base import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What was told to whom and whether the e-mail went out (a failed e-mail shows its error here)."""

    list_display = ["created_at", "recipient", "verb", "email_status", "read_at"]
    list_filter = ["verb", "email_status"]
    search_fields = ["recipient__username", "recipient__full_name", "text", "key"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled"]
    list_filter = ["email_enabled"]
    search_fields = ["user__username", "user__full_name"]
