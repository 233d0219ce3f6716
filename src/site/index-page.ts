/** `index.html`: the site's front page. */
import type { FeedConfig } from '../config.js';
import { articleHref } from '../feed/items.js';
import type { PublishedArticle } from '../feed/model.js';
import { escapeHtml, escapeHtmlAttribute } from '../text/html.js';
import { langAttribute } from '../text/language.js';
import { dateHtml, page } from './layout.js';

/** The newest articles (the feeds' items), linked relatively so the site works under any base path. */
export function indexPage(newestFirst: readonly PublishedArticle[], config: FeedConfig): string {
  const items = newestFirst
    .slice(0, config.itemLimit)
    .map(
      ({ item, slug, day }) => `<li${langAttribute(item.language, config.language)}><article>
<h2><a href="${escapeHtmlAttribute(articleHref(slug))}">${escapeHtml(item.title)}</a></h2>
${dateHtml(day, item.published)}
<p>${escapeHtml(item.summary)}</p>
</article></li>`,
    )
    .join('\n');
  const body = `<ol class="articles">\n${items}\n</ol>`;
  return page({
    config,
    title: config.title,
    canonicalUrl: config.siteUrl,
    rootPath: '',
    description: config.description,
    body,
    home: true,
  });
}
