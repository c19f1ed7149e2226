// Step 6 of the rules (glyphs.py, atelier.typeset.coverage): every character must be one the
// chosen font can draw.
import { category, graphemes } from '../unicode.js';
import { describe } from './naming.js';

const drawn = (char) => {
  if (['Cc', 'Cf'].includes(category(char))) return false;
  const code = char.codePointAt(0);
  return !((code >= 0xfe00 && code <= 0xfe0f) || (code >= 0xe0100 && code <= 0xe01ef));
};

/** (grapheme index, character) of every character the face's cmap lacks. */
export function coverage(face, value) {
  const missing = [];
  graphemes(value).forEach((cluster, index) => {
    const chars = Array.from(cluster);
    const lacking = chars.filter((c) => drawn(c) && !face.hasChar(c));
    if (lacking.length && !Array.from(cluster.normalize('NFC')).every((c) => !drawn(c) || face.hasChar(c))) {
      for (const char of lacking) missing.push([index, char]);
    }
  });
  return missing;
}

export function missingGlyphs(key, fontInfo, face, text) {
  // A brand font's id is an opaque id the shopper never saw: it is "the chosen font".
  const subject = fontInfo.shipped ? `The font ${fontInfo.family}` : 'The chosen font';
  return coverage(face, text.value).map(([index, char]) => ({
    field: key, code: 'glyph_missing', position: text.origins[index],
    message: `${subject} cannot draw ${describe(char)}.`,
  }));
}
