"""The Trust beside the DfE's published workforce indicators, laid out like the DfE's
Local Authority Interactive Tool (LAIT).

Input: the typed indicator frame of ``workforce.dfe_indicators`` (one row per area per
reporting year). Outputs:
- ``national_ranks``: one row per (metric, reporting year, local authority with a
  published value): its national rank (1 = best by the metric's polarity, ties take the
  better rank) and quartile band A-D (A best);
- ``benchmark_table``: one row per (metric, comparison area), the areas being the local
  authority, its region, the average of its statistical neighbours and England; a column
  per latest published year, the change on the year before, and on the authority's row
  its latest rank, band and the Trust's own current value.

Values are in the Trust's units (DfE percentages divided by 100), so a benchmark sits on
the same scale as ``metrics.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from transforms.definitions import METRICS_BY_NAME, Polarity

BENCHMARK_METRICS: tuple[str, ...] = (
    "agency_rate",
    "turnover_rate",
    "vacancy_rate",
    "average_caseload",
    "absence_rate",
)

LOCAL_AUTHORITY = "Local authority"
REGIONAL = "Regional"
NATIONAL = "National"

AREA_KINDS: tuple[str, ...] = ("local_authority", "region", "statistical_neighbours", "england")
# Published years shown side by side (the DfE file holds more; the oldest are left out so
# the table prints one page wide).
YEARS_SHOWN = 5
PUBLICATION = "Department for Education, Children's social work workforce"


@dataclass(frozen=True)
class BenchmarkIndicator:
    metric: str
    label: str
    dfe_column: str
    dfe_scale: float
    polarity: Polarity


def benchmark_indicators(metrics: Sequence[str] = BENCHMARK_METRICS) -> list[BenchmarkIndicator]:
    """The metrics that have a DfE column, with what is needed to compare them."""
    indicators: list[BenchmarkIndicator] = []
    for name in metrics:
        definition = METRICS_BY_NAME[name]
        if definition.dfe_column is None:
            continue
        indicators.append(
            BenchmarkIndicator(
                name,
                definition.label,
                definition.dfe_column,
                definition.dfe_scale,
                definition.polarity,
            )
        )
    return indicators


def published_years(dfe: pl.DataFrame, count: int) -> list[int]:
    """The ``count`` latest reporting years in the file, oldest first."""
    years = dfe.get_column("time_period").drop_nulls().unique().sort()
    return [int(year) for year in years.tail(count).to_list()]


def _long_values(dfe: pl.DataFrame, indicators: Sequence[BenchmarkIndicator]) -> pl.DataFrame:
    """One row per (area row of the file, metric): the value in the Trust's units."""
    frames = [
        dfe.select(
            "time_period",
            "geographic_level",
            (
                pl.col("region_code")
                if "region_code" in dfe.columns
                else pl.lit(None, pl.String).alias("region_code")
            ),
            pl.col("region_name"),
            pl.col("old_la_code"),
            pl.col("la_name"),
            pl.lit(indicator.metric).alias("metric"),
            _published(dfe, indicator.dfe_column).alias("published"),
            # Rounded so that equal published figures stay equal after rescaling.
            (_published(dfe, indicator.dfe_column) / indicator.dfe_scale).round(12).alias("value"),
        )
        for indicator in indicators
    ]
    if not frames:
        return pl.DataFrame(
            schema={
                "time_period": pl.Int64,
                "geographic_level": pl.String,
                "region_code": pl.String,
                "region_name": pl.String,
                "old_la_code": pl.String,
                "la_name": pl.String,
                "metric": pl.String,
                "published": pl.Float64,
                "value": pl.Float64,
            }
        )
    return pl.concat(frames, how="vertical_relaxed")


def _published(dfe: pl.DataFrame, column: str) -> pl.Expr:
    """The DfE figure as published (its own scale), empty where the file lacks it."""
    if column in dfe.columns:
        return pl.col(column).cast(pl.Float64)
    return pl.lit(None, pl.Float64)


_DIRECTION: dict[Polarity, float | None] = {
    "lower_is_better": 1.0,
    "higher_is_better": -1.0,
    "neutral": None,
}


def quartile_band(rank: pl.Expr, out_of: pl.Expr) -> pl.Expr:
    """A for the best quarter of ranks, D for the worst: band = ceil(4 × rank ÷ n)."""
    band_number = (rank * 4 + out_of - 1) // out_of
    return band_number.replace_strict(
        {1: "A", 2: "B", 3: "C", 4: "D"}, default=None, return_dtype=pl.String
    )


