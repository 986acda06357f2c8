"""What an administrator is told when background work fails: never the database's own text.

An exception's text can carry SQL, table and constraint names or parameter values. Pages show a
Vietnamese sentence and a reference; the detail goes to the log under the same reference.
"""

import logging
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def failure_message(exc: BaseException, *, logger: logging.Logger, what: str) -> str:
    """Log ``exc`` with its traceback and return the message to store for the screens.

    A ``ValidationError`` is already written for people and is shown as it is; anything else becomes a
    generic message naming the reference under which the detail was logged.
    """
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    reference = uuid.uuid4().hex[:8]
    logger.error("%s failed (reference %s)", what, reference, exc_info=exc)
    return _(
        "An unexpected error stopped the work; nothing of it was saved. Give an administrator "
        "the reference %(reference)s: the details are in the server log."
    ) % {"reference": reference}
