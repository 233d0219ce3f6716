import type { FeedConfig } from '../config.js';
import { articleHref } from '../feed/items.js';
import type { PublishedArticle } from '../publish/build.js';
import { escapeHtml, escapeHtmlAttribute } from '../text/html.js';
import { dateHtml, page } from './layout.js';

/** `index.html`: the newest articles, linked relatively so the site works under any base path. */
export function indexPage(newestFirst: readonly PublishedArticle[], config: FeedConfig): string {
  const items = newestFirst
    .slice(0, config.itemLimit)
    .map(
      ({ article, item, slug }) => `<li><article>
<h2><a href="${escapeHtmlAttribute(articleHref(slug))}">${escapeHtml(article.title)}</a></h2>
${dateHtml(article.date.iso, item.published)}
<p>${escapeHtml(article.lede)}</p>
</article></li>`,
    )
    .join('\n');
  const body = `<ol class="articles">\n${items}\n</ol>`;
  return page({ config, title: config.title, canonicalUrl: config.siteUrl, rootPath: '', description: config.description, body, home: true });
}
