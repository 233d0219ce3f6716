/** Marking text with its language (`lang`, `xml:lang`) and its direction (`dir`) in the pages and the feeds' view. */
import { escapeHtmlAttribute } from './html.js';

/** Scripts written right to left, by their ISO 15924 code: the one a tag names (`az-Arab`), or its language's likely one. */
const RIGHT_TO_LEFT_SCRIPTS = new Set([
  'Adlm',
  'Arab',
  'Armi',
  'Avst',
  'Chrs',
  'Elym',
  'Hatr',
  'Hebr',
  'Khar',
  'Lydi',
  'Mand',
  'Mani',
  'Mend',
  'Merc',
  'Mero',
  'Narb',
  'Nbat',
  'Nkoo',
  'Orkh',
  'Ougr',
  'Palm',
  'Phli',
  'Phlp',
  'Phnx',
  'Prti',
  'Rohg',
  'Samr',
  'Sarb',
  'Sogd',
  'Sogo',
  'Syrc',
  'Thaa',
  'Yezi',
]);

const directions = new Map<string, 'ltr' | 'rtl'>();

/**
 * `rtl` for a language tag whose text runs right to left (`ar`, `he`, `fa-IR`, `az-Arab`),
 * otherwise `ltr`: from the script the tag names or the likely script of its language and
 * region (which Intl knows for Arabic, Hebrew, Dhivehi, Syriac, N'Ko …), else Intl's direction.
 * A tag Intl cannot read is taken as left to right, the direction of the project's own words.
 */
export function textDirection(tag: string): 'ltr' | 'rtl' {
  let direction = directions.get(tag);
  if (direction === undefined) {
    direction = 'ltr';
    try {
      const locale = new Intl.Locale(tag);
      // The script the tag names, else the likely one for its language and region (`azb`, `bal`,
      // `skr` and `pa-PK` are Arabic, `sd-IN` Devanagari, `ug-KZ` Cyrillic), which Intl's
      // textInfo does not consult: it says ltr for the first four.
      const script = locale.script ?? locale.maximize().script;
      if (script !== undefined) direction = RIGHT_TO_LEFT_SCRIPTS.has(script) ? 'rtl' : 'ltr';
      // A language Intl knows no likely script for: its own word on the direction, if any.
      else direction = (locale as Intl.Locale & { textInfo?: { direction?: string } }).textInfo?.direction === 'rtl' ? 'rtl' : 'ltr';
    } catch {
      // Not a tag Intl can read: left to right.
    }
    directions.set(tag, direction);
  }
  return direction;
}

/**
 * ` lang="…"` for text in `language` inside an element in `around`, so browsers and screen
 * readers switch for it, with ` dir="…"` when the two run in different directions; nothing when
 * they are the same. Tags are compared without case, as BCP 47 says.
 */
export function langAttribute(language: string | undefined, around: string, name = 'lang'): string {
  if (language === undefined || language.toLowerCase() === around.toLowerCase()) return '';
  const direction = textDirection(language);
  return ` ${name}="${escapeHtmlAttribute(language)}"${direction === textDirection(around) ? '' : ` dir="${direction}"`}`;
}

/** ` dir="rtl"` for a page or element in a right-to-left language; left to right needs nothing. */
export function directionAttribute(language: string): string {
  return textDirection(language) === 'rtl' ? ' dir="rtl"' : '';
}

/**
 * The project's own words (the few the pages and feed views carry), marked as English inside
 * text in another language, so that a screen reader does not read them with that language's
 * voice. `name` is `xml:lang` in the feeds' XHTML view.
 */
export function inEnglish(words: string, around: string, name = 'lang'): string {
  const lang = langAttribute('en', around, name);
  return lang === '' ? words : `<span${lang}>${words}</span>`;
}
