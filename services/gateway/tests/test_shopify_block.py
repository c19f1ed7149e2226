"""The Shopify theme app extension (``widget/shopify``): its TOML and JSON parse, its block's
schema is one Shopify accepts and every text is translated in English and French, and the
script the block loads is one the gateway serves: its loader, run in node against a manifest,
asks for URLs the gateway answers."""

import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from atelier.gateway.http.widget import FILE_PATH, MANIFEST_PATH
from atelier.gateway.settings import REPOSITORY, GatewaySettings

from .conftest import PLATFORM_TOKEN
from .test_widget_files import write_build

SHOPIFY = REPOSITORY / "widget" / "shopify"
EXTENSION = SHOPIFY / "extensions" / "atelier-personalizer"
BLOCK = EXTENSION / "blocks" / "personalizer.liquid"
LOCALES = EXTENSION / "locales"
VERSION = "0123456789ab"
SETTING_TYPES = {"text", "textarea", "checkbox", "number", "range", "select", "radio",
                 "color", "url", "richtext", "product", "collection", "image_picker"}


def block_schema() -> dict[str, Any]:
    found = re.search(r"{%-?\s*schema\s*-?%}(.*?){%-?\s*endschema\s*-?%}", BLOCK.read_text(),
                      re.S)
    assert found, "the block has a {% schema %}"
    schema: dict[str, Any] = json.loads(found.group(1))
    return schema


def locale(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((LOCALES / name).read_text())
    return data


def lookup(tree: dict[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"{dotted} is not translated"
        node = node[part]
    assert isinstance(node, str) and node.strip(), dotted
    return node


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    return {k for name, value in tree.items() for k in (
        keys(value, f"{prefix}{name}.") if isinstance(value, dict) else {f"{prefix}{name}"})}


def test_the_app_and_the_extension_configurations_parse() -> None:
    app = tomllib.loads((SHOPIFY / "shopify.app.toml").read_text())
    assert {"client_id", "name", "application_url", "embedded"} <= app.keys()
    extension = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())
    assert extension["type"] == "theme" and extension["name"]
    # a theme app extension holds only these directories
    assert {p.name for p in EXTENSION.iterdir() if p.is_dir()} <= {
        "assets", "blocks", "locales", "snippets"}


def test_the_block_schema_is_an_app_block_for_product_pages() -> None:
    schema = block_schema()
    assert schema["target"] == "section"
    assert schema["enabled_on"] == {"templates": ["product"]}
    ids = [setting["id"] for setting in schema["settings"]]
    assert ids == ["gateway_url", "widget_key", "atelier_product_id"]
    assert len(set(ids)) == len(ids)
    assert all(setting["type"] in SETTING_TYPES for setting in schema["settings"])
    # the block uses no setting it does not declare
    used = set(re.findall(r"block\.settings\.(\w+)", BLOCK.read_text()))
    assert used == set(ids)


def test_every_text_is_translated_in_english_and_french() -> None:
    text = BLOCK.read_text()
    schema_keys = re.findall(r'"t:([\w.]+)"', json.dumps(block_schema()))
    storefront_keys = re.findall(r"'([\w.]+)'\s*\|\s*t\b", text)
    assert schema_keys and storefront_keys
    for name in ("en.default.schema.json", "fr.schema.json"):
        for key in schema_keys:
            lookup(locale(name), key)
    for name in ("en.default.json", "fr.json"):
        for key in storefront_keys:
            lookup(locale(name), key)
    assert keys(locale("en.default.json")) == keys(locale("fr.json"))
    assert keys(locale("en.default.schema.json")) == keys(locale("fr.schema.json"))


def test_the_liquid_tags_are_balanced() -> None:
    tags = re.findall(r"{%-?\s*(\w+)", BLOCK.read_text())
    stack: list[str] = []
    for tag in tags:
        if tag in ("if", "unless", "for", "case", "comment", "schema", "capture"):
            stack.append(tag)
        elif tag.startswith("end"):
            assert stack and stack.pop() == tag[3:], f"{tag} closes nothing"
    assert stack == []


@pytest.fixture
def settings(settings_of: Callable[..., GatewaySettings], tmp_path: Path) -> GatewaySettings:
    write_build(tmp_path / "dist", VERSION, {"atelier-personalizer.js": b"// the widget\n"})
    return settings_of("gateway", platform_token=PLATFORM_TOKEN, widget_dir=tmp_path / "dist")


LOADER_STUBS = """
const manifest = JSON.parse(process.argv[1]);  // node -e <code> <manifest>
const asked = { fetched: [], scripts: [] };
globalThis.window = { customElements: { get: () => undefined } };
globalThis.document = {
  addEventListener() {},
  getElementById: () => ({ querySelector: () => null, setAttribute() {} }),
  createElement: () => ({}),
  head: { appendChild: (script) => asked.scripts.push({ src: script.src, type: script.type }) },
};
globalThis.fetch = async (url) => {
  asked.fetched.push(url);
  return { ok: true, json: async () => manifest };
};
let told = false;  // once the loader's promises settled: what it asked for
process.on('beforeExit', () => { if (!told) { told = true; console.log(JSON.stringify(asked)); } });
"""


def run_loader(gateway: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """The block's inline script, its Liquid outputs given as Shopify would render them, run
    in node against ``manifest``: what it fetched and which scripts it added."""
    script = re.search(r"<script>(.*?)</script>", BLOCK.read_text(), re.S)
    assert script
    rendered = re.sub(r"{{\s*gateway\s*\|\s*json\s*}}", json.dumps(gateway), script.group(1))
    rendered = re.sub(r"{{[^}]*\|\s*json\s*}}", json.dumps("rendered"), rendered)
    assert "{{" not in rendered and "{%" not in rendered
    node = shutil.which("node")
    assert node, "node is installed by make install"
    done = subprocess.run([node, "--input-type=commonjs", "-e", LOADER_STUBS + rendered,
                           json.dumps(manifest)], capture_output=True, text=True, timeout=60,
                          check=True)
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


async def test_the_block_loads_the_script_the_gateway_serves(client: AsyncTestClient) -> None:
    gateway = "https://atelier.example.com"
    manifest = (await client.get(MANIFEST_PATH)).json()
    asked = run_loader(gateway, manifest)
    assert asked["fetched"] == [gateway + MANIFEST_PATH]
    [script] = asked["scripts"]
    assert script["type"] == "module"
    assert script["src"].startswith(gateway)
    path = script["src"].removeprefix(gateway)
    # the route's template, and the gateway answering that very path
    template = FILE_PATH.replace("{version:str}", "(?P<version>[^/]+)").replace(
        "{file:path}", "(?P<file>.+)")
    match = re.fullmatch(template, path)
    assert match and match["version"] == VERSION and match["file"] == "atelier-personalizer.js"
    served = await client.get(path)
    assert (served.status_code, served.content) == (200, b"// the widget\n")
