"""Rules of the repository that code review alone would let slip (DESIGN §2, §4):

- a service imports no other service (only atelier.contracts, atelier.kit, atelier.typeset);
- ``domain`` modules import no framework and no I/O library;
- SQL lives in a service's ``repository`` (and its tables in ``models``): handlers, subscribers
  and the rest reach the database through ``uow.repository``, which tests replace with a fake;
- no stream captures an ``rpc.`` subject, and every event and job is in exactly one stream;
- a service names another service's rpc subjects only when ``catalog.CALLS`` lets it call them
  (its NATS user may publish on those alone);
- only the product scene (``atelier.typeset.product``) builds a text style, so that a spec is
  drawn, measured and produced in one style (DESIGN §6): every service and library module
  calls ``zone_style`` rather than ``TextStyle(...)``.

Each rule is a function over source text or subjects, proven on a synthetic breach first, then
applied to the real tree.
"""

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from atelier.contracts import catalog
from atelier.contracts.catalog import MESSAGES, STREAMS, Stream, dlq_subject

ROOT = Path(__file__).resolve().parents[3]  # libs/devstack/tests -> the repository
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "src").is_dir())
SHARED = {"contracts", "kit", "typeset"}
IO_AND_FRAMEWORKS = {
    "litestar", "faststream", "nats", "sqlalchemy", "sqlmodel", "asyncpg", "minio", "httpx",
    "alembic", "granian", "uvicorn", "requests", "aiohttp", "boto3", "psycopg", "psycopg2", "redis",
}


def imported_modules(source: str) -> Iterator[str]:
    """Every absolute module an import statement names (``from a import b`` gives a and a.b)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def foreign_service_imports(source: str, service: str) -> list[str]:
    """``atelier.<x>`` imports of a service's code where x is neither shared nor itself."""
    found = []
    for module in imported_modules(source):
        parts = module.split(".")
        if parts[0] == "atelier" and len(parts) > 1 and parts[1] not in SHARED | {service}:
            found.append(module)
    return sorted(set(found))


def io_imports(source: str) -> list[str]:
    return sorted({m for m in imported_modules(source) if m.split(".")[0] in IO_AND_FRAMEWORKS})


SQL = {"sqlalchemy", "sqlmodel", "asyncpg"}
SPEAKS_SQL = {"models", "repository"}  # modules (or packages) that may


def sql_imports(source: str) -> list[str]:
    return sorted({m for m in imported_modules(source) if m.split(".")[0] in SQL})


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, a final ``>`` one or more."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or token not in ("*", have[i]):
            return False
    return len(want) == len(have)


def captures_rpc(pattern: str) -> bool:
    """Whether a stream subject could capture some ``rpc.`` subject."""
    return pattern.split(".")[0] in ("rpc", "*", ">")


def streams_capturing(subject: str, streams: Iterable[Stream]) -> list[str]:
    return [s.name for s in streams if any(matches(p, subject) for p in s.subjects)]


def service_sources(*parts: str) -> Iterator[tuple[str, Path]]:
    for service in SERVICES:
        for folder in parts:
            for path in sorted((ROOT / "services" / service / folder).rglob("*.py")):
                yield service, path


def text_styles_built(source: str) -> list[int]:
    """The lines that call ``TextStyle(...)`` (by name or as an attribute)."""
    return sorted(
        node.lineno for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id == "TextStyle")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "TextStyle"))
    )


# the one module that builds a style from a spec; bench.py times the engine on a fixed style,
# and style.py defines it
STYLE_BUILDERS = {"product.py", "bench.py", "style.py"}


def style_candidates() -> list[Path]:
    libs = [p for p in sorted((ROOT / "libs").glob("*/src/**/*.py"))
            if not (p.parent.name == "typeset" and p.name in STYLE_BUILDERS)]
    return libs + [path for _, path in service_sources("src")]


# --- the checkers catch a breach -------------------------------------------------------------
def test_a_service_importing_another_service_is_caught() -> None:
    source = (
        "import atelier.snapshot.models\n"
        "from atelier.render import domain\n"
        "from atelier import gateway\n"
        "from atelier.kit.runtime import Runtime\n"
        "from atelier.spec import handlers\n"
        "from . import models\n"
    )
    assert foreign_service_imports(source, "spec") == [
        "atelier.gateway",
        "atelier.render",
        "atelier.render.domain",
        "atelier.snapshot.models",
    ]
    assert foreign_service_imports("from atelier.contracts import Envelope\n", "spec") == []


def test_a_domain_module_importing_io_is_caught() -> None:
    source = "import hashlib\nfrom sqlalchemy import select\nimport nats.js\n"
    assert io_imports(source) == ["nats.js", "sqlalchemy", "sqlalchemy.select"]
    assert io_imports("import unicodedata\nfrom atelier.contracts import spec\n") == []


def test_a_text_style_built_outside_the_product_scene_is_caught() -> None:
    source = ("from atelier import typeset\nfrom atelier.typeset import TextStyle\n"
              "a = TextStyle(font_id='x', size_mm=1)\nb = typeset.TextStyle(font_id='x', "
              "size_mm=1)\nc = zone_style(zone)\n")
    assert text_styles_built(source) == [3, 4]


