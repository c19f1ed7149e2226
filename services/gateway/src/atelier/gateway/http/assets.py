"""Public files: previews and brand fonts from the store, and the fonts shipped with Atelier."""

import asyncio
from typing import Annotated

from litestar import Response, get
from litestar.openapi.spec import Example
from litestar.params import PathParameter

from atelier.gateway import domain
from atelier.gateway.handlers import assets as handlers
from atelier.gateway.http.common import AppRuntime, PathId, problems
from atelier.kit.errors import NotFound
from atelier.typeset.fonts import shipped_font

# what an object key can be (``renders/<hash>/preview.png``, ``fonts/<hash>``), leading slash
# included (a ``path`` parameter keeps it)
AssetKey = Annotated[str, PathParameter(
    max_length=300, pattern=r"^/?[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$",
    examples=[Example(value=f"/renders/{'0' * 64}/preview.png")],
)]
IMMUTABLE = "public, max-age=31536000, immutable"
PUBLIC_FILE = {
    "Cache-Control": IMMUTABLE,
    "Access-Control-Allow-Origin": "*",  # fonts and textures are fetched cross-origin
    "X-Content-Type-Options": "nosniff",
}


@get("/v1/assets/{key:path}", media_type="application/octet-stream", responses=problems(400, 404))
async def asset(runtime: AppRuntime, key: AssetKey) -> Response[bytes]:
    """Previews (``renders/``), brand fonts (``fonts/``) and product photos (``photos/``),
    content-addressed and immutable."""
    key = key.lstrip("/")
    data = await handlers.asset(runtime, key)
    return Response(content=data, media_type=domain.media_type_of(key, data),
                    headers=PUBLIC_FILE)


@get("/v1/fonts/{font_id:str}", media_type="font/ttf", responses=problems(400, 404))
async def font(font_id: PathId) -> Response[bytes]:
    """A font shipped with Atelier."""
    try:
        shipped = shipped_font(font_id)
    except LookupError:
        raise NotFound.of("font", "font_id") from None
    data = await asyncio.to_thread(shipped.path.read_bytes)
    return Response(content=data, media_type=shipped.media_type, headers=PUBLIC_FILE)
