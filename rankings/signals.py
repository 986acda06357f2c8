"""Signals of the rankings app; sent after the transaction commits."""

from django.dispatch import Signal

# Sent with round_id and run_id once a run's publication has been committed (notifications listen to it).
index_run_published = Signal()

# Sent with appeal_id once an appeal is lodged, and once it is decided (notifications listen to them).
appeal_lodged = Signal()
appeal_decided = Signal()