def test_sql_outside_a_repository_is_caught() -> None:
    source = "from sqlalchemy.dialects.postgresql import insert\nfrom atelier.kit.db import x\n"
    assert sql_imports(source) == ["sqlalchemy.dialects.postgresql",
                                   "sqlalchemy.dialects.postgresql.insert"]
    assert sql_imports("from atelier.spec.repository import SpecRepository\n") == []


def test_subject_matching_follows_nats_wildcards() -> None:
    assert matches("evt.spec.>", "evt.spec.spec.created")
    assert not matches("evt.spec.>", "evt.spec")
    assert matches("job.*.preview", "job.render.preview")
    assert not matches("job.*", "job.render.preview")
    assert [captures_rpc(p) for p in ("rpc.spec.>", "*.spec.create", ">", "evt.>")] == [
        True, True, True, False
    ]
    overlapping = (Stream("A", "a", ("evt.a.>",)), Stream("B", "b", ("evt.*.x.y",)))
    assert streams_capturing("evt.a.x.y", overlapping) == ["A", "B"]


# --- the repository keeps the rules ----------------------------------------------------------
@pytest.mark.parametrize(("service", "path"), list(service_sources("src", "migrations", "tests")),
                         ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v)
def test_services_import_no_other_service(service: str, path: Path) -> None:
    assert foreign_service_imports(path.read_text(), service) == []


def domain_modules() -> list[Path]:
    src = [ROOT / "services" / s / "src" / "atelier" / s for s in SERVICES]
    return sorted(
        p for folder in src for p in [*folder.glob("domain.py"), *folder.glob("domain/**/*.py")]
    )


def test_the_services_have_domain_modules_to_check() -> None:
    assert domain_modules(), "no domain module found: is the layout still services/<s>/src/...?"


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_modules_import_no_framework_and_no_io(path: Path) -> None:
    assert io_imports(path.read_text()) == []


def modules_without_sql() -> list[Path]:
    """Every module of the services' code but their tables and repositories."""
    return [
        path for service, path in service_sources("src")
        if not SPEAKS_SQL & {path.stem, *path.relative_to(ROOT / "services" / service).parts}
    ]


@pytest.mark.parametrize("path", modules_without_sql(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_repositories_and_models_speak_sql(path: Path) -> None:
    assert sql_imports(path.read_text()) == []


@pytest.mark.parametrize("path", style_candidates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_product_scene_builds_a_text_style(path: Path) -> None:
    assert text_styles_built(path.read_text()) == []


def test_the_product_scene_is_where_styles_are_built() -> None:
    product = ROOT / "libs/typeset/src/atelier/typeset/product.py"
    assert text_styles_built(product.read_text()), "zone_style moved: update STYLE_BUILDERS"


def test_no_stream_captures_an_rpc_subject() -> None:
    assert [(s.name, p) for s in STREAMS for p in s.subjects if captures_rpc(p)] == []
    rpc_subjects = [m.subject for m in MESSAGES if m.kind == "rpc"]
    assert rpc_subjects and all(streams_capturing(s, STREAMS) == [] for s in rpc_subjects)


@pytest.mark.parametrize(
    "message", [m for m in MESSAGES if m.kind in ("evt", "job")], ids=lambda m: m.subject
)
def test_every_event_and_job_is_in_exactly_one_stream(message) -> None:  # noqa: ANN001
    assert len(streams_capturing(message.subject, STREAMS)) == 1


@pytest.mark.parametrize("service", catalog.SERVICES)
def test_every_dead_letter_subject_is_in_exactly_one_stream(service: str) -> None:
    assert len(streams_capturing(dlq_subject(service), STREAMS)) == 1


def foreign_rpc_named(source: str, service: str) -> list[str]:
    """Other services' rpc subjects whose catalog entries a service's code imports."""
    prefix = "atelier.contracts.catalog."
    named = [getattr(catalog, m.removeprefix(prefix), None) for m in imported_modules(source)
             if m.startswith(prefix)]
    return sorted(m.subject for m in named
                  if isinstance(m, catalog.Message) and m.kind == "rpc" and m.owner != service)


def test_a_call_the_catalog_does_not_declare_is_caught() -> None:
    source = "from atelier.contracts.catalog import GET_SPEC, GET_RENDER, SPEC_CREATED, Message\n"
    assert foreign_rpc_named(source, "render") == ["rpc.spec.get"]  # GET_RENDER is its own
    assert catalog.calls("render") == ()  # so that call would be refused
    assert catalog.GET_SPEC in catalog.calls("gateway")


@pytest.mark.parametrize(("service", "path"), list(service_sources("src")),
                         ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v)
def test_services_call_only_the_rpc_the_catalog_lets_them(service: str, path: Path) -> None:
    declared = {m.subject for m in catalog.calls(service)}
    assert set(foreign_rpc_named(path.read_text(), service)) <= declared
