"""C2PA manifests ("Content Credentials"), read with the C2PA SDK (c2pa-python).

A C2PA manifest is a signed record of where a file came from, embedded in
the file (JUMBF in JPEG ``APP11``, a PNG ``caBX`` chunk, a RIFF ``C2PA``
chunk, a BMFF ``uuid`` box, ...) or kept next to it as ``<file>.c2pa``. This
detector finds it, lets the SDK validate it, and hands the manifest store to
:mod:`provenance.detectors.c2pa_claims`, which turns claims into evidence.

Three rules:

* **No network, ever.** The SDK would fetch a remote manifest (a URL in XMP
  ``dcterms:provenance``), OCSP responses, and identity documents. The
  reader's context disables all three and allows no network host at all; a
  remote manifest is recorded as a neutral item with its URL.
* **Validation sits next to the claim.** The validation state (``Trusted``,
  ``Valid``, ``Invalid``) and failure codes are recorded with every item and
  never erase a claim. Trust anchors come from the ``c2pa_trust_anchors``
  setting (a PEM bundle: a studio's CA, or the C2PA trust list); by default no
  one is trusted and good signatures report "signer not on the trust list".
* **Cheap when absent.** Where a container check proves there is no manifest
  (see :mod:`provenance.detectors.c2pa_presence`) the SDK is not called.
"""

from __future__ import annotations

import functools
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from provenance.detectors.base import DetectorContext, markers_unread_evidence
from provenance.detectors.c2pa_claims import store_evidence
from provenance.detectors.c2pa_presence import manifest_place, may_hold_c2pa, unnamed_place
from provenance.detectors.sidecars import sidecar_paths
from provenance.errors import ConfigError
from provenance.evidence import Evidence
from provenance.files.opening import open_regular
from provenance.settings import Settings

MAX_SIDECAR_BYTES = 64 * 1024 * 1024
MAX_ANCHORS_BYTES = 16 * 1024 * 1024
C2PA_MIME = "application/c2pa"

# Extended key usages accepted on signing certificates (c2pa-rs
# valid_eku_oids.cfg plus the C2PA claim-signing EKU): without this list
# genuine Microsoft and OpenAI signatures report "Invalid".
SIGNING_EKUS = (
    "1.3.6.1.5.5.7.3.4",  # emailProtection
    "1.3.6.1.5.5.7.3.36",  # documentSigning
    "1.3.6.1.5.5.7.3.8",  # timeStamping
    "1.3.6.1.5.5.7.3.9",  # OCSPSigning
    "1.3.6.1.4.1.311.76.59.1.9",  # Microsoft C2PA signing
    "1.3.6.1.4.1.62558.2.1",  # C2PA claim signing
)

_URL = re.compile(r"https?://[^\s\"'<>]+")


def reader_settings(trust_anchors_pem: str | None) -> dict[str, Any]:
    """The SDK settings used for every read: offline, with the given trust anchors."""
    trust: dict[str, Any] = {"trust_config": "\n".join(SIGNING_EKUS) + "\n"}
    if trust_anchors_pem:
        trust["trust_anchors"] = trust_anchors_pem
    return {
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        "core": {"allowed_network_hosts": []},
        "trust": trust,
    }


def sdk() -> Any:
    """The c2pa-python module, imported on first use.

    It loads a native library, a tenth of a second: files whose container
    check proves they hold no manifest (most files) never pay for it.
    """
    import c2pa  # noqa: PLC0415

    return c2pa


@functools.lru_cache(maxsize=8)
def _context_for(anchors: str | None) -> Any:
    return sdk().Context.from_dict(reader_settings(anchors))


def reader_context(settings: Settings) -> Any:
    """The SDK context for these settings (cached per trust-anchor bundle)."""
    return _context_for(_read_anchors(settings.c2pa_trust_anchors))


def _read_anchors(location: str | None) -> str | None:
    if not location:
        return None
    path = Path(location).expanduser()
    try:
        with open_regular(path) as stream:
            data = stream.read(MAX_ANCHORS_BYTES)
    except OSError as exc:
        raise ConfigError(
            f"cannot read the C2PA trust anchors ({exc.strerror})",
            where=path,
            fix="fix or unset c2pa_trust_anchors",
        ) from exc
    return data.decode("ascii", errors="replace")


@functools.cache
def _supported() -> frozenset[str]:
    return frozenset(sdk().Reader.get_supported_mime_types())


def _format_hint(mime: str) -> str | None:
    # A MIME type the SDK does not know would be taken as a sidecar hint; None lets it sniff.
    return mime if mime in _supported() else None


def sdk_reads(path: Path, mime: str, fmt: str | None) -> bool:
    """True when the SDK knows this file's type (by MIME type, format or extension)."""
    supported = _supported()
    return mime in supported or fmt in supported or path.suffix.lower().lstrip(".") in supported


