"""``workforce census``: write the DfE census return from a drop, or check a return.

    workforce census --input DIR --year Y --output DIR [--config FILE]
    workforce census check FILE.xml --output DIR [--against DROP] [--as-of R] [--config FILE]

Grain: one command call, one return. A failure prints one line naming the cause and the
fix and exits 1; nothing is published then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from workforce.settings import Settings

census_app = typer.Typer(
    name="census",
    help="The DfE children's social work workforce census return (CSWW): write it from a "
    "drop, or check a return before it is sent.",
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)
_T = TypeVar("_T")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Settings file (TOML) with the \\[census] pay items; default: the packaged defaults.",
        exists=True,
        dir_okay=False,
    ),
]


def _fail(error: BaseException | str) -> typer.Exit:
    console.print(
        # Escaped: a message may name a settings table such as [census], which is not markup.
        f"[bold red]workforce: census failed:[/] {escape(str(error))}",
        highlight=False,
        soft_wrap=True,
    )
    return typer.Exit(code=1)


def _one_line(action: Callable[[], _T]) -> _T:
    """Run ``action``; any failure becomes one line and exit status 1."""
    from pydantic import ValidationError

    from workforce.errors import RunFailure

    try:
        return action()
    except RunFailure as error:
        raise _fail(error) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _fail(f"settings: {where}: {first['msg']}") from None
    except Exception as error:  # an unexpected fault still gets one clear line
        raise _fail(f"{type(error).__name__}: {error}") from error


def _settings(config: Path | None) -> Settings:
    import tomllib

    from workforce.errors import RunFailure
    from workforce.settings import load_settings

    try:
        return load_settings(config)
    except tomllib.TOMLDecodeError as error:
        raise RunFailure(f"{config}: not a valid TOML settings file ({error})") from None


def _said(path: Path) -> None:
    console.print(f"wrote {escape(str(path))}", highlight=False, soft_wrap=True)


@census_app.callback(invoke_without_command=True)
def produce(
    ctx: typer.Context,
    input_dir: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="One extract drop folder, or an incoming/ folder of YYYY-MM-DD drops (the "
            "newest is used: every extract carries its history).",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Census year Y: the return on 30 September Y."),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output", help="Folder csww_<Y>_<LEA>.xml is written to."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Write csww_<Y>_<LEA>.xml, the census return of year Y, from the extracts."""
    if ctx.invoked_subcommand is not None:
        return
    if input_dir is None and year is None and output_dir is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    if input_dir is None or year is None or output_dir is None:
        missing = [
            flag
            for flag, value in (("--input", input_dir), ("--year", year), ("--output", output_dir))
            if value is None
        ]
        raise typer.BadParameter(f"missing {', '.join(missing)}", ctx=ctx)

    def write() -> None:
        from workforce.census.produce import write_census_return

        written = write_census_return(
            input_dir.resolve(), year, output_dir.resolve(), _settings(config)
        )
        for path in written.published.values():
            _said(path)
        console.print(
            f"{written.employed_workers} employed and {written.agency_workers} agency worker "
            f"records for {written.reference.isoformat()} from {written.drop}; "
            f"{written.findings} data-quality findings in the extracts. Check the return with "
            "`workforce census check` before sending it.",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )

    _one_line(write)


@census_app.command()
def check(
    file: Annotated[Path, typer.Argument(help="The census return (XML) to check.", dir_okay=False)],
    output_dir: Annotated[
        Path,
        typer.Option("--output", help="Folder the census_*.csv files are written to."),
    ],
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="A drop (or incoming/ folder) to reconcile the return with.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Reference date YYYY-MM-DD (default: the return's ReferenceDate, else 30 "
            "September of its Year).",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Read a return of any year, report its problems and the DfE's indicators from it."""
    reference: dt.date | None = None
    if as_of is not None:
        try:
            reference = dt.date.fromisoformat(as_of)
        except ValueError:
            raise typer.BadParameter(f"{as_of!r} is not a date in YYYY-MM-DD form") from None

    def run() -> None:
        from workforce.census.check import check_census_file

        checked = check_census_file(
            file,
            output_dir.resolve(),
            _settings(config),
            against=against.resolve() if against else None,
            as_of=reference,
        )
        for path in checked.published.values():
            _said(path)
        summary = (
            f"{file.name}: {checked.workers_read} workers read for "
            f"{checked.reference.isoformat()}, {checked.workers_quarantined} quarantined, "
            f"{checked.warnings} warnings"
        )
        if checked.differences is not None:
            summary += f"; {checked.differences} differences with the extracts"
        console.print(summary, highlight=False, soft_wrap=True, markup=False)

    _one_line(run)
