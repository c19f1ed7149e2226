"""The widget's build served by the gateway: only what a manifest lists, under its version,
immutable, compressed when the client accepts it, to any origin; nothing outside the build."""

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from atelier.gateway.settings import GatewaySettings
from atelier.gateway.widget import BuildInvalid, accepted_encodings, load_build

from .conftest import PLATFORM_TOKEN, SHOP

V1, V2, OLD = "0123456789ab", "ba9876543210", "0000000000aa"
SCRIPT = b"export class AtelierPersonalizer extends HTMLElement {}\n" * 200  # ~11 kB
WASM = b"\x00asm\x01\x00\x00\x00" + bytes(range(256)) * 40


def write_build(directory: Path, version: str, files: dict[str, bytes],
                listed: list[str] | None = None, entry: str = "atelier-personalizer.js") -> None:
    """A build as the widget's npm build writes it: the files and a manifest listing them."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
    manifest = {"version": version, "entry": entry,
                "files": listed if listed is not None else list(files)}
    (directory / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    directory = tmp_path / "dist"
    write_build(directory, V1, {"atelier-personalizer.js": SCRIPT, "hb.wasm": WASM,
                                "chunks/viewer-3f2a.js": b"export const viewer = 1;\n",
                                "styles.css": b":host{display:block}"})
    (directory / "not-listed.js").write_text("secret = 1")
    (tmp_path / "secret.txt").write_text("outside the build")
    write_build(tmp_path / "previous", OLD, {"atelier-personalizer.js": b"// the old one\n"})
    return directory


@pytest.fixture
def settings(settings_of: Callable[..., GatewaySettings], dist: Path) -> GatewaySettings:
    return settings_of("gateway", platform_token=PLATFORM_TOKEN, widget_dir=dist,
                       widget_previous_dirs=[dist.parent / "previous"])


async def test_the_manifest_names_the_current_version_briefly_cached(
    client: AsyncTestClient,
) -> None:
    response = await client.get("/widget/manifest.json", headers={"Origin": SHOP})
    assert response.status_code == 200
    assert response.json() == {
        "version": V1, "entry": "atelier-personalizer.js",
        "files": ["atelier-personalizer.js", "hb.wasm", "chunks/viewer-3f2a.js", "styles.css"],
        "entry_url": f"/widget/{V1}/atelier-personalizer.js"}
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["content-type"] == "application/json"
    again = await client.get("/widget/manifest.json",
                             headers={"If-None-Match": response.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")


async def test_a_listed_file_is_immutable_typed_and_public(client: AsyncTestClient) -> None:
    script = await client.get(f"/widget/{V1}/atelier-personalizer.js",
                              headers={"Accept-Encoding": "identity"})
    assert script.status_code == 200 and script.content == SCRIPT
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["access-control-allow-origin"] == "*"
    assert script.headers["cross-origin-resource-policy"] == "cross-origin"
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "content-encoding" not in script.headers
    assert "Accept-Encoding" in script.headers["vary"]
    wasm = await client.get(f"/widget/{V1}/hb.wasm")
    assert (wasm.headers["content-type"], wasm.content) == ("application/wasm", WASM)
    chunk = await client.get(f"/widget/{V1}/chunks/viewer-3f2a.js")
    assert chunk.status_code == 200 and chunk.content == b"export const viewer = 1;\n"
    css = await client.get(f"/widget/{V1}/styles.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    unchanged = await client.get(f"/widget/{V1}/atelier-personalizer.js",
                                 headers={"Accept-Encoding": "identity",
                                          "If-None-Match": script.headers["etag"]})
    assert (unchanged.status_code, unchanged.content) == (304, b"")


async def test_gzip_when_accepted_and_brotli_when_the_build_made_it(
    client: AsyncTestClient, dist: Path
) -> None:
    response = await client.get(f"/widget/{V1}/atelier-personalizer.js",
                                headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == SCRIPT  # decoded by the client
    assert int(response.headers["content-length"]) < len(SCRIPT) / 10
    assert response.headers["etag"].endswith('-gzip"')
    refused = await client.get(f"/widget/{V1}/atelier-personalizer.js",
                               headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.content == SCRIPT

    # a brotli file the build wrote beside the script: sent as it is to a client accepting br
    brotli = b"(brotli bytes)"
    (dist / "atelier-personalizer.js.br").write_bytes(brotli)
    manifest = dist / "manifest.json"
    manifest.write_text(manifest.read_text().replace(V1, V2))  # a new build, read again
    response = await client.get(f"/widget/{V2}/atelier-personalizer.js",
                                headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["content-encoding"] == "br"
    assert int(response.headers["content-length"]) == len(brotli)


async def test_only_listed_files_of_a_served_version_exist(client: AsyncTestClient) -> None:
    for path in (f"/widget/{V1}/not-listed.js", f"/widget/{V1}/manifest.json",
                 f"/widget/{V2}/atelier-personalizer.js", f"/widget/{V1}/hb.wasm.gz"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    malformed = await client.get("/widget/not-a-version/atelier-personalizer.js")
    assert malformed.status_code == 400


@pytest.mark.parametrize("path", [
    f"/widget/{V1}/../secret.txt", f"/widget/{V1}/..%2fsecret.txt",
    f"/widget/{V1}/%2e%2e/secret.txt", f"/widget/{V1}/chunks/../../secret.txt",
    f"/widget/{V1}//etc/passwd", f"/widget/{V1}/..\\secret.txt", f"/widget/{V1}/%2fetc%2fpasswd",
    f"/widget/{V1}/.%2e/.%2e/secret.txt", f"/widget/{V1}/not-listed.js%00.js",
])
async def test_no_path_reaches_outside_the_listed_files(
    client: AsyncTestClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code in (400, 404), path
    # neither the file outside the build, nor one of the system's, nor one the manifest omits
    assert b"outside the build" not in response.content and b"root:" not in response.content
    assert b"secret = 1" not in response.content


def test_a_manifest_listing_a_file_outside_its_build_is_not_served(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside the build")
    for listed in (["../secret.txt"], ["/etc/passwd"], [".hidden.js"], ["a/../../secret.txt"]):
        write_build(tmp_path / "dist", V1, {"atelier-personalizer.js": SCRIPT},
                    listed=["atelier-personalizer.js", *listed])
        with pytest.raises(BuildInvalid):
            load_build(tmp_path / "dist")
    link = tmp_path / "dist" / "linked.js"
    link.symlink_to(tmp_path / "secret.txt")
    write_build(tmp_path / "dist", V1, {"atelier-personalizer.js": SCRIPT},
                listed=["atelier-personalizer.js", "linked.js"])
    with pytest.raises(BuildInvalid, match="not a file of the build"):
        load_build(tmp_path / "dist")
    write_build(tmp_path / "dist", "v1", {"atelier-personalizer.js": SCRIPT})
    with pytest.raises(BuildInvalid, match="12 hexadecimal"):
        load_build(tmp_path / "dist")


async def test_a_rebuild_is_served_at_once_and_the_versions_before_it_still_are(
    client: AsyncTestClient, dist: Path
) -> None:
    assert (await client.get(f"/widget/{V1}/hb.wasm")).status_code == 200
    for name in ("atelier-personalizer.js", "hb.wasm"):
        (dist / name).unlink()  # the build directory rebuilt in place
    write_build(dist, V2, {"atelier-personalizer.js": b"// v2\n"})
    assert (await client.get("/widget/manifest.json")).json()["version"] == V2
    assert (await client.get(f"/widget/{V2}/atelier-personalizer.js")).content == b"// v2\n"
    # a page that loaded v1 a moment ago still gets its lazy assets
    kept = await client.get(f"/widget/{V1}/hb.wasm")
    assert (kept.status_code, kept.content) == (200, WASM)
    # and a build of the previous release, kept in widget_previous_dirs
    old = await client.get(f"/widget/{OLD}/atelier-personalizer.js")
    assert (old.status_code, old.content) == (200, b"// the old one\n")


async def test_a_build_half_written_leaves_the_last_one_served(
    client: AsyncTestClient, dist: Path
) -> None:
    assert (await client.get("/widget/manifest.json")).json()["version"] == V1
    (dist / "manifest.json").write_text('{"version": "ba98')
    response = await client.get("/widget/manifest.json")
    assert response.json()["version"] == V1
    assert (await client.get(f"/widget/{V1}/atelier-personalizer.js")).status_code == 200


def test_what_the_client_accepts() -> None:
    assert accepted_encodings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings("gzip;q=nonsense") == set()
    assert accepted_encodings(None) == set()


def test_precompressed_files_are_used_and_small_files_go_as_they_are(tmp_path: Path) -> None:
    write_build(tmp_path, V1, {"atelier-personalizer.js": SCRIPT, "tiny.js": b"1;"})
    (tmp_path / "atelier-personalizer.js.gz").write_bytes(gzip.compress(SCRIPT, mtime=0))
    build = load_build(tmp_path)
    assert build.files["atelier-personalizer.js"].encoded("gzip")[0] == "gzip"
    assert build.files["tiny.js"].encoded("gzip") == ("identity", b"1;")


async def test_without_a_build_the_manifest_is_a_404(
    settings_of: Callable[..., GatewaySettings], tmp_path: Path
) -> None:
    from atelier.gateway.app import create_app

    settings = settings_of("gateway", widget_dir=tmp_path / "nothing-built")
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get("/widget/manifest.json")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
        assert (await client.get(f"/widget/{V1}/atelier-personalizer.js")).status_code == 404
