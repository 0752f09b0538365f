"""Native Excel charts of table columns: line charts over a date column (with a second
value axis when rates of different size share a chart) and column charts. Each series is
a table column named by its header, so a chart plots exactly the columns its title names.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.series import Series
from openpyxl.chart.series_factory import SeriesFactory
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.worksheet.worksheet import Worksheet

from workforce.workbook.cells import FONT_NAME
from workforce.workbook.tables import TableArea

AXIS_DATE_FORMAT = "mmm yy"


def _series(sheet: Worksheet, area: TableArea, offset: int) -> Series:
    """The table column ``offset`` (1 = the table's first column) as a series titled by
    its header."""
    column = area.first_column + offset - 1
    values = Reference(sheet, min_col=column, min_row=area.header_row, max_row=area.last_row)
    series: Series = SeriesFactory(values, title_from_data=True)
    series.smooth = False
    return series


def _categories(sheet: Worksheet, area: TableArea, offset: int = 1) -> Reference:
    column = area.first_column + offset - 1
    return Reference(sheet, min_col=column, min_row=area.first_data_row, max_row=area.last_row)


def line_chart(
    sheet: Worksheet,
    area: TableArea,
    *,
    series: Sequence[int],
    title: str,
    y_title: str,
    y_format: str = "0%",
    x_title: str = "Month end",
    x_format: str = AXIS_DATE_FORMAT,
    y_min: float | None = 0.0,
    y_max: float | None = None,
    dashed: Sequence[int] = (),
) -> LineChart:
    """A line chart of the table columns ``series`` (1-based offsets) by the table's first
    column. Series of different size go on separate charts, each with its own axis."""
    chart = LineChart()
    chart.title = _title(title, 12, bold=True)
    chart.y_axis.title = _title(y_title, 9)
    chart.y_axis.number_format = y_format
    if y_min is not None:
        chart.y_axis.scaling.min = y_min
    if y_max is not None:
        chart.y_axis.scaling.max = y_max
    chart.x_axis.title = _title(x_title, 9)
    chart.x_axis.number_format = x_format
    # openpyxl 3.1 hides axes unless told otherwise.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    for offset in series:
        line = _series(sheet, area, offset)
        if offset in dashed:  # e.g. a target under a glide path that shares its value
            line.graphicalProperties.line.dashStyle = "dash"
        chart.series.append(line)
    chart.set_categories(_categories(sheet, area))
    if chart.legend is not None:
        chart.legend.position = "b"
    _text(chart)
    return chart


def column_chart(
    sheet: Worksheet,
    area: TableArea,
    *,
    series: int,
    title: str,
    y_title: str,
    x_title: str,
) -> BarChart:
    """A column chart of one table column (1-based offset) by the table's first column."""
    chart = BarChart()
    chart.type = "col"
    chart.title = _title(title, 12, bold=True)
    chart.y_axis.title = _title(y_title, 9)
    chart.x_axis.title = _title(x_title, 9)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.legend = None
    chart.series.append(_series(sheet, area, series))
    chart.set_categories(_categories(sheet, area))
    _text(chart)
    return chart


def _properties(size: int, *, bold: bool = False) -> CharacterProperties:
    return CharacterProperties(latin=DrawingFont(typeface=FONT_NAME), sz=size * 100, b=bold)


def _rich(size: int) -> RichText:
    properties = _properties(size)
    return RichText(
        p=[Paragraph(pPr=ParagraphProperties(defRPr=properties), endParaRPr=properties)]
    )


def _title(text: str, size: int, *, bold: bool = False) -> Title:
    properties = _properties(size, bold=bold)
    paragraph = Paragraph(
        pPr=ParagraphProperties(defRPr=properties), r=[RegularTextRun(rPr=properties, t=text)]
    )
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def _text(chart: LineChart | BarChart) -> None:
    """Axis labels and legend in the workbook's font (LibreOffice falls back to a serif
    typeface when a chart names none)."""
    chart.x_axis.txPr = _rich(9)
    chart.y_axis.txPr = _rich(9)
    if chart.legend is not None:
        chart.legend.txPr = _rich(9)
