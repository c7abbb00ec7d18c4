"""The C2PA detector on files signed here, on manifest stores, and on the corpus."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from provenance.classify import classify_file, unvouched_reason
from provenance.detectors import c2pa as c2pa_detector
from provenance.detectors.base import RECORD_TAMPERED, DetectorContext
from provenance.evidence import Evidence
from provenance.files.media import read_facts
from provenance.settings import Settings
from tests.detectors.builders_metadata import (
    IPTC,
    SigningIdentity,
    jpeg_bytes,
    make_signer,
    manifest_with_actions,
    png_bytes,
    sign_asset,
    sign_edit_of,
    wav_bytes,
    write,
)
from tests.support.corpus import CORPUS

SETTINGS = Settings(db="sqlite://")
CREATED_BY_AI = {"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}


@pytest.fixture(scope="module")
def signer() -> SigningIdentity:
    return make_signer()


def detect(path: Path, settings: Settings = SETTINGS) -> list[Evidence]:
    ctx = DetectorContext(path=path, facts=read_facts(path, path.stat().st_size), settings=settings)
    return list(c2pa_detector.DETECTOR.detect(ctx))


def signals(items: list[Evidence]) -> set[str]:
    return {e.signal for e in items}


def test_a_generated_jpeg_is_genai_with_the_agent_as_tool(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    manifest = manifest_with_actions(CREATED_BY_AI | {"softwareAgent": "Adobe Firefly"})
    asset, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", manifest)
    items = detect(write(tmp_path / "a.jpg", asset))
    genai = [e for e in items if e.signal == "genai"]
    assert len(genai) == 1
    assert genai[0].tool == "adobe-firefly" and genai[0].confidence == "strong"
    assert genai[0].fields["validation_state"] == "Valid"
    assert "not on the trust list" in genai[0].detail


@pytest.mark.parametrize(
    ("mime", "name", "data"),
    [
        ("image/png", "a.png", png_bytes()),
        ("audio/wav", "a.wav", wav_bytes()),
    ],
)
def test_manifests_are_found_in_other_containers(
    tmp_path: Path, signer: SigningIdentity, mime: str, name: str, data: bytes
) -> None:
    asset, _ = sign_asset(signer, data, mime, manifest_with_actions(CREATED_BY_AI))
    items = detect(write(tmp_path / name, asset))
    assert "genai" in signals(items)


def test_the_trust_anchor_setting_makes_a_capture_claim_strong(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    capture = {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}
    asset, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(capture))
    path = write(tmp_path / "photo.jpg", asset)
    untrusted = [e for e in detect(path) if e.signal == "not_genai"]
    assert [e.confidence for e in untrusted] == ["medium"]
    anchors = write(tmp_path / "studio.pem", signer.root)
    trusted_settings = Settings(db="sqlite://", c2pa_trust_anchors=str(anchors))
    trusted = [e for e in detect(path, trusted_settings) if e.signal == "not_genai"]
    assert [e.confidence for e in trusted] == ["strong"]
    assert trusted[0].fields["validation_state"] == "Trusted"


def test_a_broken_signature_keeps_the_genai_claim(tmp_path: Path, signer: SigningIdentity) -> None:
    asset, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(CREATED_BY_AI))
    tampered = bytearray(asset)
    tampered[-10] ^= 0xFF  # inside the image data: the hash binding breaks
    items = detect(write(tmp_path / "t.jpg", bytes(tampered)))
    genai = [e for e in items if e.signal == "genai"]
    assert genai and genai[0].confidence == "strong"
    assert "does NOT validate" in genai[0].detail
    assert "validation_failures" in genai[0].fields


def test_a_capture_claim_in_a_tampered_record_is_not_vouched_for(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    """The image changed after a camera-like signer vouched for it: the gate cannot pass it."""
    capture = {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}
    asset, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(capture))
    intact = write(tmp_path / "intact.jpg", asset)
    tampered = bytearray(asset)
    tampered[-10] ^= 0xFF  # inside the image data: the hash binding breaks
    changed = write(tmp_path / "changed.jpg", bytes(tampered))
    facts, result = classify_file(intact, SETTINGS)
    assert (result.verdict, unvouched_reason(facts, result)) == ("not_genai", None)
    facts, result = classify_file(changed, SETTINGS)
    assert (result.verdict, result.confidence) == ("not_genai", "weak")
    reason = unvouched_reason(facts, result)
    assert reason is not None and "assertion.dataHash.mismatch" in reason
    assert "changed after signing" in reason


def test_a_tampered_capture_record_taken_in_by_an_editor_is_not_vouched_for(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    """Re-signing launders nothing: the editor recorded the parent's failure as it took it in."""
    capture = {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}
    asset, _ = sign_asset(signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(capture))
    tampered = bytearray(asset)
    tampered[-10] ^= 0xFF
    intact = write(tmp_path / "intact.jpg", sign_edit_of(signer, asset, "image/jpeg"))
    changed = write(tmp_path / "changed.jpg", sign_edit_of(signer, bytes(tampered), "image/jpeg"))
    facts, result = classify_file(intact, SETTINGS)
    assert (result.verdict, result.confidence) == ("not_genai", "medium")
    assert unvouched_reason(facts, result) is None
    facts, result = classify_file(changed, SETTINGS)
    assert (result.verdict, result.confidence) == ("not_genai", "weak")
    reason = unvouched_reason(facts, result)
    assert reason is not None and reason.startswith("C2PA ingredient manifest")
    assert "assertion.dataHash.mismatch" in reason


