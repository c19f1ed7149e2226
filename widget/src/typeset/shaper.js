// Fonts loaded once per validator and shaped with harfbuzzjs, HarfBuzz compiled to WebAssembly
// (the release whose HarfBuzz is the server's uharfbuzz's: see package.json). Font units, y up.
import * as hb from 'harfbuzzjs';

export const harfbuzzVersion = () => hb.versionString();

export class Face {
  constructor(bytes) {
    this.face = new hb.Face(new hb.Blob(bytes));
    this.font = new hb.Font(this.face);
    this.unitsPerEm = this.face.upem;
    this.cmap = new Set(this.face.collectUnicodes());
    const extents = this.font.hExtents();
    this.ascender = extents.ascender / this.unitsPerEm;
    this.descender = -extents.descender / this.unitsPerEm;
  }

  hasChar(char) {
    return this.cmap.has(char.codePointAt(0));
  }

  /** The advance in font units of codePoints[start:end] shaped as one run, the rest of the
   * paragraph being context (Arabic joining), as `Face.shape` shapes it on the server. */
  advance(codePoints, start, end, rtl, script) {
    const buffer = (this.buffer ??= new hb.Buffer());
    buffer.reset();
    buffer.addCodePoints(codePoints, start, end - start);
    buffer.setDirection(rtl ? hb.Direction.RTL : hb.Direction.LTR);
    if (script) buffer.setScript(script);
    buffer.guessSegmentProperties();
    hb.shape(this.font, buffer);
    let units = 0;
    for (const position of buffer.getGlyphPositions()) units += position.xAdvance;
    return units;
  }
}
