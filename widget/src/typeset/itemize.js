// Runs HarfBuzz can shape (one direction, one script) in visual order: the UAX #9 subset of
// atelier.typeset.itemize, over the server's bidi classes and scripts.
import { bidiClass as rawBidi, category, mirrored, script as rawScript } from '../unicode.js';

const REMOVED = new Set(['BN', 'LRE', 'RLE', 'LRO', 'RLO', 'PDF']);
const ISOLATES = new Set(['LRI', 'RLI', 'FSI', 'PDI']);
const TRAILING_RESET = new Set(['WS', 'BN', 'LRE', 'RLE', 'LRO', 'RLO', 'PDF', ...ISOLATES]);
const NO_SCRIPT = new Set(['Zyyy', 'Zinh', 'Zzzz']);
const BRACKET_STACK = 63;
const SAME_BRACKET = { '\u2329': '\u3008', '\u232a': '\u3009' };
const CROSSED_BRACKETS = { '\u298d': '\u2990', '\u298f': '\u298e' };

const bidiClass = (char) => {
  const kind = rawBidi(char) || 'L';
  return ISOLATES.has(kind) ? 'ON' : kind;
};

export function paragraphLevel(chars) {
  for (const char of chars) {
    const kind = bidiClass(char);
    if (kind === 'L') return 0;
    if (kind === 'R' || kind === 'AL') return 1;
  }
  return 0;
}

const ascii = (chars) => chars.every((c) => c < '\x80');

export function resolveLevels(chars, base) {
  // ASCII has no R, AL or AN: at base level 0 everything stays at 0 (as on the server)
  if (base === 0 && ascii(chars)) return new Array(chars.length).fill(0);
  const kept = [];
  chars.forEach((char, i) => { if (!REMOVED.has(bidiClass(char))) kept.push(i); });
  const types = kept.map((i) => bidiClass(chars[i]));
  const original = [...types];
  const sos = base % 2 ? 'R' : 'L';
  resolveWeak(types, sos);
  resolveBrackets(kept.map((i) => chars[i]), types, original, sos);
  resolveNeutral(types, sos);
  const levels = new Array(chars.length).fill(base);
  kept.forEach((i, k) => { levels[i] = implicitLevel(types[k], base); });
  for (let i = 1; i < chars.length; i += 1) {
    if (REMOVED.has(bidiClass(chars[i]))) levels[i] = levels[i - 1];
  }
  return levels;
}

function resolveWeak(types, sos) {
  let previous = sos;
  for (let i = 0; i < types.length; i += 1) {
    if (types[i] === 'NSM') types[i] = previous;
    previous = types[i];
  }
  let strong = sos;
  for (let i = 0; i < types.length; i += 1) {
    if (['L', 'R', 'AL'].includes(types[i])) strong = types[i];
    else if (types[i] === 'EN' && strong === 'AL') types[i] = 'AN';
  }
  for (let i = 0; i < types.length; i += 1) if (types[i] === 'AL') types[i] = 'R';
  for (let i = 1; i < types.length - 1; i += 1) {
    const before = types[i - 1];
    const kind = types[i];
    const after = types[i + 1];
    if (kind === 'ES' && before === 'EN' && after === 'EN') types[i] = 'EN';
    else if (kind === 'CS' && before === after && (before === 'EN' || before === 'AN')) types[i] = before;
  }
  for (const [start, end] of spans(types.map((k) => k === 'ET'))) {
    if ((start > 0 && types[start - 1] === 'EN') || (end < types.length && types[end] === 'EN')) {
      for (let i = start; i < end; i += 1) types[i] = 'EN';
    }
  }
  strong = sos;
  for (let i = 0; i < types.length; i += 1) {
    if (types[i] === 'L' || types[i] === 'R') strong = types[i];
    else if (types[i] === 'EN' && strong === 'L') types[i] = 'L';
  }
}

const bracketCache = new Map();
function bracket(char) {
  if (bracketCache.has(char)) return bracketCache.get(char);
  let found = null;
  const c = SAME_BRACKET[char] ?? char;
  if (mirrored(c)) {
    const cat = category(c);
    if (cat === 'Ps') {
      if (CROSSED_BRACKETS[c]) found = ['open', CROSSED_BRACKETS[c]];
      else {
        const following = String.fromCodePoint(c.codePointAt(0) + 1);
        found = ['open', category(following) === 'Pe' ? following : String.fromCodePoint(c.codePointAt(0) + 2)];
      }
    } else if (cat === 'Pe') found = ['close', c];
  }
  bracketCache.set(char, found);
  return found;
}

