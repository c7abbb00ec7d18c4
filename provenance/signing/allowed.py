"""``allowed_signers`` files: which keys may sign, as whom, for what (git's format).

One signer a line, as ``ssh-keygen -Y verify`` and git read them::

    jane@studio,"Jane Doe (VFX supervisor)" namespaces="provenance-approval" ssh-ed25519 AAAA...
    *@studio.example ssh-ed25519 AAAA... a comment

The first field lists the signer's principals (comma separated, quoted when
they hold spaces, ``*`` and ``?`` as wildcards, ``!`` to exclude); options
may follow (``namespaces=``, ``valid-after=``, ``valid-before=``;
``cert-authority`` lines are skipped: certificates are not supported); then
the public key. Lines starting with ``#`` and blank lines are ignored.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from provenance.errors import ConfigError
from provenance.files.opening import TooLarge, read_regular

MAX_FILE_BYTES = 4 * 1024 * 1024
KEY_PREFIXES = ("ssh-", "ecdsa-", "sk-", "rsa-")
OPTIONS = frozenset({"cert-authority", "namespaces", "valid-after", "valid-before"})
"""The options ``ssh-keygen -Y verify`` knows (in any case); it refuses a line with another."""


@dataclass(frozen=True)
class Signer:
    """One line of an allowed_signers file."""

    principals: tuple[str, ...]
    key: str  # "type base64", the comment dropped
    namespaces: tuple[str, ...] | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None

    def matches(self, principal: str) -> bool:
        """Whether ``principal`` is one of this signer's (patterns honoured, ``!`` excludes)."""
        hit = False
        for pattern in self.principals:
            if pattern.startswith("!"):
                if fnmatch.fnmatchcase(principal, pattern[1:]):
                    return False
            elif fnmatch.fnmatchcase(principal, pattern):
                hit = True
        return hit

    def usable(self, namespace: str, at: datetime | None) -> bool:
        """Whether this line allows signing for ``namespace`` at time ``at``."""
        if self.namespaces is not None and not any(
            fnmatch.fnmatchcase(namespace, n) for n in self.namespaces
        ):
            return False
        if at is not None and self.valid_after is not None and at < self.valid_after:
            return False
        return not (at is not None and self.valid_before is not None and at >= self.valid_before)


@dataclass(frozen=True)
class AllowedSigners:
    """The trusted signers of one or more files (and keys added in code, e.g. this machine's)."""

    signers: tuple[Signer, ...] = ()

    def allows(self, principal: str, key: str, namespace: str, at: datetime | None = None) -> bool:
        """Whether ``key`` may sign for ``namespace`` as ``principal`` (at ``at``)."""
        wanted = normal_key(key)
        return any(
            s.key == wanted and s.usable(namespace, at) and s.matches(principal)
            for s in self.signers
        )

    def knows(self, key: str, namespace: str, at: datetime | None = None) -> bool:
        """Whether ``key`` may sign for ``namespace`` as anyone."""
        wanted = normal_key(key)
        return any(s.key == wanted and s.usable(namespace, at) for s in self.signers)

    def principals_of(self, key: str, namespace: str, at: datetime | None = None) -> list[str]:
        """The principals (patterns as written) ``key`` may sign for ``namespace`` as, at ``at``."""
        wanted = normal_key(key)
        return [
            p
            for s in self.signers
            if s.key == wanted and s.usable(namespace, at)
            for p in s.principals
            if not p.startswith("!")
        ]

    def plus(self, signers: Iterable[Signer]) -> AllowedSigners:
        """These signers and more."""
        return AllowedSigners((*self.signers, *signers))


def normal_key(line: str) -> str:
    """``type base64`` of an OpenSSH public key line (comment dropped)."""
    return " ".join(line.split()[:2])


def load(path: Path | str | None) -> AllowedSigners:
    """Read an allowed_signers file; ``None`` is an empty list (nobody trusted)."""
    if path is None:
        return AllowedSigners()
    where = Path(path).expanduser()
    try:
        data = read_regular(where, MAX_FILE_BYTES)
    except TooLarge as exc:
        raise ConfigError("the allowed_signers file is too large", where=where) from exc
    except OSError as exc:
        raise ConfigError(
            f"cannot read the allowed_signers file ({exc.strerror or exc})",
            where=where,
            fix="check the path in the settings",
        ) from exc
    return parse(data.decode("utf-8", errors="replace"), str(where))


def parse(text: str, where: str) -> AllowedSigners:
    """Parse allowed_signers text; a malformed line is an error naming it."""
    signers = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            signer = _line(stripped)
        except ValueError as exc:
            raise ConfigError(
                f"bad allowed_signers line ({exc})",
                where=f"{where}:{number}",
                fix="see `man ssh-keygen`, ALLOWED SIGNERS",
            ) from exc
        if signer is not None:
            signers.append(signer)
    return AllowedSigners(tuple(signers))


def _line(line: str) -> Signer | None:
    fields = list(_tokens(line))
    if len(fields) < 3:
        raise ValueError("expected principals, optional options, key type and key")
    principals = tuple(p for p in fields[0].replace('"', "").split(",") if p)
    options: dict[str, str] = {}
    rest = fields[1:]
    if not rest[0].startswith(KEY_PREFIXES):
        options, rest = _options(rest[0], fields[0]), rest[1:]
    if len(rest) < 2 or not rest[0].startswith(KEY_PREFIXES):
        raise ValueError("no public key")
    if "cert-authority" in options:
        return None
    namespaces = options.get("namespaces")
    return Signer(
        principals,
        f"{rest[0]} {rest[1]}",
        tuple(namespaces.split(",")) if namespaces is not None else None,
        _moment(options.get("valid-after")),
        _moment(options.get("valid-before")),
    )


def _tokens(line: str) -> Iterator[str]:
    """Whitespace-separated fields; double quotes (kept) protect spaces."""
    field: list[str] = []
    quoted = started = False
    for char in line:
        if char == '"':
            quoted, started = not quoted, True
            field.append(char)
        elif char.isspace() and not quoted:
            if started:
                yield "".join(field)
            field, started = [], False
        else:
            field.append(char)
            started = True
    if quoted:
        raise ValueError("unclosed quote")
    if started:
        yield "".join(field)


def _options(text: str, principals: str) -> dict[str, str]:
    """``name[="value"]`` items separated by commas outside quotes (after ``principals``)."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    found = {}
    for item in items:
        name, _, value = item.partition("=")
        if name.lower() not in OPTIONS:
            raise ValueError(_unknown(name, principals))
        found[name.lower()] = value
    return found


def _unknown(name: str, principals: str) -> str:
    """Why an option is refused; a bare word is most often a name's second word, unquoted."""
    if name.isalnum() and "," not in principals:
        name_meant = principals.replace('"', "") + " " + name
        return f'unknown option {name!r}: a principal with spaces is quoted, as in "{name_meant}"'
    return f"unknown option {name!r}"


def _moment(text: str | None) -> datetime | None:
    """``YYYYMMDD[HHMM[SS]]`` (UTC when ``Z`` or no zone is given)."""
    if text is None:
        return None
    digits = text.rstrip("Zz")
    for pattern in ("%Y%m%d%H%M%S", "%Y%m%d%H%M", "%Y%m%d"):
        try:
            return datetime.strptime(digits, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"bad time {text!r}")
