"""Demo data: topics."""
