"""Reading a C2PA manifest store (as ``Reader.json()`` returns it) into evidence.

A *manifest store* holds one manifest per step of a file's history: the
*active* manifest describes the file as it is, and each *ingredient* that had
its own manifest (a generated image later opened in Photoshop, say) keeps it
in the store too. Generative-AI evidence often sits only in an ingredient, so
every manifest is read, not just the active one.

Each manifest is a signed *claim*: who made it (``claim_generator`` in v1,
``claim_generator_info`` in v2), who signed it (``signature_info``), and
*assertions*, of which the actions (``c2pa.actions``/``c2pa.actions.v2``) say
what happened: ``c2pa.created``, ``c2pa.edited``, ``c2pa.placed``... each with
an optional ``digitalSourceType`` (see :mod:`provenance.detectors.sourcetypes`), a
``softwareAgent`` and a ``description``.

What becomes evidence:

* every manifest: a neutral ``c2pa-manifest`` item naming the claim generator,
  the signer and the validation outcome;
* a manifest whose integrity check fails (the claim signature, or the hash
  binding to the content or to an assertion, does not hold: the file or its
  record changed after signing): a ``record-tampered`` item, on which the gate
  fails closed. A signer that is merely unknown (no trust anchor for it), an
  expired certificate or an unconfirmed CAWG identity says nothing about
  tampering: the claim is intact, only as strong as its signer;
* an action whose source type means *generated*: ``genai``, strong — even
  when the signature does not validate (the detail says so: a broken
  signature on a genAI claim is still a genAI claim);
* an action whose source type means *captured* or *human-made*:
  ``not_genai``, strong only when the signer is trusted;
* a generator named by the claim (Bing's "Image Creator", Firefly 2023's
  ``com.adobe.generative-ai`` assertion, an "AI generated" description)
  where no source type says so: ``genai``, medium (strong with an AI
  description);
* other source types (``composite``, ``algorithmicMedia``, ``empty``):
  neutral.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from provenance.detectors.base import tampered_evidence
from provenance.detectors.c2pa_validation import (
    INVALID_UNEXPLAINED,
    MAX_TEXT,
    SIGNER_LAPSED,
    about_signer,
    as_list,
    concerns,
    failure_codes,
    recorded_codes,
    short_text,
    signer_unknown,
)
from provenance.detectors.software_names import SoftwareMatch, match_software, product_name
from provenance.detectors.sourcetypes import SourceType, lookup
from provenance.evidence import Evidence
from provenance.tools import UNKNOWN_GENAI
from provenance.vocab import Confidence

MAX_MANIFESTS = 256
MAX_ACTIONS = 256

Role = Literal["active", "ingredient"]

_AI_DESCRIPTION = re.compile(
    r"\bAI[\s-]+generated\b|generated\s+(?:by|with)\s+(?:an?\s+)?AI\b|generative\s+AI|synthid"
    r"|text[\s_-]to[\s_-](?:image|video|audio|speech)",
    re.IGNORECASE,
)
_GENAI_ASSERTIONS = ("com.adobe.generative-ai",)


@dataclass(frozen=True)
class Action:
    """One action of an actions assertion."""

    action: str
    source_type: str | None
    agent: str | None
    description: str | None


@dataclass(frozen=True)
class Manifest:
    """What one manifest of the store says, flattened."""

    label: str
    role: Role
    generator: str
    names: tuple[str, ...]  # claim generator and software names, for tool matching
    signer: str
    failures: tuple[str, ...]
    state: str | None
    actions: tuple[Action, ...]
    ai_assertions: tuple[str, ...]

    def fields(self) -> dict[str, str]:
        """Evidence fields shared by every item from this manifest."""
        found = {"manifest": self.label, "role": self.role, "claim_generator": self.generator}
        found |= {"signer": self.signer} if self.signer else {}
        found |= {"validation_state": self.state} if self.state else {}
        found |= {"validation_failures": ", ".join(self.failures)} if self.failures else {}
        return found

    @property
    def trusted(self) -> bool:
        """True when the signature validates against a configured trust anchor."""
        return self.state == "Trusted" and not self.failures

    @property
    def signature_ok(self) -> bool:
        """True when nothing but an unknown signer was reported (the claim is intact)."""
        return self.state != "Invalid" and all(signer_unknown(c) for c in self.failures)

    @property
    def broken(self) -> tuple[str, ...]:
        """Why the record's integrity check fails (it changed after signing); empty when it holds.

        Every failure code not about the signer counts, unknown ones too: a
        gate cannot vouch for what it cannot explain. So does an ``Invalid``
        state that no reported code explains.
        """
        codes = tuple(c for c in self.failures if not about_signer(c))
        lapsed = any(c in SIGNER_LAPSED for c in self.failures)
        if not codes and self.state == "Invalid" and not lapsed:
            return (INVALID_UNEXPLAINED,)
        return codes

    def validation(self) -> str:
        """The validation outcome in words."""
        if self.trusted:
            return "signature valid and trusted"
        if self.broken:
            return f"signature or hash binding does NOT validate ({', '.join(self.broken)})"
        if not self.signature_ok:
            lapsed = [code for code in self.failures if code in SIGNER_LAPSED]
            return f"claim intact, signer's credential not valid ({', '.join(lapsed)})"
        return "signature valid, signer not on the trust list"


def store_evidence(store: Mapping[str, Any], detector: str, source: str) -> Iterator[Evidence]:
    """Every evidence item a manifest store yields; ``source`` says where it was read."""
    for manifest in read_manifests(store):
        yield _claim_item(manifest, detector, source)
        if manifest.broken:
            yield _tampered_item(manifest, detector, source)
        yield from _action_items(manifest, detector)
        yield from _name_items(manifest, detector)


def read_manifests(store: Mapping[str, Any]) -> list[Manifest]:
    """The store's manifests, active first, at most :data:`MAX_MANIFESTS`."""
    manifests = store.get("manifests")
    if not isinstance(manifests, Mapping):
        return []
    active = store.get("active_manifest")
    labels = sorted(manifests, key=lambda label: label != active)[:MAX_MANIFESTS]
    codes = failure_codes(store) + recorded_codes([manifests[label] for label in labels])
    state = short_text(store.get("validation_state"))
    return [
        _manifest(str(label), manifests[label], label == active, codes, state)
        for label in labels
        if isinstance(manifests[label], Mapping)
    ]


