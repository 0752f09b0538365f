"""Every metric of the definitions table has exactly one formula, in one family module."""

from __future__ import annotations

from collections import Counter

from tests.builders import DEFAULT_PARAMS, absence, caseloads, d, establishment, extracts, staff
from transforms.definitions import METRIC_NAMES
from transforms.metrics.base import Workforce
from transforms.metrics.engine import _families
from transforms.metrics.sweep import as_of_frame


def test_each_metric_has_exactly_one_family() -> None:
    given = extracts(
        staff({"employee_id": "E1"}),
        caseloads=caseloads({"worker_id": "E1"}),
        establishment=establishment({}),
        absence=absence({"employee_id": "E1"}),
    )
    families = _families(Workforce.of(given), as_of_frame([d("2024-03-31")]), DEFAULT_PARAMS)
    owners = Counter(name for family in families for name in family.formulas())
    assert set(owners) == set(METRIC_NAMES)
    assert all(count == 1 for count in owners.values()), owners
