"""Demo data: series."""
