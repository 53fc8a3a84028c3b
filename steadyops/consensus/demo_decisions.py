"""Demo data: decisions."""
