"""Every write of the surveys app: question definitions and imports."""
