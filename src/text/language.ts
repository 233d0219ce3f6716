/** Marking text with its language (`lang`, `xml:lang`) and its direction (`dir`) in the pages and the feeds' view. */
import { escapeHtmlAttribute } from './html.js';

/** Scripts written right to left, by their ISO 15924 code, for a tag that names its script (`az-Arab`). */
const RIGHT_TO_LEFT_SCRIPTS = new Set(['Adlm', 'Arab', 'Hebr', 'Mand', 'Nkoo', 'Rohg', 'Samr', 'Syrc', 'Thaa', 'Yezi']);

/** Languages written right to left, for the ones this Node's Intl data does not tell (Dhivehi, Syriac …). */
const RIGHT_TO_LEFT_LANGUAGES = new Set([
  'ar',
  'arc',
  'ckb',
  'dv',
  'fa',
  'he',
  'iw',
  'ji',
  'mzn',
  'nqo',
  'ps',
  'sd',
  'syr',
  'ug',
  'ur',
  'yi',
]);

const directions = new Map<string, 'ltr' | 'rtl'>();

/**
 * `rtl` for a language tag whose text runs right to left (`ar`, `he`, `fa-IR`, `az-Arab`),
 * otherwise `ltr`: from the script the tag names, else from the language (a list, then the
 * likely script Intl gives it, then Intl's direction).
 * A tag Intl cannot read is taken as left to right, the direction of the project's own words.
 */
export function textDirection(tag: string): 'ltr' | 'rtl' {
  let direction = directions.get(tag);
  if (direction === undefined) {
    direction = 'ltr';
    try {
      const locale = new Intl.Locale(tag);
      if (locale.script !== undefined) direction = RIGHT_TO_LEFT_SCRIPTS.has(locale.script) ? 'rtl' : 'ltr';
      else if (RIGHT_TO_LEFT_LANGUAGES.has(locale.language)) direction = 'rtl';
      // The likely script of the language and region (`azb`, `bal`, `skr`, `pa-PK`: Arabic),
      // which Intl's textInfo does not consult: it says ltr for those.
      else if (RIGHT_TO_LEFT_SCRIPTS.has(locale.maximize().script ?? '')) direction = 'rtl';
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
