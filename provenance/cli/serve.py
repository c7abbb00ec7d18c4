"""``provenance serve``: the read-only web view of the ledger, for people who do not use a shell."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import click

from provenance.cli.group import cli
from provenance.cli.options import ledger_options, out, settings_for
from provenance.errors import CannotListen


@cli.command(name="serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but this machine (127.0.0.1, ::1) needs --token or "
    "the web_auth_header setting.",
)
@click.option(
    "--port",
    default=8750,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="TCP port to listen on.",
)
@click.option(
    "--token",
    metavar="SECRET",
    help="A secret every browser must give (default: the web_token setting).",
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Requests answered at once.")  # fmt: skip
@ledger_options
def serve(
    host: str,
    port: int,
    token: str | None,
    threads: int,
    db_url: str | None,
    config_path: Path | None,
) -> None:
    """Show the ledger in a browser: search, assets' stories, shows' dashboards. Read-only."""
    # Lazy: Flask and waitress load only for this command.
    from waitress.server import create_server  # noqa: PLC0415

    from provenance.store import Ledger  # noqa: PLC0415
    from provenance.web.app import create_app  # noqa: PLC0415
    from provenance.web.guard import Guard  # noqa: PLC0415
    from provenance.web.thumbs import default_cache  # noqa: PLC0415

    settings = settings_for(db_url, config_path).settings
    # Two walls: the reader's login or role (when the settings name one) has no grant to
    # write, and every transaction is read-only whatever the login may do.
    url = db_url or settings.web_db or settings.db
    with Ledger.existing(url, read_only=True, role=settings.web_db_role) as ledger:
        guard = Guard.for_host(host, token or settings.web_token, settings.web_auth_header)
        app = create_app(ledger, settings, guard, default_cache())
        # Bound before "Serving ... at" is said: that line must not name an address that
        # another program holds, nor be followed by a traceback.
        try:
            server = create_server(app, host=host, port=port, threads=threads, ident="provenance")
        except (OSError, ValueError) as exc:  # ValueError: a host name that resolves to nothing
            raise CannotListen(
                f"cannot listen there ({getattr(exc, 'strerror', None) or exc})",
                where=f"{host}:{port}",
                fix="give another --port (or --host), or stop what listens there",
            ) from exc
        out.print(f"Serving {ledger.where} read-only at {_address(host, port, guard.token)}")
        out.print("Press Ctrl-C to stop.")
        try:
            server.run()
        except KeyboardInterrupt:
            out.print("Stopped.")
        finally:
            server.close()


def _address(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    query = f"/?token={quote(token)}" if token else "/"
    return f"http://{shown}:{port}{query}"
