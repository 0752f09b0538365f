"""The metrics of ``shared/spec/metrics.md``, organised by what they measure.

- ``engine``: ``compute_metrics``, every metric for many as-of dates in one pass (one row
  per as-of date, scope, scope value and metric);
- ``events``: the spec's terms judged once over a whole extract (social-work rows,
  internal moves, leaver and starter events, agency conversions, sickness episodes);
- one module per family of metrics, each owning its totals and formulas: ``stocks``
  (employed and agency in post, the agency rate), ``turnover`` (starters, leavers,
  turnover, conversions), ``stability``, ``vacancies``, ``caseloads``, ``absence``,
  ``spend``;
- ``sweep``: the shared machinery underneath (running totals looked up by date, window
  totals, pairing dates with periods in force);
- ``base``: what families share (parameters, the protocol).
"""

from transforms.metrics.base import MetricParams
from transforms.metrics.caseloads import (
    CASELOAD_BY_WORKER_SCHEMA,
    caseload_by_worker,
    uncounted_allocations,
)
from transforms.metrics.engine import MAX_PAIRS_PER_BATCH, METRIC_FRAME_SCHEMA, compute_metrics
from transforms.metrics.turnover import LEAVING_REASONS_SCHEMA, NOT_RECORDED, leaving_reasons
from transforms.metrics.vacancies import VACANCY_BY_CELL_SCHEMA, vacancy_by_cell

__all__ = [
    "CASELOAD_BY_WORKER_SCHEMA",
    "LEAVING_REASONS_SCHEMA",
    "MAX_PAIRS_PER_BATCH",
    "METRIC_FRAME_SCHEMA",
    "NOT_RECORDED",
    "VACANCY_BY_CELL_SCHEMA",
    "MetricParams",
    "caseload_by_worker",
    "compute_metrics",
    "leaving_reasons",
    "uncounted_allocations",
    "vacancy_by_cell",
]
