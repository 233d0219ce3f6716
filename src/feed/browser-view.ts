/**
 * What a browser shows of rss.xml and atom.xml: an `xml-stylesheet` instruction naming the
 * site's feed.css, and one XHTML element in the channel (RSS) or feed (Atom) that holds a page's
 * worth of markup: the feed's title and description, what a feed is and the address to copy
 * into a reader, and every item's title linked to its article page, with its day and summary.
 *
 * Why this shape (README, "The feeds"):
 *  - No XSLT: browsers are removing it. A CSS stylesheet instruction works in every browser,
 *    but CSS cannot make a link, so the links are XHTML elements, which a browser rendering
 *    the document as XML makes clickable. No script either: the site's CSP forbids them.
 *  - One element at channel/feed level rather than one per item: the W3C validator accepts an
 *    `xhtml:div` there (as an extension it knows) and warns about XHTML inside items; RFC 4287
 *    wants extension elements before the first entry. Readers ignore it: it is in a namespace
 *    of its own, and none of its element names is one of RSS's or Atom's.
 *  - The namespace is declared on the element itself (no prefix), which the validator prefers
 *    to a prefix in Atom, and which leaves the root element as the other modules write it.
 *
 * feed.css (src/site/feed-style.ts) hides the feed's own elements and styles this one with the
 * pages' class names (`wrap`, `site`, `articles`).
 */
import { escapeHtml, escapeHtmlAttribute } from '../text/html.js';
import { directionAttribute, langAttribute } from '../text/language.js';
import { stripXmlForbidden } from '../text/xml-chars.js';
import type { FeedItem, FeedModel } from './model.js';

export const XHTML_NAMESPACE = 'http://www.w3.org/1999/xhtml';

/** The class of the view's element, which feed.css shows while it hides everything else. */
export const VIEW_CLASS = 'feed-view';

/** The class of the box that says what a feed is. */
export const ABOUT_CLASS = 'about';

const FORMATS = {
  rss: { name: 'RSS 2.0', firstItem: /\n( *)<item>/ },
  atom: { name: 'Atom 1.0', firstItem: /\n( *)<entry>/ },
} as const;

export type ViewFormat = keyof typeof FORMATS;

const text = (value: string) => escapeHtml(stripXmlForbidden(value));
const attribute = (value: string) => escapeHtmlAttribute(stripXmlForbidden(value));

/**
 * The rendered document with its stylesheet instruction (when the model names a stylesheet)
 * after the XML declaration, and the view before the first item or entry, at its indentation.
 */
export function withBrowserView(xml: string, model: FeedModel, format: ViewFormat): string {
  const declaration = /^<\?xml [^?]*\?>\n/.exec(xml);
  const first = FORMATS[format].firstItem.exec(xml);
  if (!declaration || !first)
    throw new Error(`the rendered ${format} document has no XML declaration or no first item to put the browser view before`);
  const indent = first[1]!;
  const view = browserView(model, format)
    .map((line) => `\n${indent}${line}`)
    .join('');
  const instruction = model.stylesheet === undefined ? '' : `${stylesheetInstruction(model.stylesheet)}\n`;
  return `${declaration[0]}${instruction}${xml.slice(declaration[0].length, first.index)}${view}${xml.slice(first.index)}`;
}

/** `<?xml-stylesheet?>` for a CSS stylesheet: not XSLT, so browsers only style the document. */
function stylesheetInstruction(href: string): string {
  // Pseudo-attributes take the same escapes as attributes; an escaped `>` can never end the instruction early.
  return `<?xml-stylesheet type="text/css" href="${attribute(href)}"?>`;
}

/** The view's lines, indented relative to the element. */
function browserView(model: FeedModel, format: ViewFormat): string[] {
  const { name } = FORMATS[format];
  // An archive is never updated: a reader subscribed to it would wait for articles forever.
  const address = (model.archiveOf ?? model.feedUrls)[format];
  const what = model.archiveOf
    ? `<strong>This is an archive of older articles</strong> of a web feed (${name}). Feed reader apps check the feed for new articles, so you see them without visiting the site. To subscribe, copy the feed's address into your feed reader:`
    : `<strong>This is a web feed</strong> (${name}). Feed reader apps check it for new articles, so you see them without visiting the site. To subscribe, copy this address into your feed reader:`;
  // The project's own words are English, marked so in a feed in another language.
  const english = langAttribute('en', model.language, 'xml:lang');
  return [
    `<div xmlns="${XHTML_NAMESPACE}" class="wrap ${VIEW_CLASS}" xml:lang="${attribute(model.language)}"${directionAttribute(model.language)}>`,
    `    <header class="site"><h1>${text(model.title)}</h1><p>${text(model.description)}</p></header>`,
    `    <section class="${ABOUT_CLASS}"${english}>`,
    `        <p>${what}</p>`,
    `        <p><code>${text(address)}</code></p>`,
    '    </section>',
    '    <ol class="articles">',
    ...model.items.map((item) => `        ${itemView(item, model.language)}`),
    '    </ol>',
    `    <footer class="site"><p${english}>The articles are also on <a href="${attribute(model.homeUrl)}">the site</a>.</p>${
      model.copyright ? `<p>${text(model.copyright)}</p>` : ''
    }</footer>`,
    '</div>',
  ];
}

/** One item as the site's index lists it: its title linked to its page, its day and its summary. */
function itemView(item: FeedItem, feedLanguage: string): string {
  const lang = langAttribute(item.language === undefined ? undefined : stripXmlForbidden(item.language), feedLanguage, 'xml:lang');
  const day = item.day ?? item.published.toISOString().slice(0, 10);
  return (
    `<li${lang}><article><h2><a href="${attribute(item.url)}">${text(item.title)}</a></h2>` +
    `<time datetime="${item.published.toISOString()}">${text(day)}</time><p>${text(item.summary)}</p></article></li>`
  );
}
