"""Demo data: headroom."""
