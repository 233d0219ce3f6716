/** The one ordering of strings the project uses: the same on every machine and in every locale. */

/** Byte-order comparison (UTF-16 code units, which for the keys and file names here is UTF-8 byte order). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
