"""Prefect flows and tasks: orchestration only (read -> validate -> transform -> write)."""
