"""What render makes of a design in 3D, one serializer per kind (``SERIALIZERS``): the product's
model (``model3d``) with the design's scene on it, as a GLB (``glb``) or a USDZ (``usdz``). Pure
functions of the scene and the model; the worker does storage and messages."""

from collections.abc import Callable

from atelier.contracts.model3d import ProductModel
from atelier.contracts.render import RenderKind
from atelier.render import glb, usdz
from atelier.render.domain import Undrawable
from atelier.render.mockup import Drawn, undrawable_on_failure
from atelier.render.model3d import Model3D, parametric_model
from atelier.render.uploaded import uploaded_model
from atelier.typeset.product import ProductScene

Serializer = Callable[[Model3D], bytes]
SERIALIZERS: dict[RenderKind, tuple[Serializer, str]] = {
    RenderKind.GLB: (glb.serialize, glb.CONTENT_TYPE),
    RenderKind.USDZ: (usdz.serialize, usdz.CONTENT_TYPE),
}


def model_of(scene: ProductScene, model: ProductModel, uploaded: bytes | None) -> Model3D:
    """The product's model with the design on it: a parametric shape built, or the uploaded
    GLB's bytes (``uploaded``) read."""
    if model.kind == "glb":
        if uploaded is None:
            raise Undrawable("the uploaded GLB was not given")
        return uploaded_model(scene, uploaded)
    return parametric_model(scene, model)


@undrawable_on_failure
def modelled(kind: RenderKind, scene: ProductScene, uploaded: bytes | None = None) -> Drawn:
    """The design's product in 3D as ``kind`` (``uploaded``: the GLB's bytes, when the model
    is one). Its size in pixels is its largest texture's (a model without one: 1 × 1)."""
    model = scene.spec.model
    if model is None:
        raise Undrawable("the product has no 3D model")
    built = model_of(scene, model, uploaded)
    serialize, content_type = SERIALIZERS[kind]
    textures = [part.material.texture_px for part in built.parts if part.material.texture]
    width, height = max(textures, key=lambda size: size[0] * size[1], default=(1, 1))
    return Drawn(serialize(built), content_type, width, height)
