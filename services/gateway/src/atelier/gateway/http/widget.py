"""The widget's script and assets (see ``atelier.gateway.widget``): public, no key, any origin."""

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import PathParameter

from atelier.gateway import domain, schemas
from atelier.gateway.http.assets import PUBLIC_FILE
from atelier.gateway.http.common import encoded_json, problems
from atelier.gateway.widget import FILE, FILE_MAX, VERSION, WidgetBuild, WidgetFiles
from atelier.kit.errors import NotFound

MANIFEST_PATH = "/widget/manifest.json"
FILE_PATH = "/widget/{version:str}/{file:path}"
MANIFEST_CACHE = "public, max-age=60"  # a new build reaches every page within a minute
# immutable, to any origin, as the other public files; and pages isolated with
# Cross-Origin-Embedder-Policy may embed it
PUBLIC = {**PUBLIC_FILE, "Cross-Origin-Resource-Policy": "cross-origin"}

NOT_MODIFIED = ResponseSpec(None, description="Not Modified: the ETag is current")

Version = Annotated[str, PathParameter(pattern=VERSION, examples=[Example(value="0123456789ab")])]
# a ``path`` parameter keeps its leading slash
WidgetFileName = Annotated[str, PathParameter(
    max_length=FILE_MAX + 1, pattern=FILE.replace("^", "^/?", 1),
    examples=[Example(value="/atelier-personalizer.js")])]


def _files(state: State) -> WidgetFiles:
    files: WidgetFiles = state.widget_files
    return files


def _not_built() -> NotFound:
    return NotFound.of("widget build", "version")


def manifest_of(build: WidgetBuild) -> schemas.WidgetManifest:
    return schemas.WidgetManifest(version=build.version, entry=build.entry,
                                  files=list(build.files),
                                  entry_url=f"/widget/{build.version}/{build.entry}")


@get(MANIFEST_PATH, responses={**problems(404), 304: NOT_MODIFIED})
async def widget_manifest(request: Request, state: State) -> Response[schemas.WidgetManifest]:
    """The widget's current version and the URL of its script (cached for a minute)."""
    build = await _files(state).current_build()
    if build is None:
        raise _not_built()
    body = manifest_of(build).model_dump_json().encode()
    headers = {**PUBLIC, "Cache-Control": MANIFEST_CACHE, "ETag": domain.etag_of(body)}
    if domain.etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return encoded_json(b"", 304, headers)
    return encoded_json(body, headers=headers)


# each file in its own type (text/javascript, application/wasm, text/plain), so the document
# says any: one media type per response is all a route can state
@get(FILE_PATH, media_type="*/*", responses={**problems(400, 404), 304: NOT_MODIFIED})
async def widget_file(
    request: Request, state: State, version: Version, file: WidgetFileName
) -> Response[bytes]:
    """A file of a widget build, as its manifest lists it: immutable (a new build is a new
    version), gzip or brotli when the client accepts them."""
    build = await _files(state).build(version)
    served = None if build is None else build.files.get(file.lstrip("/"))
    if served is None:
        raise NotFound.of("widget file", "file")
    coding, body = served.encoded(request.headers.get("accept-encoding"))
    etag = served.etag if coding == "identity" else f'{served.etag[:-1]}-{coding}"'
    headers: dict[str, Any] = {**PUBLIC, "ETag": etag, "Vary": "Accept-Encoding"}
    if coding != "identity":
        headers["Content-Encoding"] = coding
    if domain.etag_matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=304, headers=headers,
                        media_type=served.content_type)
    return Response(content=body, media_type=served.content_type, headers=headers)