function bracketPairs(chars, types) {
  const pairs = [];
  const stack = [];
  for (let i = 0; i < chars.length; i += 1) {
    const b = types[i] === 'ON' ? bracket(chars[i]) : null;
    if (b === null) continue;
    const [kind, closing] = b;
    if (kind === 'open') {
      if (stack.length === BRACKET_STACK) break;
      stack.push([closing, i]);
      continue;
    }
    for (let depth = stack.length - 1; depth >= 0; depth -= 1) {
      if (stack[depth][0] === closing) {
        pairs.push([stack[depth][1], i]);
        stack.length = depth;
        break;
      }
    }
  }
  return pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

const strongDirection = (kind) => (kind === 'L' ? 'L' : ['R', 'EN', 'AN'].includes(kind) ? 'R' : null);

function resolveBrackets(chars, types, original, sos) {
  if (!chars.some((c) => bracket(c))) return;
  for (const [opening, closing] of bracketPairs(chars, types)) {
    const inside = new Set(types.slice(opening + 1, closing).map(strongDirection).filter((d) => d !== null));
    if (!inside.size) continue;
    let direction = sos;
    if (!inside.has(sos)) {
      direction = sos;
      for (let k = opening - 1; k >= 0; k -= 1) {
        const d = strongDirection(types[k]);
        if (d !== null) { direction = d; break; }
      }
    }
    for (const b of [opening, closing]) {
      types[b] = direction;
      let after = b + 1;
      while (after < types.length && original[after] === 'NSM') {
        types[after] = direction;
        after += 1;
      }
    }
  }
}

function resolveNeutral(types, sos) {
  for (const [start, end] of spans(types.map((k) => strongDirection(k) === null))) {
    const before = (start > 0 ? strongDirection(types[start - 1]) : null) ?? sos;
    const after = (end < types.length ? strongDirection(types[end]) : null) ?? sos;
    for (let i = start; i < end; i += 1) types[i] = before === after ? before : sos;
  }
}

function implicitLevel(kind, base) {
  if (base % 2 === 0) return base + ({ R: 1, AN: 2, EN: 2 }[kind] ?? 0);
  return base + (['L', 'EN', 'AN'].includes(kind) ? 1 : 0);
}

function spans(flags) {
  const found = [];
  let start = null;
  [...flags, false].forEach((inside, i) => {
    if (inside && start === null) start = i;
    else if (!inside && start !== null) {
      found.push([start, i]);
      start = null;
    }
  });
  return found;
}

const scriptOf = (char) => {
  const s = rawScript(char);
  return NO_SCRIPT.has(s) ? null : s;
};

export function resolveScripts(chars) {
  if (ascii(chars)) return new Array(chars.length).fill(chars.some((c) => /[A-Za-z]/.test(c)) ? 'Latn' : null);
  const scripts = chars.map(scriptOf);
  let previous = null;
  for (let i = 0; i < scripts.length; i += 1) {
    if (scripts[i] === null) scripts[i] = previous;
    previous = scripts[i];
  }
  let following = null;
  for (let i = scripts.length - 1; i >= 0; i -= 1) {
    if (scripts[i] === null) scripts[i] = following;
    following = scripts[i];
  }
  return scripts;
}

/** The runs of the line chars[start:end] in visual order (L1, L2). */
export function lineRuns(chars, levels, scripts, start, end, base) {
  const lineLevels = levels.slice(start, end);
  for (let i = end - start - 1; i >= 0; i -= 1) {
    if (!TRAILING_RESET.has(rawBidi(chars[start + i]))) break;
    lineLevels[i] = base;
  }
  const runs = [];
  let runStart = start;
  for (let i = start + 1; i <= end; i += 1) {
    if (i === end || lineLevels[i - start] !== lineLevels[runStart - start] || scripts[i] !== scripts[runStart]) {
      runs.push({ start: runStart, end: i, level: lineLevels[runStart - start], script: scripts[runStart] });
      runStart = i;
    }
  }
  return reorder(runs);
}

function reorder(runs) {
  const odd = runs.filter((r) => r.level % 2 === 1).map((r) => r.level);
  if (!odd.length) return runs;
  const order = [...runs];
  const top = Math.max(...runs.map((r) => r.level));
  for (let level = top; level >= Math.min(...odd); level -= 1) {
    for (const [s, e] of spans(order.map((r) => r.level >= level))) {
      const part = order.slice(s, e).reverse();
      order.splice(s, e - s, ...part);
    }
  }
  return order;
}
