"""What the commands share: the ``--db``, ``--config`` and ``--json`` options, the ledger,
the consoles, JSON output and progress bars."""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console, ConsoleOptions, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.segment import Segment
from rich.text import Text

from provenance.cli.group import OutputClosed, echo_out, unanswered
from provenance.files.opening import TooLarge, read_regular
from provenance.settings import LoadedSettings, Settings, load_settings
from provenance.store.ledger import MomentOutOfRange, parse_since
from provenance.util.names import on_one_line, on_terminal, shown, shown_in_json

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn

    from provenance.lifecycle import Lifecycle
    from provenance.store import Ledger

F = TypeVar("F", bound=Callable[..., Any])
MAX_SIGNATURE_BYTES = 64 * 1024


class NamesConsole(Console):
    """A rich console that lays out file names as they are shown (``\\xNN`` for odd bytes
    and for control characters, :func:`~provenance.util.names.on_terminal`).

    Escaping at the stream would come after the layout, and widen the cells
    of a table that rich had already measured; and a control character is
    one the stream cannot tell from rich's own styling.

    It reads no rich markup unless a print asks (``markup=True``): what the
    commands print is data, and a name such as ``shot[bold]x.png`` or
    ``plate[red].exr`` is a name, which markup would print as ``shotx.png``.
    """

    def __init__(self, **options: Any) -> None:
        options.setdefault("markup", False)
        super().__init__(**options)

    def render_str(self, text: str, **options: Any) -> Text:
        """Every string printed, in a table cell or alone, with names as shown."""
        return super().render_str(on_terminal(text), **options)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        """Every renderable; a :class:`~rich.text.Text` (made by a view, never through
        :meth:`render_str`) with names as shown, before it is wrapped to its cell."""
        if isinstance(renderable, Text) and on_terminal(renderable.plain) != renderable.plain:
            renderable = self._shown(renderable)
        return super().render(renderable, options)

    def on_broken_pipe(self) -> None:
        """The reader of the output went away (``| head``): the command's group ends it
        (exit 141), where rich would exit 1, which says "blocked"."""
        del self._buffer[:]  # what was not written is dropped, not left for the next print
        raise OutputClosed(errno.EPIPE, os.strerror(errno.EPIPE))

    def _shown(self, text: Text) -> Text:
        pieces = [(on_terminal(part.text), part.style or "") for part in text.render(self)]
        shown = Text.assemble(*pieces, justify=text.justify, overflow=text.overflow,
                              no_wrap=text.no_wrap, end=text.end)  # fmt: skip
        shown.tab_size = text.tab_size
        return shown


out = NamesConsole(soft_wrap=True)
err = NamesConsole(stderr=True)


def config_option(func: F) -> F:
    """Add ``--config`` to a command."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Settings file (TOML). Default: $PROVENANCE_CONFIG or the user config dir.",
    )(func)


def format_option(choices: Sequence[str], default: str, what: str) -> Callable[[F], F]:
    """``--format`` (into ``fmt``): one of ``choices``, ``default`` unless given."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=what,
    )


def ledger_options(func: F) -> F:
    """Add ``--db`` and ``--config`` to a command."""
    func = config_option(func)
    func = click.option(
        "--db",
        "db_url",
        metavar="URL",
        envvar="PROVENANCE_DB",
        help="Ledger URL: sqlite:///PATH or postgresql+psycopg://HOST/DB. Env: PROVENANCE_DB.",
    )(func)
    return func


def signing_options(func: F) -> F:
    """``--sign-with KEY`` and ``--signature FILE``: how the approver signs."""
    func = click.option(
        "--signature",
        type=click.Path(path_type=Path, dir_okay=False, exists=True),
        metavar="FILE",
        help="The approver's SSHSIG signature made elsewhere over the --print-message text.",
    )(func)
    return click.option(
        "--sign-with",
        type=click.Path(path_type=Path, dir_okay=False),
        metavar="KEY",
        help="The approver's SSH key file (a private key, or the public half of a key in"
        " ssh-agent or on a hardware token): sign now.",
    )(func)


def read_signature(path: Path | None) -> str | None:
    """The armored signature in ``path`` (None when not given)."""
    if path is None:
        return None
    try:
        data = read_regular(path, MAX_SIGNATURE_BYTES)
    except TooLarge as exc:
        raise click.BadParameter(
            "a signature file is a few hundred bytes", param_hint="--signature"
        ) from exc
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read {path} ({exc.strerror or exc})", param_hint="--signature"
        ) from exc
    return data.decode("ascii", errors="replace")