def national_ranks(dfe: pl.DataFrame, metrics: Sequence[str] = BENCHMARK_METRICS) -> pl.DataFrame:
    """Rank and quartile band of every local authority with a published value, per metric
    and reporting year. Missing (suppressed) values are neither ranked nor counted."""
    indicators = benchmark_indicators(metrics)
    polarity = {indicator.metric: indicator.polarity for indicator in indicators}
    values = _long_values(dfe, indicators).filter(
        pl.col("geographic_level") == LOCAL_AUTHORITY,
        pl.col("value").is_not_null(),
        pl.col("old_la_code").is_not_null(),
    )
    # Multiplying by -1 turns "higher is better" into "lower is better"; neutral -> null.
    direction = pl.col("metric").replace_strict(
        {metric: _DIRECTION[p] for metric, p in polarity.items()},
        default=None,
        return_dtype=pl.Float64,
    )
    # Ranked on the published figure, not the rescaled one: polars may divide equal
    # figures by 100 into values one bit apart, which would split a tie.
    sort_key = pl.col("published") * direction
    group = ["metric", "time_period"]
    ranked = values.with_columns(_key=sort_key).filter(pl.col("_key").is_not_null())
    return (
        ranked.with_columns(
            rank=pl.col("_key").rank(method="min").over(group).cast(pl.Int64),
            out_of=pl.len().over(group).cast(pl.Int64),
        )
        .with_columns(quartile=quartile_band(pl.col("rank"), pl.col("out_of")))
        .select("metric", "time_period", "old_la_code", "la_name", "value", "rank", "out_of",
                "quartile")
        .sort("metric", "time_period", "rank", "old_la_code")
    )  # fmt: skip


def benchmark_table(
    dfe: pl.DataFrame,
    la_code: str,
    statistical_neighbours: Sequence[str],
    *,
    metrics: Sequence[str] = BENCHMARK_METRICS,
    years: int = YEARS_SHOWN,
    current: Mapping[str, float | None] | None = None,
) -> pl.DataFrame:
    """LAIT-style rows: for each metric (in the order given) the local authority, its
    region, its statistical neighbours' average and England.

    Columns: ``metric``, ``label``, ``area_kind`` (one of ``AREA_KINDS``), ``area``, one
    Float64 column per latest published year (named by the year), ``change`` (latest year
    minus the year before it), and, filled on the local-authority row only, ``rank_year``,
    ``rank``, ``out_of``, ``quartile`` and ``trust_current`` (this run's value from
    ``current``). Metrics without a DfE column are left out. The neighbours' average is
    the mean of the neighbours' published values that year (suppressed ones skipped)."""
    indicators = benchmark_indicators(metrics)
    shown_years = published_years(dfe, years)
    latest = shown_years[-1] if shown_years else None
    change_years = [latest - 1, latest] if latest is not None else []
    wanted_years = sorted({*shown_years, *change_years})
    values = _long_values(dfe, indicators).filter(pl.col("time_period").is_in(wanted_years))

    la_values = values.filter(
        pl.col("geographic_level") == LOCAL_AUTHORITY, pl.col("old_la_code") == la_code
    )
    la_name, region_code, region_name = _la_identity(la_values)
    la_rows = la_values.select(
        "metric", "time_period", pl.lit("local_authority").alias("area_kind"),
        pl.lit(la_name or f"Local authority {la_code}").alias("area"), "value",
    )  # fmt: skip

    region_filter = pl.col("geographic_level") == REGIONAL
    if region_code is not None:
        region_filter = region_filter & (pl.col("region_code") == region_code)
    else:
        region_filter = region_filter & (pl.col("region_name") == (region_name or ""))
    region_rows = values.filter(region_filter).select(
        "metric", "time_period", pl.lit("region").alias("area_kind"),
        pl.lit(region_name or "Region").alias("area"), "value",
    )  # fmt: skip

    neighbours = list(dict.fromkeys(statistical_neighbours))
    neighbour_rows = (
        values.filter(
            pl.col("geographic_level") == LOCAL_AUTHORITY,
            pl.col("old_la_code").is_in(neighbours),
        )
        .group_by("metric", "time_period")
        .agg(pl.col("value").mean())
        .select(
            "metric", "time_period", pl.lit("statistical_neighbours").alias("area_kind"),
            pl.lit(f"Statistical neighbours (average of {len(neighbours)})").alias("area"),
            "value",
        )
    )  # fmt: skip
    england_rows = values.filter(pl.col("geographic_level") == NATIONAL).select(
        "metric", "time_period", pl.lit("england").alias("area_kind"),
        pl.lit("England").alias("area"), "value",
    )  # fmt: skip

    long = pl.concat([la_rows, region_rows, neighbour_rows, england_rows], how="vertical_relaxed")
    skeleton = _skeleton(indicators, la_name or f"Local authority {la_code}", region_name,
                         len(neighbours))  # fmt: skip
    table = skeleton
    for year in wanted_years:
        year_values = long.filter(pl.col("time_period") == year).select(
            "metric", "area_kind", pl.col("value").alias(str(year))
        )
        table = table.join(year_values, on=["metric", "area_kind"], how="left")
    if latest is not None:
        table = table.with_columns(change=pl.col(str(latest)) - pl.col(str(latest - 1)))
    else:
        table = table.with_columns(change=pl.lit(None, pl.Float64))
    hidden_years = [str(year) for year in wanted_years if year not in shown_years]
    table = table.drop(hidden_years)

    ranks = national_ranks(dfe, [indicator.metric for indicator in indicators]).filter(
        pl.col("old_la_code") == la_code, pl.col("time_period") == latest
    )
    table = table.join(
        ranks.select(
            "metric", pl.col("time_period").alias("rank_year"), "rank", "out_of", "quartile",
            pl.lit("local_authority").alias("area_kind"),
        ),
        on=["metric", "area_kind"],
        how="left",
    )  # fmt: skip
    current_values = pl.DataFrame(
        {
            "metric": [indicator.metric for indicator in indicators],
            "trust_current": [(current or {}).get(indicator.metric) for indicator in indicators],
            "area_kind": ["local_authority"] * len(indicators),
        },
        schema={"metric": pl.String, "trust_current": pl.Float64, "area_kind": pl.String},
    )
    table = table.join(current_values, on=["metric", "area_kind"], how="left")
    return table.sort("_metric_order", "_area_order").drop("_metric_order", "_area_order")


