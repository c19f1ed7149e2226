"""The widget's script and its lazy assets, as the widget's build wrote them (``widget/dist``).

The build writes ``manifest.json`` (``{"version": "<12 hex>", "entry": "...", "files": [...]}``)
beside the files it lists. The gateway serves a file only when a manifest lists it, under its
version: ``/widget/<version>/<file>``, immutable, so that a browser or a CDN keeps it for a year
and a new build is a new URL. ``/widget/manifest.json`` says which version is current (a short
max-age): a loader (the Shopify block) reads it, then the script's versioned URL.

Which versions are served: the current build (``widget_dir``), the builds in
``widget_previous_dirs`` (a deployment keeps the previous release's ``dist`` there, so that a
page which loaded the previous script a moment before the deploy still gets its lazy assets,
the WebAssembly and the 3D viewer, that it asks for later), and the last few builds this process
served before the directory was rebuilt in place (``make install`` while ``make run`` runs).
Any other version is a 404. Files are read once into memory (a build is a few megabytes) and
compressed then; a path is looked up among the listed names, never joined to a directory, so no
request names a file outside the build.
"""

import asyncio
import gzip
import json
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from atelier.gateway.domain import etag_of

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
VERSION = r"^[0-9a-f]{12}$"
# a relative path of plain names, none starting with a dot (no "..", no hidden files)
FILE = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$"
FILE_MAX = 200
KEPT = 3  # builds a process keeps serving after its directory was rebuilt in place
MIN_COMPRESSED = 1024  # bytes: smaller files go as they are
# (Litestar adds "; charset=utf-8" to the text types)
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".txt": "text/plain",
}
# already compressed formats gain nothing from gzip
INCOMPRESSIBLE = {"image/png", "image/webp", "font/woff2", "font/woff"}


class BuildInvalid(Exception):
    """A widget directory whose manifest cannot be served as it is."""


@dataclass(frozen=True)
class WidgetFile:
    content_type: str
    etag: str  # of the content: each encoding's ETag adds its name
    encodings: dict[str, bytes]  # "identity", and "gzip" / "br" when they are smaller

    def encoded(self, accept_encoding: str | None) -> tuple[str, bytes]:
        """The representation the client asked for: brotli, then gzip, then as it is."""
        accepted = accepted_encodings(accept_encoding)
        for name in ("br", "gzip"):
            if name in self.encodings and name in accepted:
                return name, self.encodings[name]
        return "identity", self.encodings["identity"]


@dataclass(frozen=True)
class WidgetBuild:
    version: str
    entry: str
    files: dict[str, WidgetFile]


def content_type_of(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def accepted_encodings(header: str | None) -> set[str]:
    """The codings of an ``Accept-Encoding`` header its client accepts (``q=0`` refuses one)."""
    accepted = set()
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") \
            else "1"
        try:
            refused = float(quality) <= 0
        except ValueError:
            refused = True
        if name and not refused:
            accepted.add(name.strip().lower())
    return accepted


def load_build(directory: Path) -> WidgetBuild:
    """Read a build: its manifest, and every file it lists (each must be a plain file inside
    the directory); precompressed ``<file>.br`` / ``<file>.gz`` beside a file are used as they
    are, otherwise a compressible file is gzipped here."""
    try:
        manifest = json.loads((directory / MANIFEST).read_bytes())
    except (OSError, ValueError) as exc:
        raise BuildInvalid(f"{directory / MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise BuildInvalid(f"{directory / MANIFEST}: not a JSON object")
    version, entry, names = manifest.get("version"), manifest.get("entry"), manifest.get("files")
    if not isinstance(version, str) or not re.match(VERSION, version):
        raise BuildInvalid(f"{directory}: version {version!r} is not 12 hexadecimal digits")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BuildInvalid(f"{directory}: files is not a list of names")
    if not isinstance(entry, str) or entry not in names:
        raise BuildInvalid(f"{directory}: the entry {entry!r} is not among the files")
    root = directory.resolve()
    files = {name: _load_file(root, name) for name in names}
    return WidgetBuild(version, entry, files)


def _load_file(root: Path, name: str) -> WidgetFile:
    if len(name) > FILE_MAX or not re.match(FILE, name):
        raise BuildInvalid(f"{root}: {name!r} is not a plain relative file name")
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise BuildInvalid(f"{root}: {name!r} is not a file of the build")
    data = path.read_bytes()
    content_type = content_type_of(name)
    encodings = {"identity": data}
    for coding, suffix in (("br", ".br"), ("gzip", ".gz")):
        precompressed = path.with_name(path.name + suffix)
        if precompressed.is_file():
            encodings[coding] = precompressed.read_bytes()
    if "gzip" not in encodings and len(data) >= MIN_COMPRESSED \
            and content_type not in INCOMPRESSIBLE:
        # mtime 0: the same bytes on every replica, so one ETag for one representation
        # level 6: a quarter of level 9's time (0.8 s against 3.3 s for the 1.7 MB validator)
        # for 2.5 % more bytes
        encodings["gzip"] = gzip.compress(data, compresslevel=6, mtime=0)
    # a compressed representation no smaller than the file is not worth sending
    encodings = {k: v for k, v in encodings.items() if k == "identity" or len(v) < len(data)}
    return WidgetFile(content_type, etag_of(data), encodings)


class WidgetFiles:
    """The builds served: read on first use, and the current one again when its manifest
    changes (checked with one ``stat`` a request: nothing else touches the disk). Reading and
    compressing a build takes a second or so: it runs on a thread, once however many requests
    wait for it."""

    def __init__(self, current_dir: Path, previous_dirs: Iterable[Path] = ()) -> None:
        self.current_dir = current_dir
        self.previous_dirs = tuple(previous_dirs)
        self.current: WidgetBuild | None = None
        self._stamp: tuple[int, int] | None = None
        self._recent: OrderedDict[str, WidgetBuild] = OrderedDict()  # builds current before
        self._previous: dict[str, WidgetBuild] | None = None
        self._loading = asyncio.Lock()

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self.current_dir / MANIFEST)
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    async def current_build(self) -> WidgetBuild | None:
        """The build in ``current_dir`` as it is now; None when there is none (not built)."""
        stamp = self._manifest_stamp()
        if stamp is None or stamp == self._stamp:  # unchanged, or gone while being rebuilt
            return self.current
        async with self._loading:
            stamp = self._manifest_stamp()
            if stamp is None or stamp == self._stamp:  # read meanwhile
                return self.current
            try:
                build = await asyncio.to_thread(load_build, self.current_dir)
            except BuildInvalid as exc:  # a build half written: the one read last goes on
                log.warning("widget build not served: %s", exc)
                return self.current
            self._stamp = stamp
            if self.current is not None and self.current.version != build.version:
                self._recent[self.current.version] = self.current
                while len(self._recent) > KEPT:
                    self._recent.popitem(last=False)
            self.current = build
        return self.current

    async def build(self, version: str) -> WidgetBuild | None:
        current = await self.current_build()
        if current is not None and current.version == version:
            return current
        return self._recent.get(version) or (await self._previous_builds()).get(version)

    async def _previous_builds(self) -> dict[str, WidgetBuild]:
        async with self._loading:
            if self._previous is None:
                self._previous = await asyncio.to_thread(_builds, self.previous_dirs)
        return self._previous


def _builds(directories: Iterable[Path]) -> dict[str, WidgetBuild]:
    builds = {}
    for directory in directories:
        try:
            build = load_build(directory)
        except BuildInvalid as exc:
            log.warning("previous widget build not served: %s", exc)
            continue
        builds[build.version] = build
    return builds
