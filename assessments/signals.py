"""Signals that higher apps listen to (rankings recomputes the index); sent after the transaction commits."""

from django.dispatch import Signal

# Sent with round_id and assessment_id once a finalisation (or reopening) has been committed.
assessment_finalised = Signal()
assessment_reopened = Signal()

# Sent with round_id, assessment_id, event_id and action once any recorded transition (an AssessmentEvent:
# submit, request explanations, respond, complete, ...) has been committed. Notifications listen to it.
assessment_event_recorded = Signal()