def _manifest(
    label: str,
    data: Mapping[str, Any],
    active: bool,
    codes: Sequence[tuple[str, str]],
    state: str | None,
) -> Manifest:
    infos = [i for i in as_list(data.get("claim_generator_info")) if isinstance(i, Mapping)]
    info_names = [short_text(i.get("name")) for i in infos]
    v1 = short_text(data.get("claim_generator"))
    generator = (_info_text(infos[0]) if infos else None) or v1 or "an unnamed claim generator"
    assertions = [a for a in as_list(data.get("assertions")) if isinstance(a, Mapping)]
    failures = tuple(dict.fromkeys(code for url, code in codes if concerns(url, label)))
    return Manifest(
        label=label,
        role="active" if active else "ingredient",
        generator=generator[:MAX_TEXT],
        names=tuple(n for n in (*info_names, v1) if n),
        signer=_signer(data.get("signature_info")),
        failures=failures,
        state=state if active else None,
        actions=tuple(_actions(assertions, infos)),
        ai_assertions=tuple(_ai_assertions(assertions)),
    )


def _signer(info: object) -> str:
    if not isinstance(info, Mapping):
        return ""
    parts = [short_text(info.get("issuer")), short_text(info.get("common_name"))]
    return " / ".join(p for p in parts if p)[:MAX_TEXT]


