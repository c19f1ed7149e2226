// Step 7 of the rules (blocklist.py, words/): the brand's word rules, rebuilt from their folded
// form in the widget config (`WidgetWords`) and matched exactly as the server matches them.
import { casefold, isAlnum, isAlpha, isAscii, isDecimal, plain } from '../unicode.js';

const MAX_STRETCH = 8;
const MARKER = '*';
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const covers = (runs, wanted) => runs.length === wanted.length && runs.every((have, i) => have >= wanted[i]);

/** The brand's rules, indexed by how they match (entries.py `Rules`). */
export function compileWords(widgetWords) {
  const substitutions = new Map(Object.entries(widgetWords.substitutions));
  const rules = {
    substitutions,
    lookalikes: new Map(Object.entries(widgetWords.lookalikes)),
    symbols: new Set([...substitutions.keys()].filter((c) => !isAlnum(c))),
    message: widgetWords.message,
    words: new Map(), prefixes: new Map(), suffixes: new Map(), inside: [], phrases: new Map(),
    allowed: new Set(widgetWords.allowed),
    exact: new Set(widgetWords.allowed_as_written),
    stems: new Set(),
    count: 0,
  };
  const push = (index, key, entry) => {
    if (!index.has(key)) index.set(key, []);
    index.get(key).push(entry);
  };
  for (const [outcome, texts] of [['block', widgetWords.blocked], ['review', widgetWords.review]]) {
    for (const text of texts) {
      const entry = parse(text, outcome, rules);
      if (entry === null) continue;
      rules.count += 1;
      if (entry.kind === 'phrase') {
        push(rules.phrases, entry.key, entry);
        continue;
      }
      const chars = Array.from(entry.key);
      for (let n = 1; n <= chars.length; n += 1) rules.stems.add(chars.slice(0, n).join(''));
      if (entry.kind === 'inside') rules.inside.push(entry);
      else push({ word: rules.words, prefix: rules.prefixes, suffix: rules.suffixes }[entry.kind], entry.key, entry);
    }
  }
  return rules;
}

function parse(text, outcome, rules) {
  const stripped = text.trim();
  const bare = stripped.replace(/^\*+|\*+$/g, '');
  const words = fold(bare, rules).words.map((w) => [w.key, w.runs]);
  if (!words.length) return null;
  let kind = 'phrase';
  if (words.length === 1) {
    const before = stripped.startsWith(MARKER);
    const after = stripped.endsWith(MARKER);
    kind = before ? (after ? 'inside' : 'suffix') : (after ? 'prefix' : 'word');
  }
  return { text, outcome, kind, words, key: words[0][0], runs: words[0][1] };
}

function foldChar(char, rules) {
  if (char < '\x80') return char.toLowerCase();
  let out = '';
  for (const c of plain(char)) out += rules.lookalikes.get(c) ?? c;
  return out;
}

const isWordChar = (char, rules) => isAlnum(char) || rules.symbols.has(char);

/** The folded text's words, where they are in the value (folding.py `fold`). */
export function fold(value, rules) {
  const valueChars = Array.from(value);
  let chars;
  let origins;
  if (isAscii(value)) {
    chars = Array.from(value.toLowerCase());
    origins = chars.map((_, i) => i);
  } else {
    chars = [];
    origins = [];
    valueChars.forEach((char, offset) => {
      for (const c of foldChar(char, rules)) {
        chars.push(c);
        origins.push(offset);
      }
    });
  }
  const words = [];
  let i = 0;
  while (i < chars.length) {
    if (!isWordChar(chars[i], rules)) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < chars.length && isWordChar(chars[j], rules)) j += 1;
    const found = wordKey(chars.slice(i, j), rules);
    if (found !== null) {
      const [key, runs, length] = found;
      words.push({ key, runs, start: origins[i], end: origins[i + length - 1] + 1 });
    }
    i = j;
  }
  return { text: chars.join(''), words };
}

const translate = (chars, rules) => chars.map((c) => rules.substitutions.get(c) ?? c);

function wordKey(word, rules) {
  let length;
  if (word.every(isDecimal)) {
    length = word.length;
  } else {
    const letters = word.some(isAlpha);
    if (letters) {
      length = word.length;
      while (length > 0 && word[length - 1] === '!') length -= 1;
    } else {
      length = word.length;
    }
    word = letters ? translate(word.slice(0, length), rules) : word;
    word = word.filter(isAlnum);
    if (!word.length) return null;
  }
  const key = [];
  const runs = [];
  for (const char of word) {
    if (key.length && key[key.length - 1] === char) runs[runs.length - 1] += 1;
    else {
      key.push(char);
      runs.push(1);
    }
  }
  return [key.join(''), runs, length];
}

