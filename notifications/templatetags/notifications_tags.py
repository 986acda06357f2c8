from django import template

from notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/partials/bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    return {"unread": selectors.unread_count_for(user=request.user) if request else 0}


@register.inclusion_tag("notifications/partials/todo.html", takes_context=True)
def todo_list(context, role: str):
    request = context.get("request")
    return {"items": selectors.todo_for(request.user, role=role) if request else [], "role": role}
