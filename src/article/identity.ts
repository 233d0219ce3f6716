/** What names an article for good: its item id (from the file name) and its page slug. */
import { compareStrings, inOrder } from '../text/order.js';
import { printableName } from '../text/printable.js';
import type { Article } from './types.js';
import { graphemes } from '../text/graphemes.js';

/**
 * The permanent id of an article: the configured `tag:` prefix, `articles/`, and the seed's
 * file name without `.txt`. It derives from the file name alone, so correcting a title or a
 * date never makes readers see the article as new.
 */
export function itemId(idPrefix: string, fileName: string): string {
  const stem = fileName.normalize('NFC').replace(/\.txt$/i, '');
  // Percent-encode everything outside RFC 3986 unreserved characters so the id is a valid URI;
  // that also means no article id can contain a `/` of its own and equal `feedId`.
  return `${idPrefix}articles/${encodeURIComponent(stem).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/**
 * Seed files whose ids collide: `dup.txt` and `dup.TXT`, or `café.txt` saved once in NFC and
 * once in NFD, are one id, and readers would merge or drop one of the two items. A file `keeps`
 * says holds its id already keeps it; otherwise the first in byte order of the file name does.
 * Each other file maps to the one that keeps the id.
 */
export function idCollisions(fileNames: readonly string[], keeps?: (fileName: string) => boolean): Map<string, string> {
  const sorted = inOrder(fileNames, (fileName) => fileName);
  const ordered = keeps === undefined ? sorted : [...sorted.filter(keeps), ...sorted.filter((fileName) => !keeps(fileName))];
  const firstById = new Map<string, string>();
  const losers = new Map<string, string>();
  for (const fileName of ordered) {
    // The prefix is the same for every file, so the id's own part is enough to compare. A name
    // of unreserved ASCII characters ending in a lower-case `.txt` needs no normalizing, folding
    // or percent-encoding to make its id, which is most names: the whole listing is checked on
    // every run.
    const id = PLAIN_NAME.test(fileName) ? `articles/${fileName.slice(0, -4)}` : itemId('', fileName);
    const first = firstById.get(id);
    if (first === undefined) firstById.set(id, fileName);
    else losers.set(fileName, first);
  }
  return losers;
}

const PLAIN_NAME = /^[A-Za-z0-9._~-]*\.txt$/;

/** Why a file that collides is not published. */
export function collisionReason(first: string, fileName?: string): string {
  // Two names that differ only in Unicode form look the same on screen: say how each is written.
  const lookAlike = fileName !== undefined && fileName !== first && fileName.normalize('NFC') === first.normalize('NFC');
  const spelled = lookAlike
    ? ` (the two names differ only in how they are encoded: ${escapedName(first)} and ${escapedName(fileName)})`
    : '';
  const named = printableName(first);
  return `has the same item id as ${named}${spelled} (ids come from the file name, compared without letter case of ".txt" and in one Unicode form); ${named} is published, rename this file to publish it too`;
}

/** A file name with every character outside printable ASCII (and `"`, `\`) as `\u{…}`, so that look-alike names can be told apart. */
function escapedName(name: string): string {
  const plain = (char: string) => char >= ' ' && char <= '~' && char !== '"' && char !== '\\';
  return `"${[...name].map((char) => (plain(char) ? char : `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`)).join('')}"`;
}

/** The feed's own permanent id (Atom `<id>`), beside the article ids. */
export function feedId(idPrefix: string): string {
  return `${idPrefix}feed`;
}

const SLUG_MAX_CHARS = 80;
/**
 * A page is stored as a file named `<slug>.html` by a folder and by the embedded S3, which adds
 * up to 22 bytes of its own, and file systems allow 255 bytes a name: 80 characters of Thai or
 * Chinese (three bytes each in UTF-8) would not fit.
 */
const SLUG_MAX_BYTES = 200;

/**
 * `YYYY-MM-DD-words-of-the-title`: lower case, letters (with their marks) and digits of any script kept,
 * accents dropped from Latin letters only (so Cyrillic й stays й), everything else a dash.
 */
export function baseSlug(article: Pick<Article, 'date' | 'title'>): string {
  const words = article.title
    .normalize('NFKD')
    .replace(/([A-Za-z])\p{M}+/gu, '$1')
    .normalize('NFC')
    .toLowerCase()
    // Invisible characters (variation selectors, joiners) are no part of a word.
    .replace(/\p{Default_Ignorable_Code_Point}+/gu, '')
    // Marks stay with their letters: a Devanagari or Thai word keeps its vowel signs. A mark with
    // no letter before it (after a digit, a dash or nothing) shows as nothing a reader could type.
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    // (Not a lookbehind over the marks before: that is tried again at each mark of a long run.)
    .replace(/(^|[^\p{L}\p{M}])\p{M}+/gu, '$1')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  // Cut between graphemes, not inside one: a Thai consonant keeps its tone mark, an Arabic
  // letter its vowel sign, or neither is kept.
  let bytes = utf8Length(article.date.iso) + 1;
  let chars = 0;
  let cut = '';
  for (const { segment } of graphemes().segment(words)) {
    const length = [...segment].length;
    const size = utf8Length(segment);
    if (chars + length > SLUG_MAX_CHARS || bytes + size > SLUG_MAX_BYTES) break;
    chars += length;
    bytes += size;
    cut += segment;
  }
  cut = cut.replace(/-+$/, '');
  return cut === '' ? article.date.iso : `${article.date.iso}-${cut}`;
}

/** Bytes of a string in UTF-8. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Unique slugs for articles being published for the first time, first come first served in
 * file-name order: a slug once given (kept for good in the publish manifest) is never given
 * again, so a permalink never moves to another article. The result depends only on the set of
 * articles and the slugs already given, never on the order a directory lists them in.
 */
export function assignSlugs(
  articles: readonly Pick<Article, 'fileName' | 'date' | 'title'>[],
  given: ReadonlySet<string> = new Set(),
): Map<string, string> {
  const used = new Set(given);
  const result = new Map<string, string>();
  for (const article of [...articles].sort((a, b) => compareStrings(a.fileName, b.fileName))) {
    const slug = uniqueSlug(baseSlug(article), used);
    used.add(slug);
    result.set(article.fileName, slug);
  }
  return result;
}

/** The base slug, or the first of `-2`, `-3` … after it that is not in use. */
export function uniqueSlug(base: string, used: ReadonlySet<string>): string {
  let candidate = base;
  for (let n = 2; used.has(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}
