"""Compare the picture: the one upload, from the view's own page only, writing nothing."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image

from provenance.web.compare import safe_suffix
from tests.web.demo import Demo, stripped_copy

ORIGIN = {"Origin": "http://localhost"}


def upload(client: FlaskClient, path: Path, headers: dict[str, str] | None = None) -> str:
    data = {"file": (io.BytesIO(path.read_bytes()), path.name)}
    answer = client.post("/compare", data=data, headers=headers or ORIGIN)
    assert answer.status_code == 200, answer.status_code
    return answer.get_data(as_text=True)


def test_a_new_copy_of_a_generated_picture_is_traced_to_its_original(
    client: FlaskClient, demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    copy = stripped_copy(demo.show / "genai" / "gen1.png", tmp_path / "from-the-edit.jpg")
    Image.open(copy).resize((200, 125)).save(copy, quality=70)  # yet another encoding
    before = demo.ledger.assets.totals()
    page = upload(client, copy)
    assert "May not go into finals" in page and "nothing was recorded" in page
    assert f'class="origin-link" href="/asset/{demo.generated}"' in page
    assert demo.ledger.assets.totals() == before  # nothing recorded
    assert not list(scratch.iterdir())  # the upload is gone


def test_an_unrelated_picture_is_said_to_be_unknown(
    client: FlaskClient, demo: Demo, tmp_path: Path
) -> None:
    other = tmp_path / "noise.png"
    Image.effect_noise((64, 64), 40).save(other)
    page = upload(client, other)
    assert "origin-link" not in page and "unknown" in page


def test_an_upload_from_another_site_or_elsewhere_is_refused(
    client: FlaskClient, demo: Demo
) -> None:
    picture = demo.show / "plates" / "plate.jpg"
    data = {"file": (io.BytesIO(picture.read_bytes()), "plate.jpg")}
    assert client.post("/compare", data=data).status_code == 405  # no Origin
    data = {"file": (io.BytesIO(b"x"), "plate.jpg")}
    evil = {"Origin": "http://evil.example"}
    assert client.post("/compare", data=data, headers=evil).status_code == 405
    assert client.post("/", headers=ORIGIN).status_code == 405  # the only path that takes one
    assert client.post("/compare", data={}, headers=ORIGIN).status_code == 400


def test_the_unknown_hash_offers_the_upload_with_a_notice(client: FlaskClient) -> None:
    page = client.get(f"/lookup/{'2' * 64}").get_data(as_text=True)
    assert 'action="/compare"' in page and "must be uploaded to this server" in page


def test_only_a_plain_extension_is_kept_from_the_browsers_name() -> None:
    assert safe_suffix("Shot 010.PNG") == ".png"
    assert safe_suffix("../../etc/passwd") == ""
    assert safe_suffix("a.tar.gz") == ".gz"
    assert safe_suffix("evil.png/../x") == ""
    assert safe_suffix("c:\\\\frames\\\\f.EXR") == ".exr"
    assert safe_suffix("x.<script>") == ""
