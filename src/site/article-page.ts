import type { FeedConfig } from '../config.js';
import type { PublishedArticle } from '../publish/build.js';
import { escapeHtml } from '../text/html.js';
import { dateHtml, page } from './layout.js';

/** `articles/SLUG.html`: the same content as the feed entry, as a page of its own. */
export function articlePage(entry: PublishedArticle, config: FeedConfig): string {
  const { article, item } = entry;
  const body = `<article>
<h1>${escapeHtml(article.title)}</h1>
<p class="meta">${dateHtml(article.date.iso, item.published)} · ${escapeHtml(item.author.name)}</p>
${item.contentHtml}
</article>`;
  return page({ config, title: `${article.title} · ${config.title}`, canonicalUrl: item.url, rootPath: '../', description: article.lede, body });
}
