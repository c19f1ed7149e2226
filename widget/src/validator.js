// The validation module, loaded lazily with its data: HarfBuzz (wasm), the server's character
// tables and the zone's fonts (the character names later, by block, when a message needs one).
// `createValidator` resolves once everything is ready; its `validate(values)` is then
// synchronous, the server's verdict without a round trip.
import tables from './generated/unicode.json';
import { checkDesign } from './rules/design.js';
import { compileWords } from './rules/words.js';
import { Face, harfbuzzVersion } from './typeset/shaper.js';
import { installTables, namesPending } from './unicode.js';

/** The rules edition this port implements (the server's `RULES_VERSION`). */
export const RULES_VERSION = tables.rules_version;

installTables(tables);

export async function createValidator(config, fetchFont) {
  if (config.rules.rules_version !== RULES_VERSION) {
    throw new Error(`rules ${config.rules.rules_version} are not the widget's ${RULES_VERSION}`);
  }
  const faces = {};
  const infos = {};
  await Promise.all(config.fonts.map(async (info) => {
    faces[info.id] = new Face(await fetchFont(info));
    infos[info.id] = info;
  }));
  const context = { faces, infos, words: compileWords(config.words), rules: config.rules };
  return {
    harfbuzz: harfbuzzVersion(),
    validate: (values) => checkDesign(config.zones, values, context),
    // a message naming a character whose block of names is not loaded yet names it by its code
    // point alone: this resolves once the names have come (null when none is missing), and the
    // results kept with the incomplete messages are dropped
    namesPending: () => namesPending()?.then(() => { context.memo = undefined; }) ?? null,
  };
}
