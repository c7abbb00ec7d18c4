"""The lifecycle commands of the ``provenance`` command line.

Thin commands that load settings, open the ledger, call one function of
:mod:`provenance.lifecycle`, and print: approve, revoke, replace, expire,
rescreen, set-expiry, purge and restore.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from provenance import lifecycle
from provenance.cli.group import cli, echo_out
from provenance.cli.options import (
    confirmed,
    counting_bar,
    json_option,
    ledger_options,
    open_lifecycle,
    out,
    parse_moment,
    print_json,
    read_signature,
    signed_text,
    signing_options,
)
from provenance.errors import InvalidValue, TargetNotFound
from provenance.lifecycle import Approval, Lifecycle
from provenance.lifecycle.rescreen import rescreen
from provenance.lifecycle.revocations import revoke_of
from provenance.lifecycle.signing import Signing
from provenance.reports import lifecycle_views
from provenance.store import AssetQuery, QuarantineRecord
from provenance.util.json_shapes import listing
from provenance.vocab import CATEGORIES, SCOPES


@cli.command(name="approve")
@click.argument("targets", nargs=-1, required=True)
@click.option("--category", required=True, type=click.Choice(CATEGORIES), help="What is approved.")
@click.option(
    "--approver",
    required=True,
    callback=signed_text,
    help="Who approved in writing (the name on the document).",
)
@click.option(
    "--reference",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The signed document, email export or consent form; copied into the ledger.",
)
@click.option(
    "--scope",
    type=click.Choice(SCOPES),
    default="final",
    show_default=True,
    help="final: allowed in deliverables; temporary-use: allowed for now only.",
)
@click.option("--expires", metavar="DATE", help="The approval lapses at this ISO date/time (UTC).")
@click.option(
    "--note", callback=signed_text, help="Free text kept with the approval (ticket, conditions)."
)
@signing_options
@click.option(
    "--approved-at",
    metavar="DATE",
    help="When the approver signed (ISO, UTC); with --signature, the time in the signed message.",
)
@click.option(
    "--print-message",
    is_flag=True,
    help="Only print the exact text the approver signs (for ssh-keygen -Y sign -n"
    " provenance-approval); record nothing.",
)
@ledger_options
@json_option
def approve_command(
    targets: tuple[str, ...],
    category: str,
    approver: str,
    reference: Path,
    scope: str,
    expires: str | None,
    note: str | None,
    sign_with: Path | None,
    signature: Path | None,
    approved_at: str | None,
    print_message: bool,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Record a written approval of TARGETs: files, SHA-256 prefixes or an image sequence.

    An asset already approved for the category by the same approver, on the
    same document, at least as widely and as long, is listed and left alone.
    The approver signs it with their own SSH key (--sign-with, or --signature
    made elsewhere over the --print-message text); it counts only when the
    allowed_signers setting trusts that key for --approver.
    """
    request = Approval(
        category, approver, reference, scope, parse_moment(expires, "--expires"), note,
        parse_moment(approved_at, "--approved-at"), sign_with, read_signature(signature),
    )  # fmt: skip
    with open_lifecycle(db_url, config_path) as lc:
        if print_message:
            # No newline: the printed bytes are exactly what is signed (`> approval.txt`).
            echo_out(lifecycle.approval_message(lc, targets, request), nl=False)
            return
        done = lifecycle.approve(lc, targets, request)
        assets = [lc.ledger.assets.resolve(r.asset_sha256) for r in done.records]
        firsts = lc.ledger.locations.first_present(a.sha256 for a in assets)
        names = {sha: path.rsplit("/", 1)[-1] for sha, path in firsts.items()}
    if as_json:
        print_json({"approvals": [r.to_dict() for r in done.records],
                    "assets": [a.to_dict() for a in assets],
                    "already_approved": [a.to_dict() for a in done.already]})  # fmt: skip
    else:
        out.print(lifecycle_views.approved(done, assets, names))


