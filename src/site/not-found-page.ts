/** `404.html`: what the edge serves for an address with no object behind it. */
import type { FeedConfig } from '../config.js';
import { escapeHtmlAttribute } from '../text/html.js';
import { langAttribute } from '../text/language.js';
import { page } from './layout.js';

/**
 * Served at any depth of path (`/articles/gone.html`, `/a/b/c`), so its links are absolute,
 * made from the site URL, where every other page links relatively.
 */
export function notFoundPage(config: FeedConfig): string {
  // The project's own words: English, marked so on a site in another language.
  const lang = langAttribute('en', config.language);
  const words = `<h1>Page not found</h1>
<p>There is nothing at this address. The article may have been removed, or the link mistyped.</p>
<p>The latest articles are on the <a href="${escapeHtmlAttribute(config.siteUrl)}index.html">front page</a>.</p>`;
  const body = lang === '' ? words : `<div${lang}>${words}</div>`;
  return page({
    config,
    title: `Page not found · ${config.title}`,
    canonicalUrl: `${config.siteUrl}404.html`,
    rootPath: config.siteUrl,
    description: config.description,
    body,
  });
}
