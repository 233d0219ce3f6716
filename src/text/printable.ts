/**
 * A file name as one line of a terminal or a log: as it is, unless it holds a control character
 * (a newline would split a `file:line: reason` line in two, an escape sequence would recolour
 * the terminal), a bidirectional formatting character (U+202E shows `report\u202Etxt.exe` as
 * `reportexe.txt`, as in "Trojan Source") or starts with a quote, and then quoted with JSON's
 * escapes, those JSON leaves raw included.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

export function printableName(name: string): string {
  // One that starts with a quote is quoted too, so that no name prints as another's quoted form.
  if (!CONTROL.test(name) && !name.startsWith('"')) return name;
  return JSON.stringify(name).replace(RAW_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
