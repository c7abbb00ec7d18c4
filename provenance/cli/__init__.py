"""The ``provenance`` command line: the only layer that prints, exits or sets up logging.

Commands are thin: load settings, open the ledger, call one library function,
render the result. :mod:`.group` holds the group, finds each command's module
and turns errors into exit codes; :mod:`.options` what commands share; one
module per family of commands: :mod:`.ledger`, :mod:`.ingest`, :mod:`.inspect`,
:mod:`.audit`, :mod:`.lifecycle`, :mod:`.reports`, :mod:`.watch`.
"""

from __future__ import annotations

from provenance.cli.group import cli, main

__all__ = ["cli", "main"]
