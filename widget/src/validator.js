// The validation module, loaded lazily with its data: HarfBuzz (wasm), the server's character
// tables and the zone's fonts. `createValidator` resolves once everything is ready; its
// `validate(values)` is then synchronous, the server's verdict without a round trip.
import names from './generated/names.json';
import tables from './generated/unicode.json';
import { checkDesign } from './rules/design.js';
import { compileWords } from './rules/words.js';
import { Face, harfbuzzVersion } from './typeset/shaper.js';
import { installTables } from './unicode.js';

/** The rules edition this port implements (the server's `RULES_VERSION`). */
export const RULES_VERSION = tables.rules_version;

installTables(tables, names);

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
  };
}
