"""Reading the DfE indicator file and the LAIT-style benchmark rows, ranks and bands."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.dfe_comparison import (
    benchmark_table,
    latest_comparators,
    national_ranks,
    published_years,
    quartile_band,
)
from workforce.dfe_indicators import parse_dfe_indicators, read_dfe_indicators
from workforce.errors import RunFailure

HEADER = (
    "time_period,time_identifier,geographic_level,region_code,region_name,old_la_code,"
    "new_la_code,la_name,agency_rate_fte,inpost_fte,vacancy_agency_cover_rate_fte,"
    "caseload_fte"
)
ROWS = (
    "2024,Reporting year,National,,,,,,16,30000,70,16",
    "2025,Reporting year,National,,,,,,13,31000,73,15",
    "2024,Reporting year,Regional,R1,North,,,,12,4000,60,15",
    "2025,Reporting year,Regional,R1,North,,,,8,4100,61,16",
    "2024,Reporting year,Local authority,R1,North,380,E1,Home,30,400,50,14",
    "2025,Reporting year,Local authority,R1,North,380,E1,Home,20,460,55,14",
    "2025,Reporting year,Local authority,R1,North,354,E2,Near one,20,200,z,12",
    "2025,Reporting year,Local authority,R1,North,353,E3,Near two,x,150,60,c",
    "2024,Reporting year,Local authority,R1,North,353,E3,Near two,10,140,60,",
    "2025,Reporting year,Local authority,R2,South,900,E4,Far,5,900,u,20",
    "2025,Reporting year,Local authority,R2,South,901,E5,Farther,40,100,80,25",
)


@pytest.fixture
def dfe_file(tmp_path: Path) -> Path:
    path = tmp_path / "dfe.csv"
    path.write_text("\ufeff" + "\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def dfe(dfe_file: Path) -> pl.DataFrame:
    return read_dfe_indicators(dfe_file)


def test_reader_types_and_suppression(dfe: pl.DataFrame) -> None:
    assert dfe.schema["time_period"] == pl.Int64
    assert dfe.schema["old_la_code"] == pl.String
    assert dfe.schema["agency_rate_fte"] == pl.Float64
    near_two = dfe.filter(pl.col("old_la_code") == "353", pl.col("time_period") == 2025)
    assert near_two["agency_rate_fte"][0] is None  # x
    assert near_two["caseload_fte"][0] is None  # c
    near_one = dfe.filter(pl.col("old_la_code") == "354")
    assert near_one["vacancy_agency_cover_rate_fte"][0] is None  # z, never 0
    far = dfe.filter(pl.col("old_la_code") == "900")
    assert far["vacancy_agency_cover_rate_fte"][0] is None  # u
    empty = dfe.filter(pl.col("old_la_code") == "353", pl.col("time_period") == 2024)
    assert empty["caseload_fte"][0] is None  # empty
    national = dfe.filter(pl.col("geographic_level") == "National")
    assert national["old_la_code"].null_count() == national.height


def test_reader_fails_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(RunFailure, match="cannot read"):
        read_dfe_indicators(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(RunFailure, match="no column"):
        read_dfe_indicators(bad)


def test_ranks_ties_take_the_better_rank(dfe: pl.DataFrame) -> None:
    ranks = national_ranks(dfe, ["agency_rate"]).filter(pl.col("time_period") == 2025)
    by_code = {code: (rank, band) for code, rank, band in
               ranks.select("old_la_code", "rank", "quartile").iter_rows()}  # fmt: skip
    # values 5, 20, 20, 40 (353 suppressed: not ranked, not counted)
    assert by_code == {"900": (1, "A"), "380": (2, "B"), "354": (2, "B"), "901": (4, "D")}
    assert set(ranks["out_of"]) == {4}


def test_higher_is_better_and_neutral(dfe: pl.DataFrame) -> None:
    employed = national_ranks(dfe, ["employed_fte"]).filter(pl.col("time_period") == 2025)
    assert employed.filter(pl.col("rank") == 1)["old_la_code"].to_list() == ["900"]
    # the cover rate has no good direction: no rank at all
    assert national_ranks(dfe, ["vacancy_agency_cover_rate"]).height == 0


def test_benchmark_table_lait_rows(dfe: pl.DataFrame) -> None:
    table = benchmark_table(
        dfe, "380", ["354", "353"], metrics=["agency_rate", "average_caseload"], years=2,
        current={"agency_rate": 0.18},
    )  # fmt: skip
    assert table.columns[:6] == ["metric", "label", "area_kind", "area", "2024", "2025"]
    agency = table.filter(pl.col("metric") == "agency_rate")
    assert agency["area_kind"].to_list() == [
        "local_authority", "region", "statistical_neighbours", "england",
    ]  # fmt: skip
    assert agency["area"].to_list()[:2] == ["Home", "North"]
    # neighbours 2025: 20 and suppressed -> 20; 2024: only 353's 10 was published
    assert agency["2025"].to_list() == pytest.approx([0.20, 0.08, 0.20, 0.13])
    assert agency["2024"].to_list() == pytest.approx([0.30, 0.12, 0.10, 0.16])
    assert agency["change"].to_list() == pytest.approx([-0.10, -0.04, 0.10, -0.03])
    home = agency.row(0, named=True)
    assert (home["rank"], home["out_of"], home["quartile"], home["rank_year"]) == (2, 4, "B", 2025)
    assert home["trust_current"] == pytest.approx(0.18)
    assert agency["rank"][1:].null_count() == 3
    caseload = table.filter(pl.col("metric") == "average_caseload")
    assert caseload["2025"].to_list() == pytest.approx([14, 16, 12, 15])
    assert caseload["trust_current"][0] is None


def test_benchmark_table_unknown_authority_keeps_rows(dfe: pl.DataFrame) -> None:
    table = benchmark_table(dfe, "999", [], metrics=["agency_rate"], years=2)
    assert table.height == 4
    assert table.filter(pl.col("area_kind") == "local_authority")["2025"][0] is None
    assert table.filter(pl.col("area_kind") == "england")["2025"][0] == pytest.approx(0.13)


def test_latest_comparators(dfe: pl.DataFrame) -> None:
    got = latest_comparators(dfe, ["354", "353"], ["agency_rate", "agency_to_permanent_ratio"])
    assert got["metric"].to_list() == ["agency_rate"]  # the ratio has no DfE column
    metric, year, england, neighbours = got.row(0)
    assert (metric, year) == ("agency_rate", 2025)
    assert (england, neighbours) == pytest.approx((0.13, 0.20))


def test_published_years(dfe: pl.DataFrame) -> None:
    assert published_years(dfe, 3) == [2024, 2025]
    assert published_years(dfe, 1) == [2025]


@given(st.lists(st.one_of(st.none(), st.integers(0, 50)), min_size=1, max_size=30))
@settings(max_examples=60, deadline=None)
def test_rank_and_band_properties(values: list[int | None]) -> None:
    rows = [
        f"2025,Reporting year,Local authority,R1,North,{100 + i},E{i},LA {i},"
        f"{'' if v is None else v},1,1,1"
        for i, v in enumerate(values)
    ]
    raw = pl.read_csv("\n".join([HEADER, *rows]).encode(), infer_schema=False)
    ranks = national_ranks(parse_dfe_indicators(raw), ["agency_rate"])
    published = [v for v in values if v is not None]
    assert ranks.height == len(published)
    for value, rank, out_of, band in ranks.select("value", "rank", "out_of",
                                                  "quartile").iter_rows():  # fmt: skip
        # 1 + number of strictly better (lower) values: ties share the better rank
        assert rank == 1 + sum(1 for v in published if v < value * 100 - 1e-9)
        assert out_of == len(published)
        assert band == "ABCD"[-(-4 * rank // out_of) - 1]


def test_quartile_band_edges() -> None:
    frame = pl.DataFrame({"rank": [1, 25, 26, 50, 51, 75, 76, 100], "n": [100] * 8})
    bands = frame.select(quartile_band(pl.col("rank"), pl.col("n"))).to_series().to_list()
    assert bands == ["A", "A", "B", "B", "C", "C", "D", "D"]


def test_real_dfe_file_bradford() -> None:
    path = Path(__file__).resolve().parents[2] / "shared/reference"
    path = path / "dfe_csww_indicators_2017_to_2025.csv"
    if not path.exists():
        pytest.skip(f"the shared DfE file is not at {path}")
    dfe = read_dfe_indicators(path)
    table = benchmark_table(dfe, "380", ["354", "353", "889", "382", "335", "874", "831",
                                         "350", "332", "894"])  # fmt: skip
    bradford = table.filter(pl.col("metric") == "agency_rate", pl.col("area_kind") ==
                            "local_authority").row(0, named=True)  # fmt: skip
    assert bradford["area"] == "Bradford"
    assert bradford["2025"] == pytest.approx(0.222)
    assert bradford["2024"] == pytest.approx(0.318)
    assert bradford["change"] == pytest.approx(0.222 - 0.318)
    assert bradford["quartile"] in {"A", "B", "C", "D"}


def test_equal_published_figures_tie_after_rescaling() -> None:
    # polars can rescale equal figures into values one bit apart; the tie must hold
    rows = [
        f"2025,Reporting year,Local authority,R1,North,{100 + i},E{i},LA {i},{v},1,1,1"
        for i, v in enumerate(["", "", "", "35", "35", "17.9", "17.9"])
    ]
    raw = pl.read_csv("\n".join([HEADER, *rows]).encode(), infer_schema=False)
    ranks = national_ranks(parse_dfe_indicators(raw), ["agency_rate"])
    assert ranks["rank"].to_list() == [1, 1, 3, 3]
    assert ranks["quartile"].to_list() == ["A", "A", "C", "C"]
