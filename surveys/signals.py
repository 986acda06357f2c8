"""Signals that higher apps listen to (rankings recomputes the index); sent after the transaction commits."""

from django.dispatch import Signal

# Sent with round_id, survey and import_id once a confirmed import has been committed.
survey_import_confirmed = Signal()
