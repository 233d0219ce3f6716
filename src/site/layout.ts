/** The shell every HTML page shares: head, autodiscovery links, header, footer and the inline style. */
import type { FeedConfig } from '../config.js';
import { escapeHtml, escapeHtmlAttribute } from '../text/html.js';
import { directionAttribute, inEnglish, langAttribute } from '../text/language.js';

/** How a page's text sits on its background: the pages' `body`, and the feeds' root element in feed.css. */
export const BODY_STYLE =
  'margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;-webkit-text-size-adjust:100%';

/**
 * Small, system-font, phone-first styles, inlined so a page is one request. feed.css (feed-style.ts)
 * starts from them too, so the feeds look like the pages in a browser.
 */
export const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5d5d5d;--bg:#fffefa;--rule:#e4e0d8;--accent:#8a2d0c}
@media (prefers-color-scheme:dark){:root{--fg:#eceae6;--muted:#a9a49c;--bg:#161514;--rule:#34312d;--accent:#f0a27a}}
*{box-sizing:border-box}
body{${BODY_STYLE}}
.wrap{max-width:40rem;margin:0 auto;padding:1rem 1.25rem 3rem}
header.site{border-bottom:1px solid var(--rule);padding-bottom:.75rem;margin-bottom:1.5rem}
header.site a{color:inherit;text-decoration:none;font-weight:700}
header.site p{margin:.25rem 0 0;color:var(--muted);font-size:.95rem}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;line-height:1.3;margin:2rem 0 .5rem}
a{color:var(--accent)}
p,li{overflow-wrap:anywhere}
time,.meta{color:var(--muted);font-size:.95rem}
blockquote{margin:1.25rem 0;padding:.25rem 0;padding-inline-start:1rem;border-inline-start:3px solid var(--accent);font-style:italic}
figure{margin:1.25rem 0}
figcaption{color:var(--muted);font-size:.9rem}
ol.articles{list-style:none;padding:0;margin:0}
ol.articles li{padding:1rem 0;border-bottom:1px solid var(--rule)}
ol.articles h2{margin:0 0 .25rem;font-size:1.2rem}
ol.articles h2 a{color:inherit}
ol.articles p{margin:.25rem 0 0}
footer.site{margin-top:2.5rem;color:var(--muted);font-size:.9rem}
`.trim();

export interface PageOptions {
  readonly config: FeedConfig;
  readonly title: string;
  /** Absolute URL of this page. */
  readonly canonicalUrl: string;
  /** Path from this page to the site root: "" or "../", or the site URL for a page served at any path. */
  readonly rootPath: string;
  readonly description: string;
  readonly body: string;
  /** On the home page the site name is the page's heading, not a link to itself. */
  readonly home?: boolean;
  /** The page's language when it is not the site's: an article that declares its own. */
  readonly language?: string;
}

/** The shell every page shares: language, phone viewport, feed autodiscovery, site header and footer. */
export function page(options: PageOptions): string {
  const { config, rootPath } = options;
  const feeds = [
    ['application/rss+xml', config.feedUrls.rss, 'RSS'],
    ['application/atom+xml', config.feedUrls.atom, 'Atom'],
    ['application/feed+json', config.feedUrls.json, 'JSON Feed'],
  ] as const;
  const alternates = feeds
    .map(
      ([type, href, name]) =>
        `<link rel="alternate" type="${type}" href="${escapeHtmlAttribute(href)}" title="${escapeHtmlAttribute(`${config.title} (${name})`)}">`,
    )
    .join('\n');
  const feedLinks = feeds.map(([, href, name]) => `<a href="${escapeHtmlAttribute(href)}">${name}</a>`).join(' · ');
  const pageLanguage = options.language ?? config.language;
  // On a page in the article's language, the site's own header and footer are still in the site's.
  const siteLang = langAttribute(config.language, pageLanguage);
  return `<!doctype html>
<html lang="${escapeHtmlAttribute(pageLanguage)}"${directionAttribute(pageLanguage)}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<meta name="description" content="${escapeHtmlAttribute(options.description)}">
<link rel="canonical" href="${escapeHtmlAttribute(options.canonicalUrl)}">
${alternates}
<style>${STYLE}</style>
</head>
<body>
<div class="wrap">
<header class="site"${siteLang}>${
    options.home
      ? `<h1>${escapeHtml(config.title)}</h1>`
      : `<a href="${escapeHtmlAttribute(rootPath)}index.html">${escapeHtml(config.title)}</a>`
  }<p>${escapeHtml(config.description)}</p></header>
<main>
${options.body}
</main>
<footer class="site"${siteLang}><p>${inEnglish('Subscribe:', config.language)} ${feedLinks}</p>${config.copyright ? `<p>${escapeHtml(config.copyright)}</p>` : ''}</footer>
</div>
</body>
</html>
`;
}

/** The calendar day as written in the seed, in a <time> element. */
export function dateHtml(isoDay: string, instant: Date): string {
  return `<time datetime="${instant.toISOString()}">${escapeHtml(isoDay)}</time>`;
}
