"""What a C2PA validation's failure codes say: the record changed after signing, or only
that its signer is unknown or lapsed (C2PA 2.x, 15.2.1).

:mod:`provenance.detectors.c2pa_claims` reads a manifest store into evidence;
this module sorts the failures it reports (of the store, and those a manifest
recorded of its ingredients when it took them in) by the manifest they concern
and by what they mean for the gate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_INGREDIENTS = 256
MAX_TEXT = 512

# Failure codes about who signed, not about what was signed (C2PA 2.x, 15.2.1): the claim
# and its bindings are intact. The first set leaves a manifest Valid, the second makes it
# Invalid all the same (a certificate out of its validity, a time-stamp not vouched for).
# signingCredential.revoked is in neither on purpose: a revoked key may have signed anything.
SIGNER_UNKNOWN = frozenset(
    {
        "signingCredential.untrusted",
        "signingCredential.ocsp.skipped",
        "signingCredential.ocsp.inaccessible",
    }
)
SIGNER_LAPSED = frozenset(
    {
        "signingCredential.expired",
        "signingCredential.ocsp.unknown",
        "timeStamp.untrusted",
        "timeStamp.outsideValidity",
    }
)
INVALID_UNEXPLAINED = "Invalid with no failure code that explains it"


def signer_unknown(code: str) -> bool:
    """Whether ``code`` says only that the signer is not known (the claim is intact)."""
    # CAWG identity assertions name the actor: failing, they leave the actor unconfirmed,
    # like an unknown signer. A changed identity assertion fails the claim's own hashed URI.
    return code in SIGNER_UNKNOWN or code.startswith("cawg.")


def about_signer(code: str) -> bool:
    """Whether ``code`` is about who signed (unknown or lapsed), not about what was signed."""
    return signer_unknown(code) or code in SIGNER_LAPSED


def failure_codes(store: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(URL, code) of each failure a store (or an ingredient assertion) reports."""
    items = list(as_list(store.get("validation_status")))
    results = store.get("validation_results")
    if isinstance(results, Mapping):
        active = results.get("activeManifest")
        if isinstance(active, Mapping):
            items += as_list(active.get("failure"))
        for delta in as_list(results.get("ingredientDeltas")):
            deltas = delta.get("validationDeltas") if isinstance(delta, Mapping) else None
            if isinstance(deltas, Mapping):
                items += as_list(deltas.get("failure"))
    return [
        (str(i.get("url", "")), str(i.get("code", ""))) for i in items if isinstance(i, Mapping)
    ]


def recorded_codes(manifests: Sequence[object]) -> list[tuple[str, str]]:
    """The failures each manifest recorded of its ingredients' manifests when it took them in.

    A file whose camera manifest no longer matches it, opened in an editor
    and signed again, validates today: the editor's claim is intact, and the
    ingredient's own manifest is judged by what the editor found then. So a
    failure recorded in the ingredient assertion counts as the ingredient
    manifest's own (a code whose URL names no manifest is the ingredient's).
    """
    found: list[tuple[str, str]] = []
    for data in manifests:
        ingredients = data.get("ingredients") if isinstance(data, Mapping) else None
        for ingredient in as_list(ingredients)[:MAX_INGREDIENTS]:
            if isinstance(ingredient, Mapping):
                own = short_text(ingredient.get("active_manifest"))
                found += [
                    (url if "/c2pa/" in url or own is None else f"self#jumbf=/c2pa/{own}/", code)
                    for url, code in failure_codes(ingredient)
                ]
    return found


def concerns(url: str, label: str) -> bool:
    """Whether a failure at ``url`` concerns the manifest labelled ``label``."""
    return f"/{label}/" in url or url.endswith(f"/{label}")


def as_list(value: object) -> list[Any]:
    """A JSON array as a list; anything else as an empty one."""
    return list(value) if isinstance(value, (list, tuple)) else []


def short_text(value: object) -> str | None:
    """A JSON string, stripped and cut to :data:`MAX_TEXT`; None for anything else or blank."""
    if isinstance(value, str) and value.strip():
        return value.strip()[:MAX_TEXT]
    return None
