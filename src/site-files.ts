/**
 * Where the published site's objects live, relative to the site URL and the bucket root, and
 * the headers every one of them gets unless configured: one place for the names the publish
 * run writes, the config's default feed URLs and what `npm start` prints.
 */
export const SITE_FILES = {
  index: 'index.html',
  rss: 'rss.xml',
  atom: 'atom.xml',
  json: 'feed.json',
  notFound: '404.html',
  /** What browsers show rss.xml and atom.xml with (their `xml-stylesheet` instruction). */
  feedStyle: 'feed.css',
} as const;

/**
 * Every article page is under this prefix. A run deletes here (the pages of articles that left
 * the site) and, under ARCHIVE_PREFIX, the archive documents numbered beyond the archive.
 */
export const ARTICLES_PREFIX = 'articles/';

/** Where the publish run keeps its manifest: never served (the bucket policy hides it). */
export const PUBLISH_STATE_PREFIX = '_publish/';

/** `Cache-Control` of every published object when `CACHE_CONTROL` does not say otherwise. */
export const DEFAULT_CACHE_CONTROL = 'max-age=300';

/**
 * The content type each kind of object is served with.
 *
 * RSS and Atom go out as `application/xml`, not as their own types: browsers show a document
 * served as `application/rss+xml` or `application/atom+xml` as plain text (Chromium) or offer
 * to download it, whereas as `application/xml` they render it with its CSS stylesheet, and its
 * XHTML links work. Feed readers go by the bytes, and autodiscovery by the `type` of the
 * page's `<link rel="alternate">`, which still says `application/rss+xml` (README, "The feeds").
 *
 * JSON Feed goes out as `application/json`, which JSON Feed 1.1 allows beside
 * `application/feed+json`: CloudFront compresses the former and not the latter, and a feed of
 * full text is polled by every subscriber, every hour. Autodiscovery still names
 * `application/feed+json`.
 */
export const CONTENT_TYPES = {
  rss: 'application/xml; charset=utf-8',
  atom: 'application/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  manifest: 'application/json; charset=utf-8',
} as const;

/** RFC 5005 archives of the feeds: `archive/rss-N.xml`, `archive/atom-N.xml`, `archive/feed-N.json`, 1 the oldest. */
export const ARCHIVE_PREFIX = 'archive/';

/** The folders the publish run writes into: a seeds folder may be none of them, nor inside one. */
export const SITE_FOLDERS = [ARTICLES_PREFIX, ARCHIVE_PREFIX, PUBLISH_STATE_PREFIX] as const;

export function archiveKeys(page: number): { readonly rss: string; readonly atom: string; readonly json: string } {
  return { rss: `${ARCHIVE_PREFIX}rss-${page}.xml`, atom: `${ARCHIVE_PREFIX}atom-${page}.xml`, json: `${ARCHIVE_PREFIX}feed-${page}.json` };
}

const ARCHIVE_KEY = new RegExp(`^${ARCHIVE_PREFIX}(?:rss-([1-9]\\d*)\\.xml|atom-([1-9]\\d*)\\.xml|feed-([1-9]\\d*)\\.json)$`);

/**
 * The archive document a key names, as archiveKeys names it (`archive/atom-3.xml`: 3, Atom), or
 * undefined for any other key: `archive/rss-03.xml` or `archive/notes.txt` are someone else's,
 * and a run neither reads nor deletes them.
 */
export function archiveDocument(key: string): { readonly number: number; readonly format: 'rss' | 'atom' | 'json' } | undefined {
  const match = ARCHIVE_KEY.exec(key);
  if (!match) return undefined;
  const [, rss, atom, json] = match;
  const number = Number(rss ?? atom ?? json);
  // Beyond what a page number can be, the key is not one a run makes (2 ** 53 pages).
  if (!Number.isSafeInteger(number)) return undefined;
  return { number, format: rss !== undefined ? 'rss' : atom !== undefined ? 'atom' : 'json' };
}

/**
 * `Cache-Control` of a full archive that is not the newest: it changes only when an article in
 * it is deleted or edited, so CloudFront and readers may keep it a day. The newest archive still
 * fills up and gets the feeds' own Cache-Control.
 */
export const ARCHIVE_CACHE_CONTROL = 'max-age=86400';