def json_option(func: F) -> F:
    """Add ``--json`` to a reporting command."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )


def wide_option(func: F) -> F:
    """Add ``--wide`` to a command whose tables leave columns out at 80 columns."""
    return click.option(
        "--wide", is_flag=True, help="Every column, at full width (for wide terminals and logs)."
    )(func)


def console_for(wide: bool) -> Console:
    """Where to print: the terminal as it is, or with ``--wide`` at least 160 columns."""
    return NamesConsole(soft_wrap=True, width=max(out.width, 160)) if wide else out


def settings_for(db_url: str | None, config_path: Path | None) -> LoadedSettings:
    """The settings a command runs with: the settings file, with ``--db`` over it."""
    return load_settings(config_path, overrides={"db": db_url})


@contextmanager
def open_ledger(
    db_url: str | None, config_path: Path | None
) -> Iterator[tuple[Ledger, LoadedSettings]]:
    """The existing ledger a reading command works on, and the settings it was found by.

    Never creates one (see :meth:`~provenance.store.Ledger.existing`); closed on exit.
    """
    # Lazy: SQLAlchemy loads only for commands that open the ledger (scan hashes first).
    from provenance.store import Ledger  # noqa: PLC0415

    loaded = settings_for(db_url, config_path)
    with Ledger.existing(loaded.settings.db) as ledger:
        yield notarized(ledger, loaded.settings), loaded


def print_json(data: object) -> None:
    """Print a JSON document (the ``--json`` output of every reporting command)."""
    echo_out(shown_in_json(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def draws_progress(console: Console) -> bool:
    """Whether progress bars may be drawn on ``console``: a terminal a person watches.

    ``FORCE_COLOR`` (or ``TTY_COMPATIBLE=1``), set in many CI jobs for
    colour, makes rich take a pipe for a terminal; a bar redrawn ten times a
    second would then fill the job's log. Only a real terminal gets bars, or
    any stream when ``TTY_INTERACTIVE=1`` asks for them (``0`` turns them off).
    """
    asked = os.environ.get("TTY_INTERACTIVE")
    if asked in ("0", "1"):
        return asked == "1"
    if not console.is_terminal or console.is_dumb_terminal:
        return False
    forced = "FORCE_COLOR" in os.environ or os.environ.get("TTY_COMPATIBLE") == "1"
    return not forced or _is_a_tty(console.file)


def _is_a_tty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


@contextmanager
def progress_bar(
    *columns: ProgressColumn, shown: bool = True
) -> Iterator[tuple[Progress, Callable[[], bool]]]:
    """A progress bar on stderr and a "redraw now?" clock.

    Drawn only on a terminal (:func:`draws_progress`) and when ``shown``: a
    command asked for ``--json`` draws none, as a script reads its output.
    The bar never draws from a thread of its own: scan and audit fork worker
    processes, which is only safe while no other thread runs. Callers redraw
    when the clock says so, ten times a second.
    """

    last = [0.0]

    def due() -> bool:
        now = time.monotonic()
        if now - last[0] < 0.1:
            return False
        last[0] = now
        return True

    disabled = not (shown and draws_progress(err))
    with Progress(
        *columns, console=err, transient=True, disable=disabled, auto_refresh=False
    ) as bar:
        yield bar, due


@contextmanager
def counting_bar(label: str, total: int, shown: bool = True) -> Iterator[Callable[[int], None]]:
    """A :func:`progress_bar` counting ``total`` things (unknown when 0) under ``label``;
    yields the function that advances it by a number done."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn())
    with progress_bar(*columns, shown=shown) as (bar, due):
        task = bar.add_task(label, total=total or None)

        def advance(done: int) -> None:
            bar.update(task, advance=done, refresh=due())

        yield advance


def confirmed(question: str, answered_by: str) -> bool:
    """Ask ``question`` on the terminal; a script with no one to answer it (standard input
    closed) is refused naming ``answered_by``, the option that answers it beforehand."""
    try:
        return click.confirm(question, err=True)
    except click.Abort as exc:
        click.echo(err=True)  # the question's line stays open: the Error line gets its own
        fix = f"answer it in a terminal, or give {answered_by}"
        raise unanswered(exc, repr(question), fix) from None


def parse_moment(text: str | None, option: str) -> datetime | None:
    """An ISO date or time given to ``option`` (naive means UTC), or a usage error."""

    if text is None:
        return None
    try:
        return parse_since(text)
    except MomentOutOfRange as exc:
        raise click.BadParameter(
            f"{text!r} falls outside the years 1 to 9999 once in UTC", param_hint=option
        ) from exc
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date or time: {text!r}", param_hint=option) from exc


def signed_text(_: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback for text that goes into a signed message: refused unless UTF-8.

    An approval's approver and note, and a revocation's reason, are signed as
    UTF-8 (:mod:`provenance.signing.approvals`). A terminal in another
    encoding (Latin-1's ``Zoë``) hands Python bytes it holds as lone
    surrogates, which no UTF-8 message can carry: the signature would fail
    with a traceback.
    """
    if value is None or shown(value) == value:
        return value
    raise click.BadParameter(
        f"'{on_one_line(value)}' is not UTF-8 text, which a signed approval needs: type it in a"
        " terminal set to UTF-8",
        param=param,
    )


@contextmanager
def open_lifecycle(db_url: str | None, config_path: Path | None) -> Iterator[Lifecycle]:
    """The lifecycle operations on the existing ledger, with the settings they follow."""
    # Lazy: SQLAlchemy loads only for commands that open the ledger (scan hashes first).
    from provenance.lifecycle import Lifecycle  # noqa: PLC0415
    from provenance.store import Ledger  # noqa: PLC0415

    settings = load_settings(config_path, overrides={"db": db_url}).settings
    with Ledger.existing(settings.db) as ledger:
        yield Lifecycle(notarized(ledger, settings), settings)


def notarized(ledger: Ledger, settings: Settings) -> Ledger:
    """``ledger``, signing its chain head with this machine's key after every write."""
    # Lazy: cryptography loads only for commands that open the ledger.
    from provenance.signing.checkpoints import notary_for  # noqa: PLC0415

    ledger.attach_notary(notary_for(settings, ledger.where))
    return ledger
