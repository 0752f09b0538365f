"""The frames the reports show, one module per theme: what a sheet of the HR workbook, the
trend workbook or a run summary lays out, computed here (changes and their directions,
bands, shares, the Teams matrix, the data-quality to-do list, the generated lines of the
Summary) so the writers only place them. Pure polars, no I/O; each module states the grain
of its frames.
"""
