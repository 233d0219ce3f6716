/** `articles/SLUG.html`: one article as a page of its own. */
import type { FeedConfig } from '../config.js';
import type { PublishedArticle } from '../feed/model.js';
import { escapeHtml } from '../text/html.js';
import { langAttribute } from '../text/language.js';
import { dateHtml, page } from './layout.js';

/**
 * Raised whenever the page templates (this file, layout.ts) change their output: every
 * page's recorded input changes with it, so the next run re-renders every page, and only then.
 */
export const PAGE_TEMPLATE_VERSION = 3;

/** The settings a page shows: a change to any other setting leaves every page as it is. */
export function pageSettings(config: FeedConfig): unknown {
  const { title, description, language, siteUrl, feedUrls, copyright, author, publishTime } = config;
  return { v: PAGE_TEMPLATE_VERSION, title, description, language, siteUrl, feedUrls, copyright, author: author.name, publishTime };
}

/** The same content as the feed entry, as a page. */
export function articlePage(entry: PublishedArticle, config: FeedConfig): string {
  const { item } = entry;
  // The author's name is the site's, in its language: isolated, so that a name in one direction
  // on a page in the other keeps its order ("News Desk (AP)" on an Arabic page).
  const author = `<bdi${langAttribute(config.language, item.language ?? config.language)}>${escapeHtml(item.author.name)}</bdi>`;
  const body = `<article>
<h1>${escapeHtml(item.title)}</h1>
<p class="meta">${dateHtml(entry.day, item.published)} · ${author}</p>
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
