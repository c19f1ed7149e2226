// The rules applied zone by zone (design.py): what the server's validate route answers, computed
// in the browser. `fonts` maps each font id of the config to its loaded face.
import { checkCharacters, requiredError } from './characters.js';
import { choose } from './choice.js';
import { measure } from './fit.js';
import { missingGlyphs } from './glyphs.js';
import { normalize } from './normalize.js';
import { wordErrors } from './words.js';

export function checkZone(zone, given, context) {
  const text = normalize(given.text, zone.rules.invisible, zone.key, zone.label);
  const result = {
    zone: zone.key, value: text.value, length: text.length, removed: [...text.removed],
    lines: text.lines, font_id: null, colour: null, size_mm: null, fits: null,
    errors: [...text.errors],
  };
  if (text.stopped) return result;
  if (!text.value) {
    if (zone.rules.required) result.errors.push(requiredError(zone));
    return result;
  }
  result.errors.push(...checkCharacters(zone, text));
  const { faces, infos, words, rules } = context;
  const choice = choose(zone, given, new Set(Object.keys(faces)), rules.size_tolerance_mm);
  result.font_id = choice.fontId;
  result.colour = choice.colour;
  result.size_mm = choice.sizeMm;
  result.errors.push(...choice.errors);
  const face = choice.font === null ? null : faces[choice.fontId];
  if (face) result.errors.push(...missingGlyphs(zone.key, infos[choice.fontId], face, text));
  if (zone.rules.block_list) result.errors.push(...wordErrors(zone.key, text, words));
  if (result.errors.length || !face) return result;
  const fit = measure(zone, text, choice.font, face, choice.sizeMm, rules);
  result.size_mm = fit.sizeMm;
  result.fits = fit.fits;
  result.errors.push(...fit.errors);
  return result;
}

const asInput = (value) => (typeof value === 'string' ? { text: value } : value);

const MEMO = 256; // results kept per zone: a shopper's unchanged zones come back every keystroke

/** A zone's result depends on its own input alone: kept, so that typing in one zone does not
 * measure the others again. */
function memoized(zone, given, context) {
  context.memo ??= new Map();
  let byInput = context.memo.get(zone.key);
  if (!byInput) context.memo.set(zone.key, (byInput = new Map()));
  const key = JSON.stringify([given.text, given.font_id ?? null, given.colour ?? null, given.size_mm ?? null]);
  let result = byInput.get(key);
  if (!result) {
    result = checkZone(zone, given, context);
    if (byInput.size >= MEMO) byInput.delete(byInput.keys().next().value);
    byInput.set(key, result);
  }
  return result; // shared: results are read, never changed
}

export function checkDesign(zones, values, context) {
  const results = zones.map((zone) => memoized(zone, values[zone.key] ? asInput(values[zone.key]) : { text: '' }, context));
  const keys = zones.map((z) => z.key);
  const errors = Object.keys(values).filter((key) => !keys.includes(key)).map((key) => ({
    field: key, code: 'unknown_zone', position: null,
    message: `This product has no zone "${key}"; its zones are: ${keys.join(', ')}.`,
  }));
  if (!results.some((r) => r.value || r.errors.length)) {
    errors.push({ field: 'values', code: 'required', message: 'Enter text in at least one zone.', position: null });
  }
  const valid = !errors.length && !results.some((r) => r.errors.length);
  return { valid, zones: results, errors };
}