def test_a_sidecar_manifest_is_read_with_the_asset(tmp_path: Path, signer: SigningIdentity) -> None:
    asset, store = sign_asset(
        signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(CREATED_BY_AI), sidecar=True
    )
    path = write(tmp_path / "shot.jpg", asset)
    assert detect(path) == []
    write(tmp_path / "shot.c2pa", store)
    items = detect(path)
    assert "genai" in signals(items)
    assert all("sidecar shot.c2pa" in e.fields.get("source", "sidecar shot.c2pa") for e in items)


def test_a_sidecar_next_to_a_format_the_sdk_cannot_bind_is_read_alone(
    tmp_path: Path, signer: SigningIdentity
) -> None:
    _, store = sign_asset(
        signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(CREATED_BY_AI), sidecar=True
    )
    path = write(tmp_path / "plate.exr", b"\x76\x2f\x31\x01" + b"\x00" * 64)
    write(tmp_path / "plate.exr.c2pa", store)
    items = detect(path)
    assert "genai" in signals(items)
    assert any("binding not checked" in e.detail for e in items)


def test_a_remote_manifest_is_recorded_not_fetched(tmp_path: Path, signer: SigningIdentity) -> None:
    url = "https://manifests.example.invalid/m.c2pa"
    asset, _ = sign_asset(
        signer, jpeg_bytes(), "image/jpeg", manifest_with_actions(CREATED_BY_AI), remote_url=url
    )
    items = detect(write(tmp_path / "r.jpg", asset))
    assert [(e.kind, e.signal, e.fields["url"]) for e in items] == [
        ("c2pa-remote-manifest", "neutral", url)
    ]


def test_the_reader_settings_forbid_every_network_access() -> None:
    settings = c2pa_detector.reader_settings(None)
    assert settings["verify"] == {"remote_manifest_fetch": False, "ocsp_fetch": False}
    assert settings["core"]["allowed_network_hosts"] == []
    assert "trust_anchors" not in settings["trust"]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace not installed")