def _actions(
    assertions: Sequence[Mapping[str, Any]], infos: Sequence[Mapping[str, Any]]
) -> Iterator[Action]:
    count = 0
    for assertion in assertions:
        label = str(assertion.get("label", ""))
        data = assertion.get("data")
        if not label.startswith("c2pa.actions") or not isinstance(data, Mapping):
            continue
        agents = as_list(data.get("softwareAgents")) or list(infos)
        for item in as_list(data.get("actions")):
            if isinstance(item, Mapping) and count < MAX_ACTIONS:
                count += 1
                yield _action(item, agents)


def _action(item: Mapping[str, Any], agents: Sequence[Any]) -> Action:
    params = item.get("parameters")
    description = short_text(item.get("description"))
    if description is None and isinstance(params, Mapping):
        description = short_text(params.get("description"))
    agent = _agent_name(item.get("softwareAgent"))
    index = item.get("softwareAgentIndex")
    if agent is None and isinstance(index, int) and 0 <= index < len(agents):
        agent = _agent_name(agents[index])
    operation = _operation(params)
    if operation and not description:
        description = operation
    return Action(
        str(item.get("action", ""))[:MAX_TEXT],
        short_text(item.get("digitalSourceType")),
        agent,
        description,
    )


def _operation(params: object) -> str | None:
    if not isinstance(params, Mapping):
        return None
    for key, value in params.items():
        if str(key).endswith("operation"):
            return short_text(value)
    return None


def _agent_name(value: object) -> str | None:
    if isinstance(value, Mapping):
        return _info_text(value)
    return short_text(value)


def _info_text(info: Mapping[str, Any]) -> str | None:
    name, version = short_text(info.get("name")), short_text(info.get("version"))
    return f"{name} {version}" if name and version else name


def _ai_assertions(assertions: Sequence[Mapping[str, Any]]) -> Iterator[str]:
    for assertion in assertions:
        label = str(assertion.get("label", ""))
        if label.startswith(_GENAI_ASSERTIONS):
            data = assertion.get("data")
            detail = short_text(data.get("description")) if isinstance(data, Mapping) else None
            yield detail or label


def _claim_item(manifest: Manifest, detector: str, source: str) -> Evidence:
    signer = f", signed by {manifest.signer}" if manifest.signer else ""
    return Evidence(
        detector=detector,
        kind="c2pa-manifest",
        detail=f"C2PA {manifest.role} manifest ({source}) by {manifest.generator}{signer}; "
        f"{manifest.validation()}",
        fields=manifest.fields() | {"source": source},
    )


def _tampered_item(manifest: Manifest, detector: str, source: str) -> Evidence:
    return tampered_evidence(
        detector,
        f"C2PA {manifest.role} manifest ({source}) by {manifest.generator} fails validation "
        f"({', '.join(manifest.broken)}): the file or its provenance record changed after "
        "signing, so what it claims cannot be vouched for",
        manifest.fields() | {"source": source},
    )


def _action_items(manifest: Manifest, detector: str) -> Iterator[Evidence]:
    for action in manifest.actions:
        term = lookup(action.source_type)
        if action.source_type and term is None:
            yield _neutral_action(manifest, action, detector, "an unrecognised digital source type")
        elif term is not None and term.meaning == "generated":
            yield _generated_action(manifest, action, term, detector)
        elif term is not None and term.meaning in ("capture", "human"):
            yield _origin_action(manifest, action, term, detector)
        elif term is not None:
            yield _neutral_action(manifest, action, detector, f"'{term.tail}' ({term.description})")


def _generated_action(
    manifest: Manifest, action: Action, term: SourceType, detector: str
) -> Evidence:
    return Evidence(
        detector=detector,
        kind="c2pa-digital-source-type",
        detail=f"C2PA {manifest.role} manifest: {_describe(action)} declares '{term.tail}' "
        f"({term.description}); claim by {manifest.generator}; {manifest.validation()}",
        signal="genai",
        tool=resolve_tool(manifest, action),
        confidence="strong",
        fields=manifest.fields() | _action_fields(action),
    )


