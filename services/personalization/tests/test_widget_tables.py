"""The character data the widget's port of the rules reads is this process's, as committed
(``make schemas`` writes it), and the config names the rules edition it belongs to."""

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import uharfbuzz

from atelier.personalization.rules import RULES_VERSION, widget_rules
from atelier.personalization.rules.tables import (
    LAST,
    decode_mapping,
    hangul_decomposition,
    name_blocks,
    properties,
    unicode_tables,
)
from atelier.personalization.rules.words.folding import plain

WIDGET = Path(__file__).resolve().parents[3] / "widget"
GENERATED = WIDGET / "src" / "generated"
CODES = [c for c in range(LAST + 1) if not 0xD800 <= c < 0xE000]


@pytest.fixture(scope="module")
def tables() -> dict[str, Any]:
    return unicode_tables()


@pytest.fixture(scope="module")
def truth() -> list[tuple[tuple[str, str, str, int], str, str]]:
    """Every code point's properties, plain form and case folding, from this process."""
    return [(properties(code), plain(chr(code)), chr(code).casefold()) for code in CODES]


def test_the_committed_tables_are_the_servers_character_data(tables: dict[str, Any]) -> None:
    committed = json.loads((GENERATED / "unicode.json").read_text("utf-8"))
    assert committed == tables, "run `make schemas` and commit widget/src/generated"
    blocks = name_blocks()
    files = {path.name: json.loads(path.read_text("utf-8"))
             for path in (GENERATED / "names").glob("*.json")}
    assert files == blocks, "run `make schemas` and commit widget/src/generated"
    assert sum(map(len, blocks.values())) > 30_000


def test_the_compact_foldings_decode_to_every_code_points_own(
    tables: dict[str, Any], truth: list[tuple[Any, str, str]],
) -> None:
    casefold = decode_mapping(tables["casefold"])
    folded = decode_mapping(tables["plain"])
    for code, (_, plain_form, casefolded) in zip(CODES, truth, strict=True):
        char = chr(code)
        assert casefold.get(code, char) == (casefolded if code >= 0x80 else char), hex(code)
        arithmetic = hangul_decomposition(code) if 0xAC00 <= code <= 0xD7A3 else char
        assert folded.get(code, arithmetic) == (plain_form if code >= 0x80 else char), hex(code)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is installed by `make system`")
def test_the_widgets_own_reader_gives_every_code_point_the_servers_properties(
    truth: list[tuple[Any, str, str]],
) -> None:
    """The widget's unicode.js, run in node on the committed tables, against unicodedata."""
    script = """
      import { readFileSync } from 'node:fs';
      import * as u from './src/unicode.js';
      const read = (path) => JSON.parse(readFileSync(path, 'utf8'));
      const tables = read('src/generated/unicode.json');
      u.installTables(tables);
      for (const block of tables.name_blocks) {
        const file = `names-${String(block).padStart(3, '0')}.json`;
        u.installNames(block, read(`src/generated/names/${file}`));
      }
      const out = [];
      for (let code = 0; code <= 0x10ffff; code++) {
        if (code >= 0xd800 && code < 0xe000) continue;
        const c = String.fromCodePoint(code);
        const flags = (u.mirrored(c) ? 1 : 0) | (u.isNumeric(c) ? 2 : 0) | (u.isDigit(c) ? 4 : 0);
        out.push([[u.category(c), u.bidiClass(c), u.script(c), flags], u.plain(c), u.casefold(c),
                  u.charName(c)]);
      }
      process.stdout.write(JSON.stringify(out));
    """
    done = subprocess.run(["node", "--input-type=module", "-e", script], cwd=WIDGET,
                          capture_output=True, check=True, text=True)
    seen = json.loads(done.stdout)
    for code, (kind, plain_form, casefolded), (js_kind, js_plain, js_casefold, js_name) in zip(
            CODES, truth, seen, strict=True):
        assert js_name == unicodedata.name(chr(code), ""), hex(code)
        assert tuple(js_kind) == kind, hex(code)
        assert js_plain == (plain_form if code >= 0x80 else chr(code)), hex(code)
        assert js_casefold == casefolded, hex(code)


def test_the_rules_document_names_the_edition_and_the_engines() -> None:
    rules = widget_rules()
    assert rules.rules_version == RULES_VERSION == unicode_tables()["rules_version"]
    assert rules.unicode_version == unicodedata.unidata_version
    assert rules.harfbuzz_version == uharfbuzz.version_string()
    assert (rules.autofit_step_mm, rules.fit_tolerance_mm) == (0.1, 1e-6)
