"""Signals of the rankings app; sent after the transaction commits."""

from django.dispatch import Signal

# Sent with round_id and run_id once a run's publication has been committed (notifications listen to it).
index_run_published = Signal()