def test_reading_a_remote_manifest_opens_no_socket(tmp_path: Path, signer: SigningIdentity) -> None:
    asset, _ = sign_asset(
        signer,
        jpeg_bytes(),
        "image/jpeg",
        manifest_with_actions(CREATED_BY_AI),
        remote_url="https://manifests.example.invalid/m.c2pa",
    )
    path = write(tmp_path / "r.jpg", asset)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from provenance.detectors.c2pa import DETECTOR
        from provenance.detectors.base import DetectorContext
        from provenance.files.media import read_facts
        from provenance.settings import Settings
        p = Path({str(path)!r})
        ctx = DetectorContext(p, read_facts(p, p.stat().st_size), Settings(db="sqlite://"))
        print([e.kind for e in DETECTOR.detect(ctx)])
    """)
    trace = tmp_path / "trace.txt"
    done = subprocess.run(
        [
            "strace",
            "-f",
            "-e",
            "trace=socket,connect",
            "-o",
            str(trace),
            sys.executable,
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=os.environ | {"PYTHONPATH": str(Path.cwd())},
    )
    if done.returncode != 0 and "ptrace" in done.stderr:
        pytest.skip("ptrace not permitted here")
    assert "c2pa-remote-manifest" in done.stdout, done.stderr
    lines = trace.read_text().splitlines()
    assert not [line for line in lines if "AF_INET" in line], lines


def test_files_proved_empty_never_reach_the_sdk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the SDK was called")

    monkeypatch.setattr(c2pa_detector.sdk().Reader, "try_create", fail)
    for name, data in (("a.jpg", jpeg_bytes()), ("a.png", png_bytes()), ("a.wav", wav_bytes())):
        assert detect(write(tmp_path / name, data)) == []


def test_a_damaged_container_is_still_given_to_the_sdk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def record(*args: object, **_kwargs: object) -> None:
        calls.append(str(args[0]))

    monkeypatch.setattr(c2pa_detector.sdk().Reader, "try_create", record)
    truncated = wav_bytes()[:-40] + b"JUNK\xff\xff\xff\x7f"
    detect(write(tmp_path / "cut.wav", truncated))
    assert calls == ["audio/wav"]


def test_formats_without_a_precheck_are_given_to_the_sdk(tmp_path: Path) -> None:
    items = detect(write(tmp_path / "doc.pdf", b"%PDF-1.4\n%%EOF\n"))
    assert signals(items) <= {"error"}


def test_unsupported_formats_are_skipped(tmp_path: Path) -> None:
    assert detect(write(tmp_path / "notes.txt", b"hello")) == []


# --- the corpus -------------------------------------------------------------------------------


def corpus_file(name: str) -> Path:
    matches = sorted(CORPUS.glob(f"*/*{name}")) if CORPUS.is_dir() else []
    if not matches:
        pytest.skip(f"corpus file {name} not present")
    return matches[0]


def test_corpus_ingredient_only_genai_is_found() -> None:
    items = detect(corpus_file("sdk__tests__fixtures__ocsp.jpg"))
    ingredient = [e for e in items if e.signal == "genai" and e.fields.get("role") == "ingredient"]
    assert ingredient and ingredient[0].tool == "adobe-firefly"


def test_corpus_dalle_is_attributed_from_the_ingredient_agent() -> None:
    _, result = classify_file(corpus_file("DALL-E_cloud_surfing_puppy.webp"), SETTINGS)
    assert (result.verdict, result.tool, result.confidence) == (
        "genai",
        "openai-dall-e-3",
        "strong",
    )


def test_corpus_remote_manifest_is_a_neutral_url() -> None:
    items = detect(corpus_file("sdk__tests__fixtures__cloud.jpg"))
    assert [e.kind for e in items] == ["c2pa-remote-manifest"]
    assert items[0].fields["url"].startswith("https://cai-manifests.adobe.com/")


def test_corpus_unreadable_manifest_is_an_error_item() -> None:
    items = detect(corpus_file("sdk__tests__fixtures__no_alg.jpg"))
    assert [e.signal for e in items] == ["error"]
    assert "unknown algorithm" in items[0].detail


def test_corpus_test_signer_without_source_type_is_neutral() -> None:
    items = detect(corpus_file("test__media__cards_trusted.mp4"))
    assert signals(items) == {"neutral"}


def test_corpus_a_hash_binding_that_fails_is_a_tampered_record() -> None:
    """A fragmented MP4's init segment signed with its fragments, read without them."""
    items = detect(corpus_file("sdk__tests__fixtures__dashinit.mp4"))
    [tampered] = [e for e in items if e.kind == RECORD_TAMPERED]
    assert "assertion.bmffHash.mismatch" in tampered.detail


@pytest.mark.parametrize(
    "name",
    [
        "sdk__tests__fixtures__C_with_CAWG_data.jpg",  # unknown signer, unconfirmed CAWG identity
        "test__media__cards_trusted.jpg",  # unknown signer
        "Gemini_Generated_Image_efbbmeefbbmeefbb.png",  # expired certificate
    ],
)
def test_corpus_signers_in_doubt_are_not_tampering(name: str) -> None:
    items = detect(corpus_file(name))
    assert [e for e in items if e.kind == "c2pa-manifest"]
    assert not [e for e in items if e.kind == RECORD_TAMPERED]
