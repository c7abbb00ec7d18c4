"""What the tests of this machine's memories (checked ranges, checked indexes) share."""

from __future__ import annotations

import json
from pathlib import Path

from provenance.signing.allowed import AllowedSigners, Signer

TRUSTED = AllowedSigners((Signer(("*",), "ssh-ed25519 AAAA"),))
"""The machine keys a memory is written under."""
WIDER = AllowedSigners((*TRUSTED.signers, Signer(("render-07",), "ssh-ed25519 BBBB")))
"""One more trusted key: a memory written under :data:`TRUSTED` is then as good as none."""


def rewrite(path: Path, text: str) -> None:
    """Replace the memory at ``path`` with ``text``, whose ``%s`` becomes the trust stamp the
    memory held (a damaged memory that still claims the keys it was written under)."""
    trust = json.loads(path.read_text())["trust"]
    path.write_text(text.replace("%s", trust))
