"""Synthetic sample data: ``sample_data.generate`` writes a seeded drop of the five HR
extracts for an invented trust (no real people). See README.md."""
