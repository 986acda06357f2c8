from django import template

from rankings.warnings import warning_text as _warning_text

register = template.Library()


@register.filter
def warning_text(warning: dict) -> str:
    """A stored result warning in the current language."""
    return _warning_text(warning)
