// Paragraphs, grapheme clusters and break opportunities (atelier.typeset.breaking). Texts are
// arrays of code points, indexed as Python indexes strings.
import { graphemes, isDigit } from '../unicode.js';

const MANDATORY = new Set(['\n', '\r', '\v', '\f', '\x85', '\u2028', '\u2029']);
export const BREAKING_SPACES = new Set([...' \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000']);
const HYPHENS = new Set(['-', '\u2010', '\u2013']);
const ZERO_WIDTH_SPACE = '\u200b';

/** [start, end) of each paragraph; empty text has none. */
export function paragraphs(chars) {
  if (!chars.length) return [];
  const spans = [];
  let start = 0;
  for (let i = 0; i < chars.length; i += 1) {
    if (!MANDATORY.has(chars[i])) continue;
    spans.push([start, i]);
    if (chars[i] === '\r' && chars[i + 1] === '\n') i += 1;
    start = i + 1;
  }
  spans.push([start, chars.length]);
  return spans;
}

/** The index at which each grapheme cluster of `chars` starts. */
export function graphemeStarts(chars) {
  const starts = [];
  let offset = 0;
  for (const cluster of graphemes(chars.join(''))) {
    starts.push(offset);
    offset += Array.from(cluster).length;
  }
  return starts;
}

export function breakOpportunities(chars, start, end) {
  const boundaries = new Set(graphemeStarts(chars.slice(start, end)));
  const found = [];
  for (let p = start + 1; p < end; p += 1) {
    const before = chars[p - 1];
    const after = chars[p];
    if (!boundaries.has(p - start) || BREAKING_SPACES.has(after)) continue;
    if (BREAKING_SPACES.has(before) || before === ZERO_WIDTH_SPACE
        || (HYPHENS.has(before) && p - 2 >= start && !BREAKING_SPACES.has(chars[p - 2]) && !isDigit(after))) {
      found.push(p);
    }
  }
  return found;
}

export function trimEnd(chars, start, end) {
  while (end > start && BREAKING_SPACES.has(chars[end - 1])) end -= 1;
  return end;
}
