/**
 * What a browser shows of rss.xml and atom.xml: the stylesheet instruction, the XHTML view in the
 * channel (title, description, what a feed is, every item linked to its page with its day and
 * summary), feed.css, and that the documents stay the feeds readers and validators know.
 */
import { describe, expect, it } from 'vitest';
import { XHTML_NAMESPACE } from '../../src/feed/browser-view.js';
import { feedChannel } from '../../src/feed/items.js';
import type { FeedModel } from '../../src/feed/model.js';
import { renderAtom, renderRss } from '../../src/feed/render.js';
import { SITE_FILES } from '../../src/site-files.js';
import { FEED_STYLESHEET } from '../../src/site/feed-style.js';
import { STYLE } from '../../src/site/layout.js';
import { ID_PREFIX, SITE_URL, makeConfig, makeItem, makeModel } from '../helpers/factory.js';
import {
  atomFeed,
  atomSchemaErrors,
  attr,
  child,
  children,
  hasElement,
  rssChannel,
  text,
  xmlErrors,
  type XmlNode,
} from '../helpers/feeds.js';

const STYLESHEET = `${SITE_URL}feed.css`;

function model(overrides: Partial<Omit<FeedModel, 'items'>> = {}): FeedModel {
  return makeModel(
    [
      makeItem({
        id: `${ID_PREFIX}articles/2026-02-03-tram`,
        title: 'Lviv Reopens Its Oldest Tram Line',
        url: `${SITE_URL}articles/2026-02-03-lviv-reopens-its-oldest-tram-line.html`,
        published: new Date('2026-02-03T07:30:00.000Z'),
        day: '2026-02-03',
        summary: 'Trams are running again on line 2.',
      }),
      makeItem({
        id: `${ID_PREFIX}articles/2026-02-01-budget`,
        title: 'City Budget Vote',
        published: new Date('2026-02-01T00:00:00.000Z'),
        day: '2026-02-01',
        summary: 'Schools and shelters first.',
      }),
    ],
    { stylesheet: STYLESHEET, copyright: '© 2026 Example News', ...overrides },
  );
}

const FORMATS = [
  { format: 'rss', render: renderRss, container: rssChannel, url: `${SITE_URL}rss.xml`, name: 'RSS 2.0' },
  { format: 'atom', render: renderAtom, container: atomFeed, url: `${SITE_URL}atom.xml`, name: 'Atom 1.0' },
] as const;

/** The view's element in a parsed channel or feed. */
function viewOf(container: XmlNode): XmlNode {
  return child(container, 'div');
}

/** Each listed item as a reader of the page sees it: link, title, day and summary. */
function listed(view: XmlNode): { href?: string; title: string; day: string; datetime?: string; summary: string }[] {
  return children(child(view, 'ol'), 'li').map((li) => {
    const article = child(li, 'article');
    const link = child(child(article, 'h2'), 'a');
    const time = child(article, 'time');
    return {
      href: attr(link, 'href'),
      title: text(link),
      day: text(time),
      datetime: attr(time, 'datetime'),
      summary: text(child(article, 'p')),
    };
  });
}

