"""Every write of the assessments app, one module per subject (frameworks, scores, workflow, evidence)."""
