import type { Article } from './types.js';

/**
 * The permanent id of an article: the configured `tag:` prefix, `articles/`, and the seed's
 * file name without `.txt`. It derives from the file name alone, so correcting a title or a
 * date never makes readers see the article as new.
 */
export function itemId(idPrefix: string, fileName: string): string {
  const stem = fileName.normalize('NFC').replace(/\.txt$/i, '');
  // Percent-encode everything outside RFC 3986 unreserved characters so the id is a valid URI;
  // that also means no article id can contain a `/` of its own and equal `feedId`.
  return `${idPrefix}articles/` + encodeURIComponent(stem).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The feed's own permanent id (Atom `<id>`), beside the article ids. */
export function feedId(idPrefix: string): string {
  return `${idPrefix}feed`;
}

const SLUG_MAX_CHARS = 80;

/**
 * `YYYY-MM-DD-words-of-the-title`: lower case, letters and digits of any script kept,
 * accents dropped from Latin letters only (so Cyrillic й stays й), everything else a dash.
 */
export function baseSlug(article: Pick<Article, 'date' | 'title'>): string {
  const words = article.title
    .normalize('NFKD')
    .replace(/([A-Za-z])\p{M}+/gu, '$1')
    .normalize('NFC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  const cut = [...words].slice(0, SLUG_MAX_CHARS).join('').replace(/-+$/, '');
  return cut === '' ? article.date.iso : `${article.date.iso}-${cut}`;
}

/**
 * Unique slugs for a whole corpus. Equal slugs get `-2`, `-3` … in file-name order, so the
 * result depends only on the set of articles, never on the order a directory lists them in.
 */
export function assignSlugs(articles: readonly Pick<Article, 'fileName' | 'date' | 'title'>[]): Map<string, string> {
  const wanted = articles
    .map((article) => ({ fileName: article.fileName, slug: baseSlug(article) }))
    .sort((a, b) => compareStrings(a.slug, b.slug) || compareStrings(a.fileName, b.fileName));
  const taken = new Set(wanted.map((entry) => entry.slug));
  const given = new Set<string>();
  const result = new Map<string, string>();
  for (const { fileName, slug } of wanted) {
    let candidate = slug;
    for (let n = 2; given.has(candidate) || (candidate !== slug && taken.has(candidate)); n++) candidate = `${slug}-${n}`;
    given.add(candidate);
    result.set(fileName, candidate);
  }
  return result;
}

/** Byte-order comparison (UTF-16 code units), the same on every machine and locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
