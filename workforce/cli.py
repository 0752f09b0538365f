"""The ``workforce`` command: run, validate, backfill, serve.

Grain: one command line. Its arguments, settings and folders are checked before Prefect
starts (``workforce.preflight``), so a mistake fails within a second or two. Failures
print one clear line and exit non-zero (2: an option's value cannot be right; 1: the run
cannot be done or failed); nothing is published for a failed run. Warnings about the run
as a whole (an old drop, a missing benchmark file) are printed after a successful run.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import typer
from rich.console import Console

from workforce.census.cli import census_app
from workforce.errors import RunFailure
from workforce.runtime import configure_prefect_env

if TYPE_CHECKING:
    from workforce.validation import ValidationResult

T = TypeVar("T")

app = typer.Typer(
    name="workforce",
    help="Workforce-stability analytics: HR extracts in, validated metrics and an HR workbook out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
app.add_typer(census_app, name="census")

# Paths are checked by workforce.preflight (one line each), not by typer (a framed box).
InputOption = Annotated[
    Path,
    typer.Option(
        "--input", help="One extract drop folder, or an incoming/ folder of YYYY-MM-DD drops."
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
    typer.Option("--config", help="Settings file (TOML); default: the packaged defaults."),
]
DropOption = Annotated[
    str | None,
    typer.Option(
        "--drop",
        help="With an incoming/ --input: read the drop of this date (YYYY-MM-DD) instead.",
    ),
]
AllowFutureOption = Annotated[
    bool,
    typer.Option("--allow-future", help="Allow an as-of date after today."),
]
EVERY_CHOICES: tuple[str, ...] = ("day", "week", "month")


@app.callback()
def _global_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Prefect's own log, tracebacks included.")
    ] = False,
) -> None:
    # Prefect reads its settings when first imported, which the commands do lazily, so
    # this runs first. Quiet by default: a failure is one line of ours, not Prefect's log.
    configure_prefect_env(log_level="INFO" if verbose else "CRITICAL")
    _show_our_warnings()


class _OneLineWarnings(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        _say(f"workforce: warning: {record.getMessage()}")


def _show_our_warnings() -> None:
    """Warnings of our own modules (a notification not sent, an artifact not posted) as
    one console line each."""
    ours = logging.getLogger("workforce")
    if not any(isinstance(handler, _OneLineWarnings) for handler in ours.handlers):
        ours.addHandler(_OneLineWarnings(logging.WARNING))
        ours.propagate = False


def _say(text: str, heading: str = "") -> None:
    """One line on stderr: ``heading`` in bold red, then ``text`` exactly as it is (a
    message's "[metrics]" is text, not console markup); never wrapped."""
    console.print(f"[bold red]{heading}[/]" if heading else "", end="")
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _fail(error: BaseException | str) -> typer.Exit:
    from workforce.preflight import UsageProblem

    if isinstance(error, UsageProblem):
        _say(str(error), "workforce: ")
        return typer.Exit(code=2)
    _say(str(error), "workforce: run failed: ")
    return typer.Exit(code=1)


def _checked(check: Callable[[], T]) -> T:
    """``check()``, or exit with its problem in one line."""
    try:
        return check()
    except RunFailure as problem:
        raise _fail(problem) from None


def _wait_for(server_start: threading.Thread | None) -> None:
    if server_start is not None:
        server_start.join()


def _unexpected(error: Exception) -> str:
    """One line for an error no check foresaw: a disk error in words, else its type."""
    from workforce.atomic_folder import disk_error_words

    if isinstance(error, OSError) and (words := disk_error_words(error)) is not None:
        where = f" ({error.filename})" if error.filename else ""
        return f"{words}{where}"
    return f"{type(error).__name__}: {error}"


def _run_flow(
    flow_call: Callable[[threading.Thread | None], dict[str, Path]],
    on_refused: Callable[[], None] = lambda: None,
) -> dict[str, Path]:
    """Run a flow; say which files it published (and its warnings), or why it failed in
    one line.

    ``flow_call`` imports the flow itself, so that the embedded Prefect server boots and
    GX imports while our modules load (see ``workforce.runtime``)."""
    from workforce.runtime import prewarm_great_expectations, start_embedded_server
    from workforce.validation import QuarantineLimitExceeded

    server_start = start_embedded_server()
    prewarm_great_expectations()
    try:
        published = flow_call(server_start)
    except QuarantineLimitExceeded as refused:
        _say(str(refused), "workforce: run refused: ")
        on_refused()
        raise typer.Exit(code=1) from None
    except RunFailure as error:
        raise _fail(error) from None
    except Exception as error:  # an unexpected fault still gets one clear line
        raise _fail(_unexpected(error)) from error
    for path in published.values():
        _say(f"wrote {path}")
    _print_run_warnings(published)
    return published


def _print_run_warnings(published: dict[str, Path]) -> None:
    """The findings about the run as a whole (an old drop, an unusable benchmark file),
    and the count of the others, from the published ``data_quality.csv``."""
    import polars as pl

    from transforms.report import plural

    findings_file = published.get("data_quality.csv")
    if findings_file is None or not findings_file.exists():
        return
    findings = pl.read_csv(findings_file, infer_schema=False)
    for message in findings.filter(pl.col("extract").is_null())["message"].to_list():
        _say(f"workforce: warning: {message}")
    errors = findings.filter(pl.col("severity") == "error").height
    warnings = findings.filter(pl.col("severity") == "warning").height
    if errors or warnings:
        counts = f"{plural(errors, 'error')} and {plural(warnings, 'warning')}"
        _say(f"data quality: {counts} in {findings_file}")


def _notify_failure(urls: tuple[str, ...], as_of: dt.date | None, problem: RunFailure) -> None:
    """Tell the ``[notify]`` URLs that a nightly run could not start."""
    if not urls:
        return
    from transforms.run_summary import failure_message
    from workforce.notify import send

    if as_of is None:
        send(urls, f"The nightly run could not start: {problem}")
    else:
        send(urls, failure_message(as_of, str(problem)))


@app.command()
def run(
    input_dir: InputOption,
    output_dir: OutputOption,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    drop: DropOption = None,
    allow_future: AllowFutureOption = False,
) -> None:
    """Run the nightly flow for one as-of date and publish its workbook and CSVs."""
    from workforce import preflight
    from workforce.report_files import rejected_folder
    from workforce.settings import read_settings

    today = dt.date.today()
    settings = _checked(lambda: read_settings(config))
    # From here a failure is also told to the [notify] URLs: the 02:00 run did not happen.
    try:
        as_of_date = preflight.date_option(
            "--as-of", as_of, today=today, allow_future=allow_future, default=today
        )
    except RunFailure as problem:
        _notify_failure(settings.notify.urls, None, problem)
        raise _fail(problem) from None
    try:
        drop_date = None if drop is None else preflight.parse_date("--drop", drop)
        preflight.check_input(input_dir)
        preflight.check_drop(input_dir, on_or_before=as_of_date, drop=drop_date)
        preflight.check_output(output_dir, input_dir)
        preflight.check_notify(settings, config)
    except RunFailure as problem:
        _notify_failure(settings.notify.urls, as_of_date, problem)
        raise _fail(problem) from None
    preflight.tidy_output(output_dir)

    def call(server_start: threading.Thread | None) -> dict[str, Path]:
        from flows.nightly import nightly

        _wait_for(server_start)
        return nightly(
            input_dir=input_dir.resolve(),
            output_dir=output_dir.resolve(),
            as_of=as_of_date,
            config=config.resolve() if config else None,
            drop=drop_date,
        )

    def point_to_findings() -> None:
        findings = rejected_folder(output_dir.resolve(), as_of_date) / "data_quality.csv"
        if findings.exists():
            _say(f"findings for HR: {findings}")

    _run_flow(call, on_refused=point_to_findings)


@app.command()
def validate(
    input_dir: InputOption,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    drop: DropOption = None,
    allow_future: AllowFutureOption = False,
) -> None:
    """Validate a drop without computing or publishing anything; print a summary."""
    from workforce import preflight
    from workforce.extract_io import read_drop
    from workforce.settings import read_settings
    from workforce.validation import QuarantineLimitExceeded, validate_drop

    today = dt.date.today()

    def checks() -> tuple[dt.date, Path, dt.date | None, float]:
        settings = read_settings(config)
        as_of_date = preflight.date_option(
            "--as-of", as_of, today=today, allow_future=allow_future, default=today
        )
        drop_date = None if drop is None else preflight.parse_date("--drop", drop)
        preflight.check_input(input_dir)
        folder, folder_date = preflight.check_drop(
            input_dir, on_or_before=as_of_date, drop=drop_date
        )
        return as_of_date, folder, folder_date, settings.validation.max_quarantine_share

    as_of_date, drop_path, drop_date, limit = _checked(checks)
    refused: str | None = None
    try:
        result = validate_drop(read_drop(drop_path, drop_date), as_of_date, limit)
    except QuarantineLimitExceeded as over_limit:
        result, refused = over_limit.result, str(over_limit)
    except RunFailure as error:
        raise _fail(error) from None
    _print_validation(drop_path, result)
    if refused is not None:
        _say(refused, "workforce: a run would be refused: ")
        raise typer.Exit(code=1)


def _print_validation(drop_path: Path, result: ValidationResult) -> None:
    from rich.table import Table

    table = Table(title=f"Validation of {drop_path}")
    for column in ("extract", "rows read", "quarantined", "held back", "warnings"):
        table.add_column(column, justify="left" if column == "extract" else "right")
    for summary in result.summaries:
        table.add_row(
            summary.extract,
            str(summary.rows_read),
            str(summary.rows_quarantined),
            str(summary.rows_held_back),
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
    drop: Annotated[
        str | None,
        typer.Option(
            "--drop",
            help="With an incoming/ --input: read the drop of this date (default: the newest).",
        ),
    ] = None,
    allow_future: Annotated[
        bool, typer.Option("--allow-future", help="Allow an --end after today.")
    ] = False,
) -> None:
    """Metrics for a range of past as-of dates, from one drop read and validated once."""
    from workforce import preflight
    from workforce.settings import read_settings

    today = dt.date.today()

    def checks() -> tuple[dt.date, dt.date, dt.date | None]:
        start_date = preflight.date_option(
            "--start", start, today=today, allow_future=allow_future, default=today
        )
        end_date = preflight.date_option(
            "--end", end, today=today, allow_future=allow_future, default=today
        )
        if end_date < start_date:
            raise preflight.UsageProblem(
                f"--end {end_date} is before --start {start_date}; swap them"
            )
        if every not in EVERY_CHOICES:
            raise preflight.UsageProblem(
                f"--every {every!r}: use {', '.join(EVERY_CHOICES[:-1])} or {EVERY_CHOICES[-1]}"
            )
        drop_date = None if drop is None else preflight.parse_date("--drop", drop)
        settings = read_settings(config)
        preflight.check_input(input_dir)
        preflight.check_drop(input_dir, on_or_before=None, drop=drop_date)
        preflight.check_output(output_dir, input_dir)
        preflight.check_notify(settings, config)
        return start_date, end_date, drop_date

    start_date, end_date, drop_date = _checked(checks)
    preflight.tidy_output(output_dir)

    def call(server_start: threading.Thread | None) -> dict[str, Path]:
        import sys

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
            drop=drop_date,
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

    from workforce import preflight
    from workforce.settings import read_settings

    def checks() -> None:
        settings = read_settings(config)
        preflight.check_input(input_dir)
        preflight.check_output(output_dir, input_dir)
        preflight.check_notify(settings, config)

    _checked(checks)
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
