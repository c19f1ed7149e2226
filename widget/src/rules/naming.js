// How the rules name a character in a message (naming.py).
import { charName, isPrintable, isSpace } from '../unicode.js';

const CONTROL_NAMES = {
  '\x00': 'NULL', '\t': 'CHARACTER TABULATION', '\x0b': 'LINE TABULATION', '\x0c': 'FORM FEED',
  '\x1b': 'ESCAPE', '\x7f': 'DELETE', '\x85': 'NEXT LINE',
};

const hex = (char) => char.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');

/** `U+20AC EURO SIGN` (just `U+0001` when the character has no name). */
export function codePoint(char) {
  const name = charName(char) || CONTROL_NAMES[char] || '';
  return `U+${hex(char)} ${name}`.trimEnd();
}

/** `"€" (U+20AC EURO SIGN)`, or the code point alone for what cannot be seen. */
export function describe(shown) {
  const first = String.fromCodePoint(shown.codePointAt(0));
  if (isPrintable(first) && !isSpace(first)) return `"${shown}" (${codePoint(first)})`;
  return codePoint(first);
}

export { hex };
