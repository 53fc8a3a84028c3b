"""Demo data: events."""
