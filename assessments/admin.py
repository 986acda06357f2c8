from django.contrib import admin

from assessments.models import Assessment, Framework, Node, RankingGroup, Round, Unit


@admin.register(RankingGroup)
class RankingGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "display_order")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "group", "display_order", "active")
    list_filter = ("group", "active")
    search_fields = ("code", "name")


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "status", "self_deadline", "explanation_deadline")


class NodeInline(admin.TabularInline):
    model = Node
    fields = ("code", "parent", "level", "name", "max_points", "source", "rule", "order")
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("title", "round", "group", "target_total")
    list_filter = ("round", "group")


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("unit", "round", "group", "state", "submitted_at")
    list_filter = ("round", "group", "state")

from assessments import admin_workflow  # noqa: E402,F401
