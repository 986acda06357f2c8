"""What a self leaf still lacks before the unit may submit: one rule, read by the submit service and the page.

Pure: it takes the leaf and its score (with evidence prefetched) and answers a problem kind or None.
"""

from assessments.models import LeafScore, Node

UNSCORED = "unscored"
EVIDENCE = "evidence"


def leaf_problem(node: Node, score: LeafScore | None) -> str | None:
    """``UNSCORED`` when neither inputs nor an N/A claim were saved; ``EVIDENCE`` when the leaf asks for
    evidence and has neither a file nor a written explanation of its absence; else None (finished)."""
    if score is None or (not score.self_na and score.self_inputs is None):
        return UNSCORED
    if (
        node.evidence_required
        and not score.self_na
        and not score.evidence.all()
        and not score.evidence_absence_note.strip()
    ):
        return EVIDENCE
    return None