function matching(key, runs, rules) {
  const chars = Array.from(key);
  const found = [];
  for (const entry of rules.words.get(key) ?? []) {
    if (covers(runs, entry.runs)) found.push([entry, !same(runs, entry.runs)]);
  }
  if (rules.prefixes.size) {
    let prefix = '';
    for (let n = 1; n <= chars.length; n += 1) {
      prefix += chars[n - 1];
      const entries = rules.prefixes.get(prefix);
      if (!entries) continue;
      const part = runs.slice(0, n);
      for (const entry of entries) if (covers(part, entry.runs)) found.push([entry, !same(part, entry.runs)]);
    }
  }
  if (rules.suffixes.size) {
    let suffix = '';
    for (let n = 1; n <= chars.length; n += 1) {
      suffix = chars[chars.length - n] + suffix;
      const entries = rules.suffixes.get(suffix);
      if (!entries) continue;
      const part = runs.slice(runs.length - n);
      for (const entry of entries) if (covers(part, entry.runs)) found.push([entry, !same(part, entry.runs)]);
    }
  }
  for (const entry of rules.inside) {
    if (!key.includes(entry.key)) continue;
    const wanted = Array.from(entry.key);
    for (let at = 0; at + wanted.length <= chars.length; at += 1) {
      if (!wanted.every((c, k) => chars[at + k] === c)) continue;
      const aligned = runs.slice(at, at + wanted.length);
      if (covers(aligned, entry.runs)) {
        found.push([entry, !same(aligned, entry.runs)]);
        break;
      }
    }
  }
  return found;
}

function exception(valueChars, word, rules) {
  if (rules.allowed.has(word.key)) return true;
  return rules.exact.size > 0 && rules.exact.has(casefold(valueChars.slice(word.start, word.end).join('')));
}

/** Every entry the value contains, in order (words/__init__.py `find`). */
export function find(value, rules) {
  if (!rules.count) return [];
  const valueChars = Array.from(value);
  const { words } = fold(value, rules);
  const hits = [];
  let singles = false;
  words.forEach((word, index) => {
    for (const [entry, stretched] of matching(word.key, word.runs, rules)) {
      hits.push({ entry, start: word.start, end: word.end, stretched, excepted: exception(valueChars, word, rules) });
    }
    for (const entry of rules.phrases.get(word.key) ?? []) {
      const span = words.slice(index, index + entry.words.length);
      if (span.length === entry.words.length
          && span.every((w, k) => w.key === entry.words[k][0] && covers(w.runs, entry.words[k][1]))) {
        hits.push({ entry, start: span[0].start, end: span[span.length - 1].end, excepted: span.some((w) => exception(valueChars, w, rules)) });
      }
    }
    singles = singles || same(word.runs, [1]);
  });
  if (singles) hits.push(...joined(words, rules));
  return hits.length > 1 ? distinct(hits) : hits;
}

function joined(words, rules) {
  const hits = [];
  const read = (key) => translate(Array.from(key), rules).join('');
  const single = words.map((w) => same(w.runs, [1]));
  words.forEach((word, first) => {
    if (!single[first]) return;
    let key = read(word.key);
    const runs = [1];
    for (let last = first + 1; last < words.length; last += 1) {
      if (!single[last]) break;
      const letter = read(words[last].key);
      const keyChars = Array.from(key);
      if (letter === keyChars[keyChars.length - 1]) {
        runs[runs.length - 1] += 1;
        if (runs[runs.length - 1] > MAX_STRETCH) break;
      } else {
        key += letter;
        runs.push(1);
      }
      if (!rules.stems.has(key)) break;
      const excepted = rules.allowed.has(key);
      for (const [entry, stretched] of matching(key, [...runs], rules)) {
        hits.push({ entry, start: word.start, end: words[last].end, stretched, excepted });
      }
    }
  });
  return hits;
}

function distinct(hits) {
  const sorted = hits.map((h, i) => [h, i]).sort(([a, i], [b, j]) => a.start - b.start || b.end - a.end || i - j);
  const kept = [];
  const reach = new Map();
  for (const [hit] of sorted) {
    if (hit.end > (reach.get(hit.entry) ?? -1)) {
      kept.push(hit);
      reach.set(hit.entry, hit.end);
    }
  }
  return kept;
}

/** The zone's blocked-word errors: one per place a blocked entry starts. */
export function wordErrors(key, text, rules) {
  const positions = [];
  for (const hit of find(text.value, rules)) {
    if (hit.excepted || hit.entry.outcome !== 'block') continue;
    const position = text.positionAt(hit.start);
    if (!positions.includes(position)) positions.push(position);
  }
  return positions.map((position) => ({ field: key, code: 'blocked_word', message: rules.message, position }));
}
