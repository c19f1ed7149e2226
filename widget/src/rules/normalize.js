// Steps 1 to 3 of the rules (normalize.py): unpaired surrogates, line breaks and NFC, the
// character policy, trimming; every cluster remembers its grapheme index in the text as typed.
// Offsets are in code points, as Python's string indices are.
import { category, graphemes, isAscii, isPrintable } from '../unicode.js';
import { codePoint, hex } from './naming.js';

const LINE_BREAK = /\r\n?|[\u2028\u2029]/g;
const SURROGATE = /[\ud800-\udfff]/;
const LINE_BREAK_CLUSTERS = new Set(['\n', '\r', '\r\n', '\u2028', '\u2029']);
const JOINERS = new Set(['\u200c', '\u200d']);
const BIDI_CONTROLS = new Set([...'\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069']);
const INVISIBLE = new Set([...'\u200b\ufeff\u2060\u200e\u200f\u061c\u00ad\u180e\u2061\u2062\u2063\u2064']);
const REFUSAL = {
  bidi_control: (label, char) => `${label} cannot contain the bidirectional control ${char}: remove it.`,
  control_character: (label, char) => `${label} cannot contain the control character ${char}: remove it.`,
  invisible_character: (label, char) => `${label} cannot contain the invisible character ${char}: remove it.`,
};

/** A zone's value after normalization, and where each of its clusters was typed. */
export class Text {
  constructor(value, clusters, origins, removed = [], errors = [], stopped = false) {
    this.value = value;
    this.chars = Array.from(value); // code points: Python's indexing
    this.clusters = clusters;
    this.origins = origins;
    this.removed = removed;
    this.errors = errors;
    this.stopped = stopped;
    this.starts = [];
    let offset = 0;
    for (const cluster of clusters) {
      this.starts.push(offset);
      offset += Array.from(cluster).length;
    }
  }

  get length() {
    return this.clusters.filter((c) => !LINE_BREAK_CLUSTERS.has(c)).length;
  }

  get lines() {
    return this.value ? this.value.split('\n').length : 0;
  }

  /** The input grapheme index of the cluster holding code point `offset` of the value. */
  positionAt(offset) {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.origins[lo];
  }
}

const isPrintableAscii = (typed) => isAscii(typed) && Array.from(typed).every(isPrintable);

export function normalize(typed, policy, key, label) {
  if (isPrintableAscii(typed)) {
    const value = typed.replace(/^ +| +$/g, '');
    const lead = value ? typed.length - typed.replace(/^ +/, '').length : 0;
    const chars = Array.from(value);
    return new Text(value, chars, chars.map((_, i) => lead + i));
  }
  const clusters = graphemes(typed);
  const surrogates = [];
  clusters.forEach((cluster, index) => {
    for (const char of cluster) {
      if (SURROGATE.test(char) && char.length === 1) {
        surrogates.push({
          field: key, code: 'unpaired_surrogate', position: index,
          message: `${label} contains an unpaired surrogate (U+${hex(char)}), which is not a character: type the text again.`,
        });
      }
    }
  });
  if (surrogates.length) {
    const shown = clusters.map((c) => c.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
    return new Text(shown.join(''), shown, shown.map((_, i) => i), [], surrogates, true);
  }
  const chars = [];
  clusters.forEach((cluster, index) => {
    for (const char of cluster.replace(LINE_BREAK, '\n')) chars.push([char, index]);
  });
  const [kept, removed, errors] = applyPolicy(chars, policy, key, label);
  return compose(trim(kept), removed, errors);
}

function applyPolicy(chars, policy, key, label) {
  const kept = [];
  const removed = [];
  const errors = [];
  for (const [char, origin] of chars) {
    const refusal = refusalOf(char, kept.length ? kept[kept.length - 1][0] : null);
    if (refusal === 'invisible_character' && policy === 'strip') {
      removed.push({ position: origin, character: codePoint(char) });
      continue;
    }
    if (refusal !== null) {
      errors.push({ field: key, code: refusal, message: REFUSAL[refusal](label, codePoint(char)), position: origin });
    }
    kept.push([char, origin]);
  }
  return [kept, removed, errors];
}

function refusalOf(char, previous) {
  if (BIDI_CONTROLS.has(char)) return 'bidi_control';
  const cat = category(char);
  if (cat === 'Cc' && char !== '\n') return 'control_character';
  if (JOINERS.has(char)) return joinable(previous) ? null : 'invisible_character';
  if (INVISIBLE.has(char) || cat === 'Cf') return 'invisible_character';
  return null;
}

function joinable(previous) {
  if (previous === null) return false;
  return JOINERS.has(previous) || !['Zs', 'Cc', 'Cf'].includes(category(previous));
}

const isSpaceForTrim = (char) => char === '\n' || category(char) === 'Zs';

function trim(kept) {
  let start = 0;
  let end = kept.length;
  while (start < end && isSpaceForTrim(kept[start][0])) start += 1;
  while (end > start && isSpaceForTrim(kept[end - 1][0])) end -= 1;
  return kept.slice(start, end);
}

function compose(kept, removed, errors) {
  const text = kept.map(([char]) => char).join('');
  const pieces = [];
  const originOf = [];
  let offset = 0;
  for (const cluster of graphemes(text)) {
    const composed = cluster.normalize('NFC');
    pieces.push(composed);
    const n = Array.from(composed).length;
    for (let i = 0; i < n; i += 1) originOf.push(kept[offset][1]);
    offset += Array.from(cluster).length;
  }
  const value = pieces.join('');
  const clusters = graphemes(value);
  const origins = [];
  let start = 0;
  for (const cluster of clusters) {
    origins.push(originOf[start]);
    start += Array.from(cluster).length;
  }
  return new Text(value, clusters, origins, removed, errors);
}