class C2paDetector:
    """Embedded and sidecar C2PA manifests: claims, source types, signers, validation."""

    name = "c2pa"

    def detect(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Yield evidence from the embedded manifest store and any ``.c2pa`` sidecar."""
        standalone = ctx.facts.format == "c2pa" or ctx.facts.mime == C2PA_MIME
        # The container check comes first: it needs no SDK, and most files fail it.
        may_hold = standalone or may_hold_c2pa(ctx.path, ctx.facts.format, ctx.xmp_packets)
        if may_hold and sdk_reads(ctx.path, ctx.facts.mime, ctx.facts.format):
            yield from self._embedded(ctx, standalone)
        if not standalone:
            yield from self._unnamed(ctx)
        for sidecar in sidecar_paths(ctx.path, ".c2pa"):
            yield from self._sidecar(ctx, sidecar)

    def _embedded(self, ctx: DetectorContext, standalone: bool) -> Iterator[Evidence]:
        source = "standalone manifest store" if standalone else "embedded"
        hint = C2PA_MIME if standalone else _format_hint(ctx.facts.mime)
        with open_regular(ctx.path) as stream:
            yield from self._read(ctx, stream, hint, None, source)

    def _sidecar(self, ctx: DetectorContext, sidecar: Path) -> Iterator[Evidence]:
        data = _read_sidecar(sidecar)
        source = f"sidecar {sidecar.name}"
        if not sdk_reads(ctx.path, ctx.facts.mime, ctx.facts.format):
            # The SDK cannot check the binding to this asset: read the claims alone.
            unbound = f"{source}, binding not checked"
            yield from self._read(ctx, io.BytesIO(data), C2PA_MIME, None, unbound)
            return
        with open_regular(ctx.path) as stream:
            yield from self._read(ctx, stream, _format_hint(ctx.facts.mime), data, source)

    def _read(
        self,
        ctx: DetectorContext,
        stream: BinaryIO,
        hint: str | None,
        manifest: bytes | None,
        source: str,
    ) -> Iterator[Evidence]:
        c2pa = sdk()
        try:
            reader = c2pa.Reader.try_create(hint, stream, manifest, reader_context(ctx.settings))
        except c2pa.C2paError as exc:
            yield self._failure(str(exc) or type(exc).__name__, source)
            return
        if reader is None:
            yield from self._none_found(ctx, source)
            return
        with reader:
            store = json.loads(reader.json())
        items = list(store_evidence(store, self.name, source))
        if not items:  # a store whose every manifest failed to decode (a damaged claim)
            state = str(store.get("validation_state"))[:40]
            detail = f"C2PA manifest ({source}) could not be read: no manifest in it decodes"
            items = [markers_unread_evidence(self.name, f"{detail} (validation state {state})")]
        yield from items

    def _none_found(self, ctx: DetectorContext, source: str) -> Iterator[Evidence]:
        """The SDK found no store: unread markers when the file has the place one lives in.

        The SDK finds a store by its JUMBF labels; one damaged byte there, and
        it reports nothing at all for a manifest still in the file.
        """
        place = manifest_place(ctx.path, ctx.facts.format) if source == "embedded" else None
        if place is not None:
            yield markers_unread_evidence(
                self.name,
                f"C2PA manifest ({source}) could not be read: the file has a {place}"
                " and no manifest store was found in it (damaged)",
            )

    def _unnamed(self, ctx: DetectorContext) -> Iterator[Evidence]:
        """Unread markers for a store in a place whose name was damaged (the SDK never looks)."""
        place = unnamed_place(ctx.path, ctx.facts.format)
        if place is not None:
            yield markers_unread_evidence(
                self.name, f"C2PA manifest (embedded) could not be read: the file has a {place}"
            )

    def _failure(self, message: str, source: str) -> Evidence:
        url = _URL.search(message)
        if message.startswith("Remote") and url:
            return Evidence(
                detector=self.name,
                kind="c2pa-remote-manifest",
                detail=f"C2PA manifest is remote, at {url.group(0)} "
                "(not fetched: no network access)",
                fields={"url": url.group(0), "source": source},
            )
        return markers_unread_evidence(
            self.name, f"C2PA manifest ({source}) could not be read: {message[:300]}"
        )


def _read_sidecar(path: Path) -> bytes:
    with open_regular(path) as stream:
        data = stream.read(MAX_SIDECAR_BYTES + 1)
    if len(data) > MAX_SIDECAR_BYTES:
        raise ValueError(f"C2PA sidecar {path.name} is larger than {MAX_SIDECAR_BYTES} bytes")
    return data


DETECTOR = C2paDetector()