@cli.command(name="revoke")
@click.argument("approval", required=False)
@click.option(
    "--of",
    "targets",
    multiple=True,
    metavar="TARGET",
    help="Instead of APPROVAL: every approval of TARGET (a file, SHA-256 prefix or image"
    " sequence; repeatable), all revoked at once.",
)
@click.option(
    "--category",
    type=click.Choice(CATEGORIES),
    help="With --of: only the approvals for this category.",
)
@click.option(
    "--reason",
    required=True,
    callback=signed_text,
    help="Why it is revoked (recorded in the chain).",
)
@click.option(
    "--sign-with",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="KEY",
    help="Sign the revocation with your SSH key (unsigned, it still counts; verify lists it).",
)
@ledger_options
@json_option
def revoke_command(
    approval: str | None,
    targets: tuple[str, ...],
    category: str | None,
    reason: str,
    sign_with: Path | None,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Revoke APPROVAL by its number (12 or #12), or every approval of --of TARGET...

    The assets they approved are no longer approved by them.
    """
    if (approval is None) == (not targets):
        raise click.UsageError("give an APPROVAL number or --of TARGET, not both")
    if approval is not None and not approval.lstrip("#").isdigit():
        raise click.BadParameter("give the approval's number, e.g. 12", param_hint="APPROVAL")
    if category and approval is not None:
        raise click.UsageError("--category goes with --of; APPROVAL names one approval already")
    with open_lifecycle(db_url, config_path) as lc:
        records = (
            [lifecycle.revoke(lc, int(approval.lstrip("#")), reason, Signing(sign_with))]
            if approval is not None
            else revoke_of(lc, targets, reason, category, Signing(sign_with))
        )
        assets = {r.asset_sha256: lc.ledger.assets.resolve(r.asset_sha256) for r in records}
    if as_json and approval is not None:
        print_json(
            {"approval": records[0].to_dict(), "asset": assets[records[0].asset_sha256].to_dict()}
        )
    elif as_json:
        print_json({"approvals": [r.to_dict() for r in records],
                    "assets": [a.to_dict() for a in assets.values()]})  # fmt: skip
    else:
        out.print(lifecycle_views.revoked(records, assets))


@cli.command(name="replace")
@click.argument("old")
@click.argument("new")
@click.option("--reason", help="Why (default: 'replaced by NEW').")
@ledger_options
@json_option
def replace_command(
    old: str,
    new: str,
    reason: str | None,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Record that generated asset OLD was replaced by NEW (files, hashes or sequences).

    A sequence OLD replaces its generated frames, each by NEW's frame of the
    same number when NEW is a sequence, or all by NEW when it is one file.
    """
    with open_lifecycle(db_url, config_path) as lc:
        done = lifecycle.replace(lc, old, new, reason)
    if as_json:
        rows = ({"sha256": o.asset.sha256, "replaced_by": n.asset.sha256} for o, n in done.pairs)
        print_json(listing("replacements", rows))
    else:
        out.print(lifecycle_views.replaced(done))


@cli.command(name="expire")
@ledger_options
@json_option
def expire_command(db_url: str | None, config_path: Path | None, as_json: bool) -> None:
    """Mark generated assets past their expiry as expired, and list where their copies live."""
    with open_lifecycle(db_url, config_path) as lc:
        changes = lifecycle.expire(lc)
    if as_json:
        print_json(listing("assets", (c.to_dict() for c in changes)))
    else:
        out.print(lifecycle_views.expired(changes))


@cli.command(name="rescreen")
@click.option("--dry-run", is_flag=True, help="Only list the flags that would be added.")
@ledger_options
@json_option
def rescreen_command(
    dry_run: bool, db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """Screen generated assets again against the current watchlists, tools and folder rules.

    Run it after editing a watchlist, the approved-tool list or a folder
    rule's needs: assets already in the ledger gain the flags they now
    raise (never lose one), and an approved asset that now needs another
    approval is temporary again until it gets it.
    """

    with open_lifecycle(db_url, config_path) as lc:
        generated = lc.ledger.assets.count(AssetQuery(genai=True))
        with counting_bar("screening", generated, shown=not as_json) as advance:
            result = rescreen(lc, dry_run=dry_run, progress=advance)
    if as_json:
        print_json(result.to_dict())
    else:
        out.print(lifecycle_views.rescreened(result))


@cli.command(name="set-expiry")
@click.argument("targets", nargs=-1, required=True)
@click.option("--until", required=True, metavar="DATE", help="New expiry, ISO date/time (UTC).")
@click.option("--reason", help="Why (recorded in the chain).")
@click.option("--force", is_flag=True, help="Accept an expiry in the past (expire at once).")
@ledger_options
@json_option
def set_expiry_command(
    targets: tuple[str, ...],
    until: str,
    reason: str | None,
    force: bool,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Give generated TARGET... a new expiry date (extend or shorten their time to live)."""
    moment = parse_moment(until, "--until")
    assert moment is not None
    with open_lifecycle(db_url, config_path) as lc:
        if moment <= lc.now() and not force:
            raise InvalidValue(
                f"the expiry {moment.isoformat()} is in the past",
                where="--until",
                fix="give a future date, or add --force to let the assets expire at once",
            )
        assets = lifecycle.set_expiry(lc, targets, moment, reason)
    if as_json:
        print_json(listing("assets", (a.to_dict() for a in assets)))
    else:
        out.print(lifecycle_views.assets_now(assets))


@cli.command(name="purge")
@click.argument("targets", nargs=-1)
@click.option(
    "--expired",
    "expired",
    is_flag=True,
    help="Move every present copy of expired generated assets on this host into quarantine.",
)
@click.option(
    "--delete",
    is_flag=True,
    help="Delete copies in this host's quarantine for good (TARGETs, or all); asks first.",
)
@click.option("--dry-run", is_flag=True, help="Only list what would be moved or deleted.")
@click.option("--yes", is_flag=True, help="With --delete: do not ask for confirmation.")
@click.option(
    "--reason",
    default="deleted from quarantine",
    show_default=True,
    help="With --delete: recorded with each deletion.",
)
@ledger_options
@json_option
def purge_command(
    targets: tuple[str, ...],
    expired: bool,
    delete: bool,
    dry_run: bool,
    yes: bool,
    reason: str,
    db_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Quarantine expired assets' copies (--expired), or delete quarantined copies (--delete)."""
    if expired == delete:
        raise click.UsageError("give exactly one of --expired or --delete")
    if expired and targets:
        raise click.UsageError("--expired takes no TARGET: it purges everything expired")
    with open_lifecycle(db_url, config_path) as lc:
        if expired:
            with counting_bar("quarantining", 0, shown=not as_json) as advance:
                result = lifecycle.purge_expired(lc, dry_run=dry_run, progress=advance)
            if as_json:
                print_json(result.to_dict())
            else:
                out.print(lifecycle_views.purged(result))
        else:
            _delete(lc, targets, reason, dry_run=dry_run, yes=yes, as_json=as_json)


def _delete(
    lc: Lifecycle,
    targets: tuple[str, ...],
    reason: str,
    *,
    dry_run: bool,
    yes: bool,
    as_json: bool,
) -> None:
    entries = lifecycle.plan_delete(lc, targets)
    if not entries:
        raise TargetNotFound("nothing in this host's quarantine to delete")
    if not as_json:
        out.print(lifecycle_views.quarantine_entries(entries, "In quarantine, to delete"))
    if dry_run:
        if as_json:
            print_json(_deletion(entries, [], dry_run=True))
        return
    if not yes and not confirmed(f"Delete these {len(entries)} file(s) for good?", "--yes"):
        # Declining is an answer, not a failure: exit 0 (1 would read as "blocked").
        if as_json:
            print_json(_deletion(entries, [], dry_run=False))
        else:
            out.print("Nothing done: no file was deleted.")
        return
    with counting_bar("checking before deleting", len(entries), shown=not as_json) as advance:
        deleted = lifecycle.delete_quarantined(lc, entries, reason, progress=advance)
    if as_json:
        print_json(_deletion(entries, deleted, dry_run=False))
    else:
        out.print(f"Deleted {len(deleted)} quarantined file(s); each deletion is recorded.")


def _deletion(
    planned: Sequence[QuarantineRecord], deleted: Sequence[QuarantineRecord], *, dry_run: bool
) -> dict[str, object]:
    """``purge --delete --json``: the copies chosen, and those deleted (none in a dry run)."""
    chosen = listing("would_delete", (e.to_dict() for e in planned), dry_run=dry_run)
    return chosen | listing("deleted", (e.to_dict() for e in deleted))


@cli.command(name="restore")
@click.argument("targets", nargs=-1, required=True)
@ledger_options
@json_option
def restore_command(
    targets: tuple[str, ...], db_url: str | None, config_path: Path | None, as_json: bool
) -> None:
    """Move quarantined copies back where they were (by hash, original path, folder or sequence)."""
    with open_lifecycle(db_url, config_path) as lc:
        result = lifecycle.restore(lc, targets)
    if as_json:
        print_json(result.to_dict())
    else:
        out.print(lifecycle_views.restored(result))
