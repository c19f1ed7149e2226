"""A 3D model as a USDZ (AR Quick Look): a binary USD layer with a default prim ``/Product``
(Y up, one metre per unit), a mesh per part with a ``UsdPreviewSurface`` material, and the PNG
textures beside it in an uncompressed zip package whose files start on 64-byte boundaries
(``package``: USD's own ``Sdf.ZipFileWriter`` aligns them too, but dates them with the clock).

Pure as far as the caller sees: usd-core reads and writes files only, so the layer and the
package are written in a temporary directory that is gone when the bytes are returned. The same
model gives the same bytes (the layer carries no clock, the package's files no dates).
"""

import io
import re
import struct
import tempfile
import zipfile
from pathlib import Path

from pxr import Gf, Kind, Sdf, Usd, UsdGeom, UsdShade, Vt

from atelier.render.glb import linear
from atelier.render.model3d import Material, Model3D, Part

CONTENT_TYPE = "model/vnd.usdz+zip"
ROOT = "/Product"
LAYER = "product.usdc"
ALIGNMENT = 64
PADDING_ID = 0x1986  # the extra field USD pads with
DATE = (1980, 1, 1, 0, 0, 0)  # zip's earliest: no clock in the bytes


def package(files: list[tuple[str, bytes]]) -> bytes:
    """A USDZ package of ``files`` in that order (the first is the layer opened): stored, not
    compressed, each file's data starting at a multiple of ``ALIGNMENT`` bytes (a padding extra
    field in its local header), so that a reader can map it in place."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, DATE)
            header = out.tell() + 30 + len(name.encode())  # the local header's fixed part
            pad = -(header + 4) % ALIGNMENT
            info.extra = struct.pack("<HH", PADDING_ID, pad) + b"\0" * pad
            archive.writestr(info, data)
    return out.getvalue()


def _name(text: str) -> str:
    """A valid prim name: letters, digits and underscores, not starting with a digit."""
    name = re.sub(r"\W", "_", text, flags=re.ASCII)
    return name if name and not name[0].isdigit() else f"_{name}"


def _texture(material: UsdShade.Material, name: str, file: str, st: UsdShade.Output,
             colour_space: str) -> UsdShade.Shader:
    reader = UsdShade.Shader.Define(material.GetPrim().GetStage(),
                                    material.GetPath().AppendChild(name))
    reader.CreateIdAttr("UsdUVTexture")
    reader.CreateInput("file", Sdf.ValueTypeNames.Asset).Set(file)
    reader.CreateInput("st", Sdf.ValueTypeNames.Float2).ConnectToSource(st)
    reader.CreateInput("sourceColorSpace", Sdf.ValueTypeNames.Token).Set(colour_space)
    reader.CreateInput("wrapS", Sdf.ValueTypeNames.Token).Set("clamp")
    reader.CreateInput("wrapT", Sdf.ValueTypeNames.Token).Set("clamp")
    return reader


def _material(stage: Usd.Stage, material: Material,
              textures: dict[str, bytes]) -> UsdShade.Material:
    path = Sdf.Path(f"{ROOT}/Materials/{_name(material.name)}")
    shaded = UsdShade.Material.Define(stage, path)
    surface = UsdShade.Shader.Define(stage, path.AppendChild("Surface"))
    surface.CreateIdAttr("UsdPreviewSurface")
    surface.CreateInput("useSpecularWorkflow", Sdf.ValueTypeNames.Int).Set(0)
    shaded.CreateSurfaceOutput().ConnectToSource(surface.ConnectableAPI(), "surface")
    colour = Gf.Vec3f(*(linear(int(material.colour[i:i + 2], 16)) for i in (1, 3, 5)))
    diffuse = surface.CreateInput("diffuseColor", Sdf.ValueTypeNames.Color3f)
    metallic = surface.CreateInput("metallic", Sdf.ValueTypeNames.Float)
    roughness = surface.CreateInput("roughness", Sdf.ValueTypeNames.Float)
    if material.texture is None:
        diffuse.Set(colour)
    if material.metallic_roughness is None:
        metallic.Set(material.metallic)
        roughness.Set(material.roughness)
    if material.texture is None and material.metallic_roughness is None:
        return shaded
    reader = UsdShade.Shader.Define(stage, path.AppendChild("St"))
    reader.CreateIdAttr("UsdPrimvarReader_float2")
    reader.CreateInput("varname", Sdf.ValueTypeNames.String).Set("st")
    st = reader.CreateOutput("result", Sdf.ValueTypeNames.Float2)
    if material.texture is not None:
        file = f"textures/{_name(material.name)}.png"
        textures[file] = material.texture
        colour_map = _texture(shaded, "Colour", file, st, "sRGB")
        diffuse.ConnectToSource(colour_map.CreateOutput("rgb", Sdf.ValueTypeNames.Float3))
    if material.metallic_roughness is not None:
        file = f"textures/{_name(material.name)}_metallic_roughness.png"
        textures[file] = material.metallic_roughness
        pbr = _texture(shaded, "MetallicRoughness", file, st, "raw")
        roughness.ConnectToSource(pbr.CreateOutput("g", Sdf.ValueTypeNames.Float))
        metallic.ConnectToSource(pbr.CreateOutput("b", Sdf.ValueTypeNames.Float))
    return shaded


def _mesh(stage: Usd.Stage, part: Part, material: UsdShade.Material) -> None:
    mesh = UsdGeom.Mesh.Define(stage, Sdf.Path(f"{ROOT}/Geom/{_name(part.name)}"))
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(part.positions))
    mesh.CreateExtentAttr(Vt.Vec3fArray([Gf.Vec3f(*map(float, part.positions.min(axis=0))),
                                         Gf.Vec3f(*map(float, part.positions.max(axis=0)))]))
    mesh.CreateNormalsAttr(Vt.Vec3fArray.FromNumpy(part.normals))
    mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray([3] * len(part.triangles)))
    mesh.CreateFaceVertexIndicesAttr(Vt.IntArray.FromNumpy(
        part.triangles.reshape(-1).astype("int32")))
    if part.uvs is not None:
        st = part.uvs.copy()
        st[:, 1] = 1 - st[:, 1]  # USD's texture origin is the bottom-left corner
        UsdGeom.PrimvarsAPI(mesh).CreatePrimvar(
            "st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex,
        ).Set(Vt.Vec2fArray.FromNumpy(st))
    UsdShade.MaterialBindingAPI.Apply(mesh.GetPrim()).Bind(material)


def serialize(model: Model3D) -> bytes:
    with tempfile.TemporaryDirectory(prefix="atelier-usdz-") as tmp:
        folder = Path(tmp)
        stage = Usd.Stage.CreateNew(str(folder / LAYER))
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, 1.0)
        root = UsdGeom.Xform.Define(stage, ROOT)
        Usd.ModelAPI(root.GetPrim()).SetKind(Kind.Tokens.component)
        stage.SetDefaultPrim(root.GetPrim())
        UsdGeom.Scope.Define(stage, f"{ROOT}/Geom")
        UsdGeom.Scope.Define(stage, f"{ROOT}/Materials")
        textures: dict[str, bytes] = {}
        for part in model.parts:
            _mesh(stage, part, _material(stage, part.material, textures))
        stage.GetRootLayer().Save()
        layer = (folder / LAYER).read_bytes()
    return package([(LAYER, layer), *sorted(textures.items())])
