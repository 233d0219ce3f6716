/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.1 from one FeedModel, rendered by the `feed` package.
 *
 * `feed` 6.0.0 is what users expect to find underneath, but some of its output is wrong for
 * us. Rather than fork it, this module fixes its input and output. It is pinned to exactly
 * 6.0.0 in package.json because every workaround below was written against that version's
 * output: before upgrading, re-run the "bare package" tests in tests/feed/render.test.ts (each
 * shows one of these bugs in the bare package), revisit each workaround here, then update the
 * version test beside them.
 *
 *  - XML 1.0 forbidden characters (U+0000, U+000B …) pass through it: they are removed first.
 *  - Its XML writer splits only the first `]]>` out of a CDATA section: every `]]>` is
 *    marked before rendering and split correctly afterwards.
 *  - Its XML writer turns a literal `&amp;` in text into `&` (it "desanitizes"): ampersands
 *    in text are marked before rendering and written as `&amp;` afterwards.
 *  - Atom titles and summaries are `type="html"`: plain text is HTML-escaped first, so a
 *    title like `Use <b> for bold` stays text.
 *  - RSS `<author>` must be an e-mail address, and the package writes a bare name there:
 *    the name goes in `dc:creator` instead.
 *  - RSS item titles are plain text, but the package wraps them in CDATA: they are written
 *    as text, with `&` and `<` as the hexadecimal references the RSS profile asks for.
 *  - `atom1()` throws on an entry id that `new URL()` rejects: ids here are `tag:` URIs.
 *  - It cannot put `xml:lang` on an entry: an item's own language is added to its `<entry>`
 *    afterwards.
 *  - It declares the `dc:` namespace only when an item has `content:encoded`, though every
 *    item has `dc:creator`: a feed whose items all lost their full text to the size limit had
 *    an undeclared prefix, which namespace-aware parsers refuse. The root gets it if missing.
 *  - `json1()` writes JSON Feed 1.0 (`author`, no `language`): JSON Feed 1.1 is written from
 *    the model instead, with the same values the package would have taken from it.
 *  - The channel description and `lastBuildDate`/`updated` come from the model (the
 *    package would write an empty description and the clock).
 */
import { Feed, type FeedOptions, type Item } from 'feed';
import { escapeHtml, escapeHtmlAttribute } from '../text/html.js';
import { hasXmlForbidden, stripXmlForbidden } from '../text/xml-chars.js';
import { withBrowserView } from './browser-view.js';
import type { FeedItem, FeedModel, Person } from './model.js';

export interface FeedDocuments {
  readonly rss: string;
  readonly atom: string;
  readonly json: string;
}

export const GENERATOR = 'feedpress';

export function renderFeeds(model: FeedModel): FeedDocuments {
  return { rss: renderRss(model), atom: renderAtom(model), json: renderJsonFeed(model) };
}

// Placeholders that cannot occur in content, because stripXmlForbidden removed them.
const CDATA_SPLIT = '\u0001';
const TEXT_AMPERSAND = '\u0002';
const TEXT_LESS_THAN = '\u0003';
// biome-ignore lint/suspicious/noControlCharactersInRegex: the placeholders are control characters on purpose.
const PLACEHOLDERS = /[\u0001\u0002\u0003]/g;

/** Text for an element the writer escapes itself (`_text`). */
function xmlText(value: string): string {
  return stripXmlForbidden(value).replaceAll('&', TEXT_AMPERSAND).replaceAll('<', TEXT_LESS_THAN);
}

/** Text for an element the writer wraps in CDATA. */
function cdata(value: string): string {
  return stripXmlForbidden(value).replaceAll(']]>', `]]${CDATA_SPLIT}>`);
}

/**
 * RSS plain text carries `&` and `<` as hexadecimal references, as the RSS Advisory Board
 * profile asks, so readers can tell plain text from entity-encoded HTML. Atom says in the
 * `type` attribute what its text is, so the usual entities do there.
 */