def _la_identity(la_values: pl.DataFrame) -> tuple[str | None, str | None, str | None]:
    """Name, region code and region name of the authority from its latest row."""
    if la_values.height == 0:
        return None, None, None
    latest = la_values.sort("time_period").tail(1).row(0, named=True)
    return latest["la_name"], latest["region_code"], latest["region_name"]


def _skeleton(
    indicators: Sequence[BenchmarkIndicator],
    la_name: str,
    region_name: str | None,
    neighbour_count: int,
) -> pl.DataFrame:
    """Every (metric, area) row, so an area with nothing published still shows."""
    areas = (
        la_name,
        region_name or "Region (not found in the file)",
        f"Statistical neighbours (average of {neighbour_count})",
        "England",
    )
    rows = [
        {
            "_metric_order": metric_order,
            "_area_order": area_order,
            "metric": indicator.metric,
            "label": indicator.label,
            "area_kind": kind,
            "area": area,
        }
        for metric_order, indicator in enumerate(indicators)
        for area_order, (kind, area) in enumerate(zip(AREA_KINDS, areas, strict=True))
    ]
    return pl.DataFrame(
        rows,
        schema={
            "_metric_order": pl.Int64,
            "_area_order": pl.Int64,
            "metric": pl.String,
            "label": pl.String,
            "area_kind": pl.String,
            "area": pl.String,
        },
    )


def latest_comparators(
    dfe: pl.DataFrame, statistical_neighbours: Sequence[str], metrics: Sequence[str]
) -> pl.DataFrame:
    """For each metric with a DfE column: the latest published England figure and the
    statistical neighbours' average that year (one row per metric; columns ``metric``,
    ``year``, ``england``, ``neighbours``)."""
    table = benchmark_table(dfe, "", statistical_neighbours, metrics=metrics, years=1)
    year_columns = [c for c in table.columns if c.isdigit()]
    if not year_columns:
        return pl.DataFrame(
            schema={"metric": pl.String, "year": pl.Int64, "england": pl.Float64,
                    "neighbours": pl.Float64}
        )  # fmt: skip
    year = year_columns[-1]
    wide = table.select("metric", "area_kind", pl.col(year).alias("value"))
    england = wide.filter(pl.col("area_kind") == "england").select(
        "metric", pl.col("value").alias("england")
    )
    neighbours = wide.filter(pl.col("area_kind") == "statistical_neighbours").select(
        "metric", pl.col("value").alias("neighbours")
    )
    return (
        england.join(neighbours, on="metric", how="left")
        .with_columns(year=pl.lit(int(year), pl.Int64))
        .select("metric", "year", "england", "neighbours")
    )


def neighbour_names(dfe: pl.DataFrame, codes: Sequence[str]) -> pl.DataFrame:
    """The statistical neighbours, in the configured order: ``code`` and ``name`` (the
    authority's name in its latest row of the file; empty when the file lacks it)."""
    names = (
        dfe.filter(
            (pl.col("geographic_level") == LOCAL_AUTHORITY)
            & pl.col("old_la_code").is_in(list(codes))
        )
        .sort("time_period")
        .group_by("old_la_code")
        .agg(pl.col("la_name").drop_nulls().last())
    )
    ordered = pl.DataFrame({"code": list(dict.fromkeys(codes))}, schema={"code": pl.String})
    return ordered.join(
        names.rename({"old_la_code": "code", "la_name": "name"}),
        on="code",
        how="left",
        maintain_order="left",
    )


def latest_year(dfe: pl.DataFrame) -> int | None:
    """The latest reporting year in the file (year to 30 September)."""
    years = published_years(dfe, 1)
    return years[0] if years else None


def publication_label(dfe: pl.DataFrame) -> str:
    """The source as people cite it: the publication and its latest reporting year."""
    year = latest_year(dfe)
    edition = f", reporting year {year} (figures at 30 September {year})" if year else ""
    return f"{PUBLICATION}{edition}; Open Government Licence v3.0"
