// Step 5 of the rules (choice.py): the shopper's font, colour and size, each one the zone offers.

/** Python's `{x:g}`: six significant digits, no trailing zeros. */
export function formatG(x) {
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-4)) {
    const [m, e] = Number(x).toExponential(5).split('e');
    const mantissa = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const exp = Number(e);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(Number(x.toPrecision(6)));
}

export function choose(zone, given, available, sizeTolerance) {
  const fontId = given.font_id || zone.fonts[0].font_id;
  const font = zone.fonts.find((f) => f.font_id === fontId && available.has(fontId)) ?? null;
  const colour = (given.colour || zone.colours[0]).toUpperCase();
  const errors = [];
  if (font === null) {
    const offered = zone.fonts.filter((f) => available.has(f.font_id)).map((f) => f.font_id);
    errors.push({
      field: zone.key, code: 'font_not_allowed', position: null,
      message: `The font "${fontId}" is not available for ${zone.label}; choose one of: ${offered.join(', ') || 'none'}.`,
    });
  }
  const colours = zone.colours.map((c) => c.toUpperCase());
  if (!colours.includes(colour)) {
    errors.push({
      field: zone.key, code: 'colour_not_allowed', position: null,
      message: `The colour ${colour} is not available for ${zone.label}; choose one of: ${colours.join(', ')}.`,
    });
  }
  const size = given.size_mm ?? null;
  if (font !== null && size !== null
      && !(font.min_size_mm - sizeTolerance <= size && size <= font.max_size_mm + sizeTolerance)) {
    errors.push({
      field: zone.key, code: 'size_out_of_range', position: null,
      message: `The size ${formatG(size)} mm is out of range for ${zone.label}: choose between ${formatG(font.min_size_mm)} and ${formatG(font.max_size_mm)} mm.`,
    });
  }
  return { fontId, colour, sizeMm: size, font, errors };
}