const TEXT_ESCAPES = {
  rss: { ampersand: '&#x26;', lessThan: '&#x3C;' },
  atom: { ampersand: '&amp;', lessThan: '&lt;' },
} as const;

function finishXml(xml: string, format: keyof typeof TEXT_ESCAPES): string {
  const { ampersand, lessThan } = TEXT_ESCAPES[format];
  // One pass: an archive document is a few hundred kilobytes, and each copy of it is garbage.
  const replacements: Record<string, string> = { [CDATA_SPLIT]: ']]><![CDATA[', [TEXT_AMPERSAND]: ampersand, [TEXT_LESS_THAN]: lessThan };
  const out = xml.replace(PLACEHOLDERS, (placeholder) => replacements[placeholder]!);
  if (hasXmlForbidden(out)) throw new Error('feed output contains characters XML 1.0 forbids');
  return `${out}\n`;
}

const DUBLIN_CORE = 'http://purl.org/dc/elements/1.1/';

/** The `<rss>` root with `xmlns:dc`, which every item's `dc:creator` needs. */
function withDublinCore(xml: string): string {
  const root = /<rss version="2\.0"([^>]*)>/.exec(xml);
  if (!root) throw new Error('the rendered RSS document has no <rss version="2.0"> root');
  if (root[1]!.includes(' xmlns:dc=')) return xml;
  return `${xml.slice(0, root.index)}<rss version="2.0" xmlns:dc="${DUBLIN_CORE}"${root[1]}>${xml.slice(root.index + root[0].length)}`;
}

function channelOptions(model: FeedModel): FeedOptions {
  return {
    // Atom's <id> is written as text: a literal `&amp;` in the tag: prefix must survive too.
    id: xmlText(model.id),
    title: xmlText(model.title),
    description: xmlText(model.description),
    link: model.homeUrl,
    language: model.language,
    updated: model.updated,
    generator: GENERATOR,
    ...(model.copyright ? { copyright: xmlText(model.copyright) } : {}),
    // RSS gets `<atom:link rel="hub">`, Atom `<link rel="hub">`; json1() ignores it (see `hubs` below).
    ...(model.hub ? { hub: model.hub } : {}),
  };
}

export function renderRss(model: FeedModel): string {
  const feed = new Feed({
    ...channelOptions(model),
    ttl: model.ttlMinutes,
    docs: 'https://www.rssboard.org/rss-specification',
    feedLinks: { rss: model.feedUrls.rss },
    ...(model.icon ? { image: model.icon } : {}),
  });
  for (const item of model.items) {
    feed.addItem({
      // The package would wrap the title in CDATA; RSS titles are plain text, written by
      // the `title` extension below as text with hexadecimal references instead.
      title: '',
      link: item.url,
      // Written as the guid's text, so it gets the same ampersand care as any text.
      id: xmlText(item.id),
      date: item.updated,
      published: item.published,
      description: cdata(escapeHtml(item.summary)),
      ...(item.contentHtml === undefined ? {} : { content: cdata(item.contentHtml) }),
      // No <author>: it must hold an e-mail address, and beside dc:creator it says the same
      // thing twice, which the RSS profile advises against. The name goes in dc:creator.
      extensions: [
        { name: 'title', objects: { _text: xmlText(item.title) } },
        { name: 'dc:creator', objects: { _text: xmlText(item.author.name) } },
        // RSS 2.0 has a language for the channel only; Dublin Core's, in the namespace dc:creator
        // already uses, says an item's own (the W3C validator checks it as a language code).
        ...(item.language === undefined ? [] : [{ name: 'dc:language', objects: { _text: xmlText(item.language) } }]),
      ],
    });
  }
  // With what a browser shows of it: a stylesheet instruction and an XHTML view (browser-view.ts).
  return finishXml(withBrowserView(withDublinCore(feed.rss2()), model, 'rss'), 'rss');
}