def _origin_action(manifest: Manifest, action: Action, term: SourceType, detector: str) -> Evidence:
    confidence: Confidence = (
        "strong" if manifest.trusted else "medium" if manifest.signature_ok else "weak"
    )
    if term.meaning == "human":
        confidence = "medium" if manifest.trusted else "weak"
    return Evidence(
        detector=detector,
        kind="c2pa-digital-source-type",
        detail=f"C2PA {manifest.role} manifest: {_describe(action)} declares '{term.tail}' "
        f"({term.description}); claim by {manifest.generator}; {manifest.validation()}",
        signal="not_genai",
        tool=_origin_tool(manifest, action, term),
        confidence=confidence,
        fields=manifest.fields() | _action_fields(action),
    )


def _origin_tool(manifest: Manifest, action: Action, term: SourceType) -> str | None:
    if term.meaning == "capture":
        return "camera"
    found = _match(action.agent) or _first_match(manifest.names)
    return found.tool if found is not None and found.kind == "editor" else None


def _neutral_action(manifest: Manifest, action: Action, detector: str, what: str) -> Evidence:
    return Evidence(
        detector=detector,
        kind="c2pa-digital-source-type",
        detail=f"C2PA {manifest.role} manifest: {_describe(action)} declares {what}; "
        "this does not establish the origin",
        fields=manifest.fields() | _action_fields(action),
    )


def _name_items(manifest: Manifest, detector: str) -> Iterator[Evidence]:
    if any(_is_generated(a) for a in manifest.actions):
        return
    described = [
        a for a in manifest.actions if a.description and _AI_DESCRIPTION.search(a.description)
    ]
    named = _generator_named(manifest)
    if not (described or named or manifest.ai_assertions):
        return
    reasons = [f"'{a.description}' ({a.action})" for a in described[:3]]
    reasons += [f"assertion '{text}'" for text in manifest.ai_assertions[:3]]
    reasons += [f"generator '{named.name}'"] if named else []
    strong = bool(described or manifest.ai_assertions) and named is not None
    yield Evidence(
        detector=detector,
        kind="c2pa-generator-claim",
        detail=f"C2PA {manifest.role} manifest names generative AI without a digital source type: "
        f"{'; '.join(reasons)}; claim by {manifest.generator}; {manifest.validation()}",
        signal="genai",
        tool=resolve_tool(manifest, described[0] if described else None),
        confidence="strong" if strong else "medium",
        fields=manifest.fields(),
    )


def _is_generated(action: Action) -> bool:
    term = lookup(action.source_type)
    return term is not None and term.meaning == "generated"


def _generator_named(manifest: Manifest) -> SoftwareMatch | None:
    for text in (*(a.agent for a in manifest.actions), *manifest.names, *manifest.ai_assertions):
        found = _match(text)
        if found is not None and found.kind == "generator":
            return found
    return None


def resolve_tool(manifest: Manifest, action: Action | None) -> str:
    """The generator a genAI claim names: the action's agent, else the claim, else the signer."""
    candidates = [action.agent if action else None, *manifest.ai_assertions, *manifest.names]
    candidates += [a.agent for a in manifest.actions] + [manifest.signer]
    for text in candidates:
        found = _match(text)
        if found is not None and found.kind in ("generator", "generator_vendor") and found.tool:
            return found.tool
    return UNKNOWN_GENAI


def _match(text: str | None) -> SoftwareMatch | None:
    return match_software(text) if text else None


def _first_match(texts: Sequence[str]) -> SoftwareMatch | None:
    for text in texts:
        found = _match(text) or _match(product_name(text))
        if found is not None:
            return found
    return None


def _describe(action: Action) -> str:
    agent = f" by '{action.agent}'" if action.agent else ""
    description = f" ('{action.description}')" if action.description else ""
    return f"{action.action or 'an action'}{agent}{description}"


def _action_fields(action: Action) -> dict[str, str]:
    found = {"action": action.action}
    found |= {"digital_source_type": action.source_type} if action.source_type else {}
    found |= {"software_agent": action.agent} if action.agent else {}
    found |= {"description": action.description} if action.description else {}
    return found
