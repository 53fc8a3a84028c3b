"""Demo data: boards."""