export function renderAtom(model: FeedModel): string {
  const feed = new Feed({
    ...channelOptions(model),
    feedLinks: { atom: model.feedUrls.atom },
    author: atomPerson(model.author),
    ...(model.icon ? { favicon: model.icon } : {}),
  });
  for (const item of model.items) feed.addItem(atomItem(item));
  const xml = feed
    .atom1()
    .replace(
      '<feed xmlns="http://www.w3.org/2005/Atom">',
      `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeHtmlAttribute(model.language)}">`,
    );
  // The browser view goes in before the entries are counted: it holds no <entry> of its own.
  return finishXml(withEntryLanguages(withBrowserView(xml, model, 'atom'), model.items), 'atom');
}

/**
 * `xml:lang` on the entries of items in a language of their own, which the package cannot
 * write. It writes each entry as a bare `<entry>`, in item order: the Nth one is the Nth item's.
 * CDATA sections (the only place a literal `<entry>` can be text) are stepped over, and a count
 * that differs from the items throws rather than label the wrong entry.
 */
function withEntryLanguages(xml: string, items: readonly FeedItem[]): string {
  if (items.every((item) => item.language === undefined)) return xml;
  let index = 0;
  const out = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>|<entry>/g, (match) => {
    if (match !== '<entry>') return match;
    const language = items[index++]?.language;
    return language === undefined ? match : `<entry xml:lang="${escapeHtmlAttribute(language)}">`;
  });
  if (index !== items.length) throw new Error(`the Atom feed has ${index} entries for ${items.length} items`);
  return out;
}

function atomItem(item: FeedItem): Item {
  return {
    title: cdata(escapeHtml(item.title)),
    id: item.id,
    link: item.url,
    date: item.updated,
    published: item.published,
    description: cdata(escapeHtml(item.summary)),
    ...(item.contentHtml === undefined ? {} : { content: cdata(item.contentHtml) }),
    author: [atomPerson(item.author)],
  };
}

function atomPerson(person: Person): { name: string; email?: string } {
  return person.email ? { name: xmlText(person.name), email: xmlText(person.email) } : { name: xmlText(person.name) };
}

/**
 * JSON Feed 1.1, written from the model. The package writes only 1.0 (`author`, no `language`),
 * and everything it would add is the model's own value, so the 1.1 object is built here directly,
 * key by key: a fixed key order keeps the bytes stable.
 */
export function renderJsonFeed(model: FeedModel): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: model.title,
    home_page_url: model.homeUrl,
    feed_url: model.feedUrls.json,
    description: model.description,
    ...(model.icon ? { icon: model.icon } : {}),
    language: model.language,
    authors: [jsonAuthor(model.author)],
    ...(model.hub ? { hubs: [{ type: 'WebSub', url: model.hub }] } : {}),
    items: model.items.map((item) => ({
      id: item.id,
      url: item.url,
      // An empty title is left out, as JSON Feed allows an item without one.
      ...(item.title ? { title: item.title } : {}),
      summary: item.summary,
      // JSON Feed needs one of the two: an item without its full text carries its summary as text.
      ...(item.contentHtml === undefined ? { content_text: item.summary } : { content_html: item.contentHtml }),
      date_published: item.published.toISOString(),
      date_modified: item.updated.toISOString(),
      authors: [jsonAuthor(item.author)],
      // JSON Feed 1.1's item-level language, only where the item declares its own.
      ...(item.language === undefined ? {} : { language: item.language }),
    })),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}

function jsonAuthor(person: Person): { name: string; url?: string } {
  return person.email ? { name: person.name, url: mailto(person.email) } : { name: person.name };
}

/** A `mailto:` URL of the whole address: RFC 6068 percent-encodes `% / ? # [ ]` in it (`a#b@x` is no fragment). */
function mailto(email: string): string {
  return `mailto:${email.replace(/[%/?#[\]]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