describe.each(FORMATS)('the browser view of $format', ({ render, container, url, name }) => {
  it('names the site’s CSS in a stylesheet instruction right after the XML declaration, and no XSLT', async () => {
    // Act
    const xml = render(model());

    // Assess
    expect(xml.startsWith(`<?xml version="1.0" encoding="utf-8"?>\n<?xml-stylesheet type="text/css" href="${STYLESHEET}"?>\n`)).toBe(true);
    expect(xml).not.toMatch(/xsl/i);
    expect(await xmlErrors(xml)).toEqual([]);
  });

  it('has no stylesheet instruction when the model names no stylesheet', () => {
    // Act
    const xml = render(model({ stylesheet: undefined }));

    // Assess
    expect(xml).not.toContain('<?xml-stylesheet');
    expect(viewOf(container(xml))).toBeDefined();
  });

  it('lists every item, newest first, its title linked to its article page, with its day and summary', () => {
    // Prepare
    const feed = model();

    // Act
    const view = viewOf(container(render(feed)));

    // Assess
    expect(attr(view, 'xmlns')).toBe(XHTML_NAMESPACE);
    expect(listed(view)).toEqual(
      feed.items.map((item) => ({
        href: item.url,
        title: item.title,
        day: item.day,
        datetime: item.published.toISOString(),
        summary: item.summary,
      })),
    );
  });

  it('shows the feed’s title and description, says what a feed is and gives its own address to copy', () => {
    // Act
    const view = viewOf(container(render(model())));

    // Assess
    const header = child(view, 'header');
    expect([text(child(header, 'h1')), text(child(header, 'p'))]).toEqual(['Example News', 'Reports from an example newsroom.']);
    const [what, address] = children(child(view, 'section'), 'p');
    expect(text(child(what, 'strong'))).toBe('This is a web feed');
    expect(String(what!['#text'])).toContain(`(${name}). Feed reader apps check it for new articles`);
    expect(text(child(address, 'code'))).toBe(url);
    const [site, rights] = children(child(view, 'footer'), 'p');
    expect(attr(child(site, 'a'), 'href')).toBe(SITE_URL);
    expect(text(rights)).toBe('© 2026 Example News');
  });

  it('keeps markup, ampersands and characters XML forbids in a title or summary as text', async () => {
    // Prepare
    const hostile = makeModel(
      [
        makeItem({
          id: `${ID_PREFIX}articles/x`,
          title: 'Use <b> & "quotes" ]]> here\u0001',
          summary: '<script>alert(1)</script> &amp; more',
        }),
      ],
      { stylesheet: STYLESHEET },
    );

    // Act
    const xml = render(hostile);

    // Assess
    const view = viewOf(container(xml));
    expect(listed(view).map(({ title, summary }) => ({ title, summary }))).toEqual([
      { title: 'Use <b> & "quotes" ]]> here', summary: '<script>alert(1)</script> &amp; more' },
    ]);
    expect(hasElement(view, 'b') || hasElement(view, 'script')).toBe(false);
    expect(await xmlErrors(xml)).toEqual([]);
  });

  it('shows the day the site shows, not the UTC day of the publish instant, and that UTC day when it has none', () => {
    // Prepare: 00:30 in Kyiv on 10 February is still 9 February in UTC.
    const kyiv = makeModel(
      [
        makeItem({ id: `${ID_PREFIX}articles/a`, published: new Date('2026-02-09T22:30:00.000Z'), day: '2026-02-10' }),
        makeItem({ id: `${ID_PREFIX}articles/b`, published: new Date('2026-02-08T22:30:00.000Z') }),
      ],
      { stylesheet: STYLESHEET },
    );

    // Act
    const days = listed(viewOf(container(render(kyiv)))).map((item) => item.day);

    // Assess
    expect(days).toEqual(['2026-02-10', '2026-02-08']);
  });

  it('marks an item in another language than the feed’s with xml:lang, and only that one', () => {
    // Prepare
    const mixed = makeModel(
      [makeItem({ id: `${ID_PREFIX}articles/uk`, language: 'uk' }), makeItem({ id: `${ID_PREFIX}articles/en`, language: 'EN' })],
      { stylesheet: STYLESHEET },
    );

    // Act
    const view = viewOf(container(render(mixed)));

    // Assess
    expect(attr(view, 'xml:lang')).toBe('en');
    expect(children(child(view, 'ol'), 'li').map((li) => attr(li, 'xml:lang'))).toEqual(['uk', undefined]);
  });
});

describe('the feeds around the browser view', () => {
  it('keep every RSS item free of XHTML: the view is one element of the channel, before the first item', () => {
    // Act
    const xml = renderRss(model());

    // Assess
    const channel = rssChannel(xml);
    for (const item of children(channel, 'item')) expect(hasElement(item, 'div') || hasElement(item, 'a')).toBe(false);
    expect(children(channel, 'item').map((item) => text(item.link))).toEqual(model().items.map((item) => item.url));
    expect(xml.indexOf('<div xmlns=')).toBeLessThan(xml.indexOf('<item>'));
    expect(xml.match(/<div xmlns=/g)).toHaveLength(1);
  });

  it('keep the Atom document valid against RFC 4287’s grammar, which wants extension elements before the entries', async () => {
    // Act
    const xml = renderAtom(model());

    // Assess
    expect(await atomSchemaErrors(xml)).toEqual([]);
    expect(xml.indexOf('<div xmlns=')).toBeLessThan(xml.indexOf('<entry>'));
    expect(children(atomFeed(xml), 'entry')).toHaveLength(2);
  });

  it('name the stylesheet the publish run writes: feed.css at the site URL', () => {
    // Act
    const channel = feedChannel(makeConfig());

    // Assess
    expect(channel.stylesheet).toBe(`${SITE_URL}${SITE_FILES.feedStyle}`);
    expect(SITE_FILES.feedStyle).toBe('feed.css');
  });
});

describe('feed.css', () => {
  it('starts from the pages’ own styles, after the namespace rule CSS wants first', () => {
    // Assess
    expect(FEED_STYLESHEET.startsWith(`@namespace h url(${XHTML_NAMESPACE});\n${STYLE}\n`)).toBe(true);
  });

  it('styles every class the view uses', () => {
    // Prepare
    const classes = new Set([...renderRss(model()).matchAll(/ class="([^"]+)"/g)].flatMap((match) => match[1]!.split(' ')));

    // Assess
    expect([...classes].sort()).toEqual(['about', 'articles', 'feed-view', 'site', 'wrap']);
    for (const name of classes) expect(FEED_STYLESHEET, name).toMatch(new RegExp(`\\.${name}\\b`));
  });

  it('fetches nothing more, as the CSP allows no font, image or import', () => {
    // Assess
    expect(FEED_STYLESHEET).not.toMatch(/@import|url\((?!http:\/\/www\.w3\.org\/1999\/xhtml\))/);
  });
});
