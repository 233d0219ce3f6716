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
} as const;

/** Every article page is under this prefix: the only place a run ever deletes. */
export const ARTICLES_PREFIX = 'articles/';

/** `Cache-Control` of every published object when `CACHE_CONTROL` does not say otherwise. */
export const DEFAULT_CACHE_CONTROL = 'max-age=300';

/** The content type each kind of object is served with. */
export const CONTENT_TYPES = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  manifest: 'application/json; charset=utf-8',
} as const;
