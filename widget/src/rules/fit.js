// Step 8 of the rules (fit.py): the shaped text must fit the zone's safe area; without a size
// from the shopper, the largest size that fits is chosen.
import { autofit, layout } from '../typeset/layout.js';

/** 2 → "2.0", 2.25 → "2.25" */
function mm(size) {
  const text = size.toFixed(2).replace(/0+$/, '');
  return text.endsWith('.') ? `${text}0` : text;
}

function why(laid) {
  const reasons = [];
  if (laid.tooWide) reasons.push('too wide');
  if (laid.tooManyLines) reasons.push(`too many lines (at most ${laid.maxLines})`);
  if (laid.tooTall) reasons.push('too tall');
  return reasons.join(', ');
}

function firstOverflowingLine(laid, tolerance) {
  const limit = laid.maxLines || laid.lines.length;
  return laid.lines.find((line, index) => index >= limit
    || line.width > laid.box.width + tolerance
    || line.top + line.height > laid.box.height + tolerance).start;
}

function doesNotFit(zone, text, laid, message, tolerance) {
  return { field: zone.key, code: 'does_not_fit', message, position: text.positionAt(firstOverflowingLine(laid, tolerance)) };
}

const onGrid = (size, minSize, step, tolerance) => Number(Math.max(Math.floor(size / step + tolerance) * step, minSize).toFixed(6));

export function measure(zone, text, font, face, sizeMm, rules) {
  const box = { width: zone.width_mm - 2 * zone.safe_mm, height: zone.height_mm - 2 * zone.safe_mm };
  const maxLines = zone.rules.max_lines;
  const tolerance = rules.fit_tolerance_mm;
  if (sizeMm === null) {
    const low = font.min_size_mm;
    const found = autofit(text.value, face, zone.line_height, box, low, font.max_size_mm, rules.autofit_step_mm, maxLines);
    if (found !== null) return { sizeMm: onGrid(found, low, rules.autofit_step_mm, tolerance), fits: true, errors: [] };
    const laid = layout(text.value, face, low, zone.line_height, box, maxLines);
    const message = `The text in ${zone.label} does not fit even at the smallest size, ${mm(low)} mm.`;
    return { sizeMm: null, fits: false, errors: [doesNotFit(zone, text, laid, message, tolerance)] };
  }
  const laid = layout(text.value, face, sizeMm, zone.line_height, box, maxLines);
  if (laid.fits) return { sizeMm, fits: true, errors: [] };
  const message = `The text in ${zone.label} does not fit at ${mm(sizeMm)} mm: ${why(laid)}.`;
  return { sizeMm, fits: false, errors: [doesNotFit(zone, text, laid, message, tolerance)] };
}
