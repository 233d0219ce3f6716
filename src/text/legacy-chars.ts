/**
 * Characters a seed may hold that XML 1.0 allows but HTML5 and feed validators refuse: the C1
 * controls (U+0080–U+009F), DEL and the noncharacters (U+FDD0–U+FDEF, and the last two of each
 * plane). A C1 control in UTF-8 text is almost always text once written in Windows-1252 and read
 * as Latin-1 (`\u0093quoted\u0094` for “quoted”), so it becomes the character Windows-1252 has
 * there; the five it leaves undefined (a space here), DEL and the noncharacters are dropped.
 */
const WINDOWS_1252 = '€ ‚ƒ„…†‡ˆ‰Š‹Œ Ž  ‘’“”•–—˜™š›œ žŸ';

const LEGACY = /[\u007F-\u009F\p{Noncharacter_Code_Point}]/u;
const LEGACY_ALL = /[\u007F-\u009F\p{Noncharacter_Code_Point}]/gu;

export function withoutLegacyControls(text: string): string {
  // Almost every text has none: the test is far cheaper than the replace.
  if (!LEGACY.test(text)) return text;
  return text.replace(LEGACY_ALL, (char) => {
    const code = char.codePointAt(0)!;
    const mapped = code >= 0x80 && code <= 0x9f ? WINDOWS_1252[code - 0x80]! : ' ';
    return mapped === ' ' ? '' : mapped;
  });
}
