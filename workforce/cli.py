"""The ``workforce`` command: run, validate, backfill, serve.

Failures print one clear line and exit non-zero; nothing is published for a failed run.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console

from workforce.census.cli import census_app
from workforce.runtime import configure_prefect_env

app = typer.Typer(
    name="workforce",
    help="Workforce-stability analytics: HR extracts in, validated metrics and an HR workbook out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
app.add_typer(census_app, name="census")

InputOption = Annotated[
    Path,
    typer.Option(
        "--input",
        help="One extract drop folder, or an incoming/ folder of YYYY-MM-DD drops.",
        exists=True,
        file_okay=False,
    ),
]
OutputOption = Annotated[
    Path, typer.Option("--output", help="Folder the <as_of>/ output folders are written to.")
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="As-of date YYYY-MM-DD (default: today).")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config", help="Settings file (TOML); default: the packaged defaults.", exists=True
    ),
]


@app.callback()
def _global_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Prefect's own log, tracebacks included.")
    ] = False,
) -> None:
    # Prefect reads its settings when first imported, which the commands do lazily, so
    # this runs first. Quiet by default: a failure is one line of ours, not Prefect's log.
    configure_prefect_env(log_level="INFO" if verbose else "CRITICAL")


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from None


def _fail(error: BaseException | str) -> typer.Exit:
    console.print(f"[bold red]workforce: run failed:[/] {error}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def _wait_for(server_start: threading.Thread | None) -> None:
    if server_start is not None:
        server_start.join()


def _run_flow(flow_call: Callable[[threading.Thread | None], dict[str, Path]]) -> None:
    """Run a flow; say which files it published, or why it failed in one line.

    ``flow_call`` imports the flow itself, so that the embedded Prefect server boots and
    GX imports while our modules load (see ``workforce.runtime``)."""
    from workforce.errors import RunFailure
    from workforce.runtime import prewarm_great_expectations, start_embedded_server

    server_start = start_embedded_server()
    prewarm_great_expectations()
    try:
        published = flow_call(server_start)
    except RunFailure as error:
        raise _fail(error) from None
    except Exception as error:  # an unexpected fault still gets one clear line
        raise _fail(f"{type(error).__name__}: {error}") from error
    for path in published.values():
        console.print(f"wrote {path}", highlight=False)


@app.command()
def run(
    input_dir: InputOption,
    output_dir: OutputOption,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the nightly flow for one as-of date and publish its workbook and CSVs."""
    as_of_date = _parse_date(as_of) or dt.date.today()

    def call(server_start: threading.Thread | None) -> dict[str, Path]:
        from flows.nightly import nightly

        _wait_for(server_start)
        return nightly(
            input_dir=input_dir.resolve(),
            output_dir=output_dir.resolve(),
            as_of=as_of_date,
            config=config.resolve() if config else None,
        )

    _run_flow(call)


@app.command()
def validate(
    input_dir: InputOption,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
) -> None:
    """Validate a drop without computing or publishing anything; print a summary."""
    from rich.table import Table

    from workforce.errors import RunFailure
    from workforce.extract_io import find_drop, read_drop
    from workforce.settings import load_settings
    from workforce.validation import validate_drop

    as_of_date = _parse_date(as_of) or dt.date.today()
    settings = load_settings(config)
    try:
        drop_path, drop_date = find_drop(input_dir.resolve(), as_of_date)
        result = validate_drop(
            read_drop(drop_path, drop_date), as_of_date, settings.validation.max_quarantine_share
        )
    except RunFailure as error:
        raise _fail(error) from None
    table = Table(title=f"Validation of {drop_path}")
    for column in ("extract", "rows read", "quarantined", "warnings"):
        table.add_column(column, justify="left" if column == "extract" else "right")
    for summary in result.summaries:
        table.add_row(
            summary.extract,
            str(summary.rows_read),
            str(summary.rows_quarantined),
            str(summary.warnings),
        )
    Console().print(table)
    by_rule = (
        result.findings.group_by(["extract", "rule", "severity"]).len().sort(["extract", "rule"])
    )
    if by_rule.height:
        rules = Table(title="Findings by rule")
        for column in ("extract", "rule", "severity", "count"):
            rules.add_column(column)
        for extract, rule, severity, count in by_rule.rows():
            rules.add_row(extract or "(drop)", rule, severity, str(count))
        Console().print(rules)


@app.command()
def backfill(
    input_dir: InputOption,
    output_dir: OutputOption,
    start: Annotated[str, typer.Option("--start", help="First as-of date, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last as-of date, YYYY-MM-DD.")],
    every: Annotated[
        str, typer.Option("--every", help="day, week (Sundays) or month (month-ends).")
    ] = "month",
    workbooks: Annotated[
        bool, typer.Option("--workbooks", help="Also write each date's folder as a nightly run.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Metrics for a range of past as-of dates, from one drop read and validated once."""
    start_date, end_date = _parse_date(start), _parse_date(end)
    assert start_date is not None
    assert end_date is not None
    if every not in ("day", "week", "month"):
        raise typer.BadParameter("--every must be day, week or month")
    if end_date < start_date:
        raise typer.BadParameter("--end is before --start")

    def call(server_start: threading.Thread | None) -> dict[str, Path]:
        from flows.backfill import backfill as backfill_flow
        from transforms.backfill import Every

        _wait_for(server_start)
        return backfill_flow(
            input_dir=input_dir.resolve(),
            output_dir=output_dir.resolve(),
            start=start_date,
            end=end_date,
            every=cast(Every, every),
            workbooks=workbooks,
            config=config.resolve() if config else None,
            progress=sys.stderr.isatty(),
        )

    _run_flow(call)


@app.command()
def serve(
    input_dir: InputOption,
    output_dir: OutputOption,
    config: ConfigOption = None,
) -> None:
    """Serve the nightly deployment (02:00 Europe/London) and the backfill deployment.

    Needs a Prefect server (PREFECT_API_URL); Prefect's scheduler does not run in the
    embedded mode that `workforce run` uses.
    """
    import os

    if not os.environ.get("PREFECT_API_URL"):
        raise _fail(
            "PREFECT_API_URL is not set: start a server with `prefect server start` in another "
            "terminal, then `export PREFECT_API_URL=http://127.0.0.1:4200/api` and run again."
        )
    from flows.deployments import serve_deployments

    serve_deployments(
        input_dir.resolve(), output_dir.resolve(), config.resolve() if config else None
    )


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
