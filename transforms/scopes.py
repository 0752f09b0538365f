"""The scopes of metrics.md: every metric is computed for the Trust, each service area and
each team. These are the words ``metrics.csv`` writes in its ``scope`` and ``scope_value``
columns (one row per as-of date, scope, scope value and metric)."""

from __future__ import annotations

SCOPE = "scope"
SCOPE_VALUE = "scope_value"
SCOPE_KEYS: tuple[str, str] = (SCOPE, SCOPE_VALUE)

TRUST = "trust"
SERVICE_AREA = "service_area"
TEAM = "team"
# The Trust scope has one value.
TRUST_SCOPE_VALUE = "all"
# Broadest first: the order reports list scopes in.
SCOPE_LEVELS: tuple[str, str, str] = (TRUST, SERVICE_AREA, TEAM)
