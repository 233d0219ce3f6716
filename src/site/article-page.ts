/** `articles/SLUG.html`: one article as a page of its own. */
import type { FeedConfig } from '../config.js';
import type { PublishedArticle } from '../feed/model.js';
import { escapeHtml } from '../text/html.js';
import { dateHtml, page } from './layout.js';

/**
 * Raised whenever the page templates (this file, layout.ts) change their output: every
 * page's recorded input changes with it, so the next run re-renders every page, and only then.
 */
export const PAGE_TEMPLATE_VERSION = 2;

/** The settings a page shows: a change to any other setting leaves every page as it is. */
export function pageSettings(config: FeedConfig): unknown {
  const { title, description, language, siteUrl, feedUrls, copyright, author, publishTime } = config;
  return { v: PAGE_TEMPLATE_VERSION, title, description, language, siteUrl, feedUrls, copyright, author: author.name, publishTime };
}

/** The same content as the feed entry, as a page. */
export function articlePage(entry: PublishedArticle, config: FeedConfig): string {
  const { item } = entry;
  const body = `<article>
<h1>${escapeHtml(item.title)}</h1>
<p class="meta">${dateHtml(entry.day, item.published)} · ${escapeHtml(item.author.name)}</p>
${item.contentHtml ?? ''}
</article>`;
  return page({
    config,
    title: `${item.title} · ${config.title}`,
    canonicalUrl: item.url,
    rootPath: '../',
    description: item.summary,
    body,
    ...(item.language === undefined ? {} : { language: item.language }),
  });
}
