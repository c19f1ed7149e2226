// Paragraphs shaped and broken greedily into lines, measured, and auto-fitted: the port of
// atelier.typeset's paragraph, layout and fit, to the last bit of its float arithmetic.
import { breakOpportunities, graphemeStarts, paragraphs, trimEnd } from './breaking.js';
import { lineRuns, paragraphLevel, resolveLevels, resolveScripts } from './itemize.js';

export const EPSILON_MM = 1e-6;

class Paragraph {
  constructor(chars, start, end, face) {
    this.chars = chars.slice(start, end);
    this.codePoints = this.chars.map((c) => c.codePointAt(0));
    this.offset = start;
    this.face = face;
    this.base = paragraphLevel(this.chars);
    this.levels = resolveLevels(this.chars, this.base);
    this.scripts = resolveScripts(this.chars);
    this.units = new Map();
    this.opportunityList = null;
  }

  /** The advance width in font units of the line chars[start:end], shaped run by run. */
  shapedUnits(start, end) {
    const key = start * 65536 + end;
    let units = this.units.get(key);
    if (units === undefined) {
      units = 0;
      for (const run of lineRuns(this.chars, this.levels, this.scripts, start, end, this.base)) {
        units += this.face.advance(this.codePoints, run.start, run.end, run.level % 2 === 1, run.script);
      }
      this.units.set(key, units);
    }
    return units;
  }

  width(start, end, scale) {
    return this.shapedUnits(start, end) * scale;
  }

  opportunities() {
    if (this.opportunityList === null) {
      this.opportunityList = [...breakOpportunities(this.chars, 0, this.chars.length), this.chars.length];
    }
    return this.opportunityList;
  }

  breaks(widthMm, scale) {
    const end = this.chars.length;
    if (end === 0) return [[0, 0]];
    const whole = trimEnd(this.chars, 0, end);
    if (this.width(0, whole, scale) <= widthMm + EPSILON_MM) return [[0, whole]];
    const opportunities = this.opportunities();
    const lines = [];
    let start = 0;
    while (start < end) {
      let candidates = opportunities.filter((p) => p > start && trimEnd(this.chars, start, p) > start);
      if (!candidates.length) candidates = [end];
      let cut = this.lastFitting(start, candidates, widthMm, scale);
      if (cut === null) cut = this.cutWord(start, candidates[0], widthMm, scale);
      lines.push([start, trimEnd(this.chars, start, cut)]);
      start = cut;
    }
    return lines;
  }

  cutWord(start, wordEnd, widthMm, scale) {
    const clusters = graphemeStarts(this.chars.slice(start, wordEnd)).map((g) => start + g).slice(1);
    clusters.push(wordEnd);
    return this.lastFitting(start, clusters, widthMm, scale) || clusters[0];
  }

  lastFitting(start, cuts, widthMm, scale) {
    let best = null;
    for (const cut of cuts) {
      if (this.width(start, trimEnd(this.chars, start, cut), scale) > widthMm + EPSILON_MM) break;
      best = cut;
    }
    return best;
  }
}

const analysed = new Map(); // per face: text → its paragraphs (auto-fit tries several sizes)

export function shapedText(text, face) {
  let byText = analysed.get(face);
  if (!byText) analysed.set(face, (byText = new Map()));
  let found = byText.get(text);
  if (!found) {
    const chars = Array.from(text);
    found = paragraphs(chars).map(([s, e]) => new Paragraph(chars, s, e, face));
    if (byText.size > 4096) byText.clear();
    byText.set(text, found);
  }
  return found;
}

/** too wide, too many lines, too tall */
function overflow(widest, lines, block, box, maxLines) {
  return [widest > box.width + EPSILON_MM, maxLines !== null && lines > maxLines, block > box.height + EPSILON_MM];
}

function fitsAt(paragraphList, size, lineHeight, box, maxLines) {
  const scale = paragraphList.length ? size / paragraphList[0].face.unitsPerEm : 0;
  const widths = [];
  for (const p of paragraphList) for (const [s, e] of p.breaks(box.width, scale)) widths.push(p.width(s, e, scale));
  const block = widths.length * (size * lineHeight);
  return !overflow(widths.length ? Math.max(...widths) : 0, widths.length, block, box, maxLines).some(Boolean);
}

const round = (x, digits) => Number(x.toFixed(digits));

/** The largest size on the grid min + k·step at which the text fits, or null (fit.py). */
export function autofit(text, face, lineHeight, box, minSize, maxSize, step, maxLines) {
  const size = (k) => round(minSize + k * step, 9);
  const paragraphList = shapedText(text, face);
  const fits = (k) => fitsAt(paragraphList, size(k), lineHeight, box, maxLines);
  let top = Math.floor((maxSize - minSize) / step + 1e-9);
  if (text) {
    while (top >= 0 && size(top) * lineHeight > box.height + EPSILON_MM) top -= 1;
  }
  if (top < 0 || !fits(0)) return null;
  if (fits(top)) return size(top);
  let lo = 0;
  let hi = top;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return size(lo);
}

/** The lines of the text at a size, vertically centred in the box, and the overflow flags. */
export function layout(text, face, size, lineHeight, box, maxLines) {
  const paragraphList = shapedText(text, face);
  const scale = paragraphList.length ? size / paragraphList[0].face.unitsPerEm : 0;
  const placed = [];
  for (const p of paragraphList) for (const [s, e] of p.breaks(box.width, scale)) placed.push([p, s, e]);
  const pitch = size * lineHeight;
  const block = placed.length * pitch;
  const top = (box.height - block) / 2;
  const lines = placed.map(([p, s, e], i) => ({
    start: p.offset + s, end: p.offset + e, width: p.width(s, e, scale), top: top + i * pitch, height: size * lineHeight,
  }));
  const widest = lines.length ? Math.max(...lines.map((l) => l.width)) : 0;
  const [tooWide, tooManyLines, tooTall] = overflow(widest, lines.length, block, box, maxLines);
  return { lines, box, maxLines, tooWide, tooManyLines, tooTall, fits: !(tooWide || tooManyLines || tooTall) };
}
