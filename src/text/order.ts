/** The one ordering of strings the project uses: the same on every machine and in every locale. */

/**
 * Code point order, which is UTF-8 byte order: the order S3 lists keys in and a folder's names
 * sort in byte by byte. JavaScript's own `<` compares UTF-16 code units, which differs only where
 * a character beyond U+FFFF (an emoji, a rare CJK ideograph: two surrogate units, D800–DFFF)
 * meets one from U+E000 to U+FFFF (fullwidth forms, CJK compatibility ideographs): by code
 * units the first sorts before, by code points after.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // Where either string has no unit from U+D800 up, the first difference has a unit below it,
  // and there the two orders agree: the engine's own comparison, several times faster, is used.
  if (!HIGH_UNIT.test(a) || !HIGH_UNIT.test(b)) return a < b ? -1 : 1;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const HIGH_UNIT = /[\uD800-\uFFFF]/;

/**
 * `items` in the order compareStrings gives their names: themselves when they are in it already
 * (a listing's are, and checking costs less than sorting), else a sorted copy.
 */
export function inOrder<T>(items: readonly T[], name: (item: T) => string): readonly T[] {
  for (let i = 1; i < items.length; i++) {
    if (compareStrings(name(items[i - 1]!), name(items[i]!)) > 0) return [...items].sort((a, b) => compareStrings(name(a), name(b)));
  }
  return items;
}

/** A code unit's place in code point order: surrogates moved above U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}
