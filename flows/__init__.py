"""Prefect flows and tasks: orchestration only (read -> validate -> transform -> write).

Importing this package switches usage data off before Prefect is imported (it decides at
import time), wherever the flows run: the ``workforce`` command, a worker, a notebook.
"""

from workforce.runtime import telemetry_off

telemetry_off()
