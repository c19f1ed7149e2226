// Step 4 of the rules (characters.py): lines, length and the characters a zone allows.
import { category } from '../unicode.js';
import { describe } from './naming.js';

const CLASS_OF_CATEGORY = { L: 'letters', M: 'letters', P: 'punctuation', S: 'symbols' };

export function characterClass(char) {
  if (char === ' ') return 'space';
  const cat = category(char);
  if (cat === 'Nd') return 'digits';
  return CLASS_OF_CATEGORY[cat[0]] ?? null;
}

export function requiredError(zone) {
  return { field: zone.key, code: 'required', message: `${zone.label} is required: enter some text.`, position: null };
}

export function checkCharacters(zone, text) {
  return [...tooManyLines(zone, text), ...tooLong(zone, text), ...notAllowed(zone, text)];
}

function tooManyLines(zone, text) {
  const limit = zone.rules.max_lines;
  if (text.lines <= limit) return [];
  const breaks = [];
  text.clusters.forEach((cluster, index) => { if (cluster === '\n') breaks.push(index); });
  const firstExtra = breaks[limit - 1] + 1;
  const unit = limit === 1 ? 'line' : 'lines';
  return [{
    field: zone.key, code: 'too_many_lines', position: text.origins[firstExtra],
    message: `${zone.label} takes at most ${limit} ${unit}; this text has ${text.lines}.`,
  }];
}

function tooLong(zone, text) {
  const limit = zone.rules.max_length;
  if (text.length <= limit) return [];
  const counted = [];
  text.clusters.forEach((cluster, index) => { if (cluster !== '\n') counted.push(index); });
  return [{
    field: zone.key, code: 'too_long', position: text.origins[counted[limit]],
    message: `${zone.label} takes at most ${limit} characters; this text has ${text.length}.`,
  }];
}

function notAllowed(zone, text) {
  const allowed = new Set(zone.rules.allowed_classes);
  const extra = new Set(Array.from(zone.rules.allowed_extra.normalize('NFC')));
  const errors = [];
  text.clusters.forEach((cluster, index) => {
    const first = String.fromCodePoint(cluster.codePointAt(0));
    if (cluster === '\n' || ['Cc', 'Cf'].includes(category(first))) return;
    if (extra.has(first) || allowed.has(characterClass(first))) return;
    errors.push({
      field: zone.key, code: 'character_not_allowed', position: text.origins[index],
      message: `The character ${describe(cluster)} is not allowed in ${zone.label}.`,
    });
  });
  return errors;
}
