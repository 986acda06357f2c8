"""The API asks the same named rules as the pages (``parindex.permissions``)."""

import rules
from rest_framework.permissions import BasePermission


class HasRule(BasePermission):
    """Allow a request when the view's ``rule`` (a rule name of parindex.permissions) holds for the user.

    ``rule`` is tested without an object for the view and with the object for ``get_object()``;
    a view without ``rule`` is refused, so a new API view cannot be open by omission.
    """

    def _rule(self, view) -> str:
        name = getattr(view, "rule", "")
        if not name or not rules.rule_exists(name):
            raise AssertionError(f"{type(view).__name__} must name an existing rule in its `rule` attribute")
        return name

    def has_permission(self, request, view) -> bool:
        return rules.test_rule(self._rule(view), request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        return rules.test_rule(self._rule(view), request.user, obj)
