"""Every way a file gets into ParIndex, in one list: the hostile corpus goes through each of them.

Adding an upload view: append an UploadPath to UPLOAD_PATHS naming its URL (a MATRIX key), the role
that may upload, the form field, any other form data the view needs, and the form class(es) with the
FileField it uses (test_every_file_form_is_covered fails for a form with a FileField that no path
lists). A rejected file must leave no row behind; if the path records rejections on purpose (say, a
SurveyImport marked "rejected" for the history), list that model in ``may_keep`` and say why.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from tests.security.world import World


@dataclass(frozen=True)
class UploadPath:
    label: str
    url_name: str
    role: str  # a role of tests/security/world.py allowed to upload there
    field: str  # the file field's name in the form
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    form_classes: tuple[type, ...] = ()
    may_keep: tuple[type[Model], ...] = ()
    # Corpus files this path may legitimately accept (a polyglot that really is a PDF, as evidence).
    # An accepted file must then be served back only as a download (see the test).
    may_accept: frozenset[str] = field(default_factory=frozenset)


UPLOAD_PATHS: list[UploadPath] = [
    # Filled in as the upload views land (evidence upload, survey import preview, framework import).
]
