/** RSS, Atom and JSON Feed from one model, parsed back; and each fix for the `feed` package beside the bug it fixes. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Feed } from 'feed';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { articleBodyHtml } from '../../src/article/html.js';
import { feedId, itemId } from '../../src/article/identity.js';
import { readSeedFolder } from '../../src/local/seed-folder.js';
import type { FeedItem, FeedModel } from '../../src/feed/model.js';
import { renderAtom, renderFeeds, renderJsonFeed, renderRss } from '../../src/feed/render.js';
import { buildFeeds } from '../../src/publish/build.js';
import { DESK, ID_PREFIX, SITE_URL, makeConfig, makeItem, makeModel } from '../helpers/factory.js';
import {
  RFC822_DATE,
  atomFeed,
  atomSchemaErrors,
  attr,
  child,
  children,
  hasElement,
  htmlToText,
  jsonFeedSchemaErrors,
  parseXml,
  rssChannel,
  text,
  xmlErrors,
  type JsonFeed,
} from '../helpers/feeds.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Three items, newest first, with an updated date that differs from the published one. */
function roundTripModel(): FeedModel {
  return makeModel(
    [
      makeItem({
        id: `${ID_PREFIX}articles/2026-02-03-tram`,
        title: 'Lviv Reopens Its Oldest Tram Line',
        url: `${SITE_URL}articles/2026-02-03-lviv-reopens-its-oldest-tram-line.html`,
        published: new Date('2026-02-03T07:30:00.000Z'),
        updated: new Date('2026-02-04T10:15:30.000Z'),
        summary: 'Trams are running again on line 2.',
        contentHtml: '<p>Trams are running again on line 2.</p>\n<h2>What changed</h2>\n<p>New rails &amp; wires.</p>',
      }),
      makeItem({
        id: `${ID_PREFIX}articles/2026-02-02-bridge`,
        title: 'У Києві відкрили пішохідний міст',
        published: new Date('2026-02-02T00:00:00.000Z'),
        summary: 'Новий міст через Либідь.',
        contentHtml: '<p>Новий міст через Либідь.</p>',
        author: { name: 'Olena Kovalenko' },
      }),
      makeItem({ id: `${ID_PREFIX}articles/2026-02-01-budget`, published: new Date('2026-02-01T00:00:00.000Z') }),
    ],
    { copyright: '© 2026 Example News', icon: `${SITE_URL}icon.png` },
  );
}

function oneItemModel(item: Partial<FeedItem>, channel: Partial<FeedModel> = {}): FeedModel {
  return makeModel([makeItem({ id: `${ID_PREFIX}articles/one`, ...item })], channel);
}

const rssItems = (xml: string) => children(rssChannel(xml), 'item');
const atomEntries = (xml: string) => children(atomFeed(xml), 'entry');
const json = (model: FeedModel) => JSON.parse(renderJsonFeed(model)) as JsonFeed;

/** Options for a bare `feed` package Feed, the way a naive caller would pass them. */
const BARE_OPTIONS = {
  id: 'https://news.example.org/',
  title: 'Example News',
  link: SITE_URL,
  description: 'Reports from an example newsroom.',
  updated: new Date('2026-02-01T00:00:00.000Z'),
  feedLinks: { rss: `${SITE_URL}rss.xml`, atom: `${SITE_URL}atom.xml`, json: `${SITE_URL}feed.json` },
};
const BARE_ITEM = {
  title: 'Item',
  id: 'https://news.example.org/articles/item.html',
  link: 'https://news.example.org/articles/item.html',
  date: new Date('2026-02-01T00:00:00.000Z'),
  description: 'Summary.',
  content: '<p>Body.</p>',
};

afterEach(() => {
  vi.useRealTimers();
});

describe('RSS 2.0 read back by an independent parser', () => {
  it('carries the channel exactly: title, link, description, language, ttl, copyright, image, self link', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const rss = parseXml(renderRss(model));

    // Assess
    const root = child(rss, 'rss');
    expect(attr(root, 'version')).toBe('2.0');
    expect(attr(root, 'xmlns:atom')).toBe('http://www.w3.org/2005/Atom');
    expect(attr(root, 'xmlns:content')).toBe('http://purl.org/rss/1.0/modules/content/');
    expect(attr(root, 'xmlns:dc')).toBe('http://purl.org/dc/elements/1.1/');
    const channel = child(root, 'channel');
    expect(text(channel.title)).toBe('Example News');
    expect(text(channel.link)).toBe(SITE_URL);
    expect(text(channel.description)).toBe('Reports from an example newsroom.');
    expect(text(channel.language)).toBe('en');
    expect(text(channel.ttl)).toBe(String(model.ttlMinutes));
    expect(text(channel.copyright)).toBe('© 2026 Example News');
    expect(text(child(channel.image, 'url'))).toBe(`${SITE_URL}icon.png`);
    const self = children(channel, 'atom:link');
    expect(self).toHaveLength(1);
    expect(attr(self[0], 'rel')).toBe('self');
    expect(attr(self[0], 'href')).toBe(`${SITE_URL}rss.xml`);
    expect(attr(self[0], 'type')).toBe('application/rss+xml');
  });

  it('carries every item exactly: title, link, guid, pubDate, summary, content, creator', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const items = rssItems(renderRss(model));

    // Assess
    expect(items).toHaveLength(model.items.length);
    model.items.forEach((expected, index) => {
      const item = items[index]!;
      expect(text(item.title)).toBe(expected.title);
      expect(text(children(item, 'link')[0])).toBe(expected.url);
      expect(text(item.guid)).toBe(expected.id);
      expect(attr(item.guid, 'isPermaLink')).toBe('false');
      expect(text(item.pubDate)).toBe(expected.published.toUTCString());
      expect(htmlToText(text(item.description))).toBe(expected.summary);
      expect(text(item['content:encoded'])).toBe(expected.contentHtml);
      expect(children(item, 'dc:creator').map(text)).toEqual([expected.author.name]);
    });
  });

  it('has the elements RSS 2.0 requires, a non-empty description, and names in dc:creator, never in <author>', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const channel = rssChannel(renderRss(model));

    // Assess
    for (const name of ['title', 'link', 'description']) expect(text(channel[name]).trim()).not.toBe('');
    const items = children(channel, 'item');
    expect(items).toHaveLength(3);
    for (const item of items) {
      for (const name of ['title', 'guid', 'pubDate', 'description']) expect(text(item[name]).trim()).not.toBe('');
    }
    // RSS <author> must be an e-mail address; a name goes in dc:creator, even when the e-mail is known (DESK has one).
    expect(items.map((item) => children(item, 'author'))).toEqual([[], [], []]);
    expect(items.map((item) => children(item, 'dc:creator').map(text))).toEqual([[DESK.name], ['Olena Kovalenko'], [DESK.name]]);
  });

  it('writes pubDate and lastBuildDate as RFC 822 dates equal to the model dates', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const channel = rssChannel(renderRss(model));

    // Assess
    const lastBuildDate = text(channel.lastBuildDate);
    expect(children(channel, 'item')).toHaveLength(3);
    expect(lastBuildDate).toMatch(RFC822_DATE);
    expect(new Date(lastBuildDate).getTime()).toBe(model.updated.getTime());
    expect(new Date(lastBuildDate).getTime()).toBe(new Date('2026-02-04T10:15:30.000Z').getTime());
    children(channel, 'item').forEach((item, index) => {
      const pubDate = text(item.pubDate);
      expect(pubDate).toMatch(RFC822_DATE);
      expect(new Date(pubDate).getTime()).toBe(model.items[index]!.published.getTime());
    });
  });
});

describe('Atom 1.0 read back by an independent parser', () => {
  it('carries the feed exactly: id, title, subtitle, updated, links, language, author, rights, icon', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const feed = atomFeed(renderAtom(model));

    // Assess
    expect(attr(feed, 'xmlns')).toBe('http://www.w3.org/2005/Atom');
    expect(attr(feed, 'xml:lang')).toBe('en');
    expect(text(feed.id)).toBe(`${ID_PREFIX}feed`);
    expect(text(feed.title)).toBe('Example News');
    expect(text(feed.subtitle)).toBe('Reports from an example newsroom.');
    expect(text(feed.updated)).toMatch(RFC3339);
    expect(new Date(text(feed.updated)).getTime()).toBe(model.updated.getTime());
    const links = children(feed, 'link').map((link) => [attr(link, 'rel'), attr(link, 'href')]);
    expect(links).toEqual(
      expect.arrayContaining([
        ['alternate', SITE_URL],
        ['self', `${SITE_URL}atom.xml`],
      ]),
    );
    const [author] = children(feed, 'author');
    expect(text(author!.name)).toBe(DESK.name);
    expect(text(author!.email)).toBe(DESK.email);
    expect(text(feed.rights)).toBe('© 2026 Example News');
    expect(text(feed.icon)).toBe(`${SITE_URL}icon.png`);
  });

  it('carries every entry exactly: title, id, link, dates, summary, content, author', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const entries = atomEntries(renderAtom(model));

    // Assess
    expect(entries).toHaveLength(model.items.length);
    model.items.forEach((expected, index) => {
      const entry = entries[index]!;
      expect(attr(entry.title, 'type')).toBe('html');
      expect(htmlToText(text(entry.title))).toBe(expected.title);
      expect(text(entry.id)).toBe(expected.id);
      const [link] = children(entry, 'link');
      expect([attr(link, 'rel') ?? 'alternate', attr(link, 'href')]).toEqual(['alternate', expected.url]);
      expect(text(entry.updated)).toMatch(RFC3339);
      expect(new Date(text(entry.updated)).getTime()).toBe(expected.updated.getTime());
      expect(new Date(text(entry.published)).getTime()).toBe(expected.published.getTime());
      expect(attr(entry.summary, 'type')).toBe('html');
      expect(htmlToText(text(entry.summary))).toBe(expected.summary);
      expect(attr(entry.content, 'type')).toBe('html');
      expect(text(entry.content)).toBe(expected.contentHtml);
      const [author] = children(entry, 'author');
      expect(text(author!.name)).toBe(expected.author.name);
      expect(author!.email === undefined ? undefined : text(author!.email)).toBe(expected.author.email);
    });
  });

  it('is valid against the RFC 4287 RELAX NG grammar', async () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const errors = await atomSchemaErrors(renderAtom(model));

    // Assess
    expect(errors).toEqual([]);
  });

  it('(validator check) the RELAX NG validation does reject an Atom feed without <updated>', async () => {
    // Prepare
    const broken = renderAtom(roundTripModel()).replace(/<updated>[^<]*<\/updated>/, '');

    // Act
    const errors = await atomSchemaErrors(broken);

    // Assess
    expect(errors.join('\n')).toMatch(/updated/);
  });
});

describe('JSON Feed 1.1 read back with JSON.parse', () => {
  it('carries the feed and every item exactly', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const feed = json(model);

    // Assess
    expect(feed).toEqual({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Example News',
      home_page_url: SITE_URL,
      feed_url: `${SITE_URL}feed.json`,
      description: 'Reports from an example newsroom.',
      icon: `${SITE_URL}icon.png`,
      language: 'en',
      authors: [{ name: DESK.name, url: `mailto:${DESK.email}` }],
      items: model.items.map((item) => ({
        id: item.id,
        url: item.url,
        title: item.title,
        summary: item.summary,
        content_html: item.contentHtml,
        date_published: item.published.toISOString(),
        date_modified: item.updated.toISOString(),
        authors: [item.author.email ? { name: item.author.name, url: `mailto:${item.author.email}` } : { name: item.author.name }],
      })),
    });
  });

  it('is version 1.1 with `authors` (never `author`) at feed and item level, and a language', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const feed = json(model);

    // Assess
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.language).toBe('en');
    expect(feed).not.toHaveProperty('author');
    expect(feed.authors).toHaveLength(1);
    for (const item of feed.items) {
      expect(item).not.toHaveProperty('author');
      expect(item.authors).toHaveLength(1);
    }
  });

  it('is valid against the JSON Feed 1.1 schema', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const errors = jsonFeedSchemaErrors(json(model));

    // Assess
    expect(errors).toEqual([]);
  });

  it('(validator check) the JSON schema does reject a 1.0 version and an item without content', () => {
    // Prepare
    const feed = json(roundTripModel());
    const broken = { ...feed, version: 'https://jsonfeed.org/version/1', items: [{ id: 'x' }] };

    // Act
    const errors = jsonFeedSchemaErrors(broken);

    // Assess
    expect(errors.join('\n')).toMatch(/constant/);
    expect(errors.join('\n')).toMatch(/\/items\/0/);
  });

  it('keeps title and summary as plain text: `Tom & Jerry <3` stays exactly that', () => {
    // Prepare
    const model = oneItemModel({ title: 'Tom & Jerry <3', summary: 'Cats & mice <3 each other.' }, { title: 'Tom & Jerry <Weekly>' });

    // Act
    const feed = json(model);

    // Assess
    expect(feed.title).toBe('Tom & Jerry <Weekly>');
    expect(feed.items[0]!.title).toBe('Tom & Jerry <3');
    expect(feed.items[0]!.summary).toBe('Cats & mice <3 each other.');
  });
});

describe('markup in article text comes out as text', () => {
  const script = '<script>alert(1)</script>';
  const model = () =>
    oneItemModel({
      title: 'Use <b> for bold',
      summary: script,
      contentHtml: articleBodyHtml({ blocks: [{ kind: 'paragraph', text: script }] }),
    });

  it('Atom: the html title is escaped HTML that displays as `Use <b> for bold`', () => {
    // Prepare
    const input = model();

    // Act
    const [entry] = atomEntries(renderAtom(input));

    // Assess
    expect(attr(entry!.title, 'type')).toBe('html');
    expect(text(entry!.title)).toBe('Use &lt;b&gt; for bold');
    expect(htmlToText(text(entry!.title))).toBe('Use <b> for bold');
  });

  it('RSS: the title is the plain text `Use <b> for bold`', () => {
    // Prepare
    const input = model();

    // Act
    const [item] = rssItems(renderRss(input));

    // Assess
    expect(text(item!.title)).toBe('Use <b> for bold');
    expect(hasElement(item, 'b')).toBe(false);
  });

  it('RSS content:encoded, Atom content and JSON content_html hold `&lt;script&gt;`, never a <script> element', () => {
    // Prepare
    const input = model();

    // Act
    const documents = renderFeeds(input);

    // Assess
    const rssItem = rssItems(documents.rss)[0]!;
    const atomEntry = atomEntries(documents.atom)[0]!;
    const bodies = [text(rssItem['content:encoded']), text(atomEntry.content), json(input).items[0]!.content_html!];
    for (const body of bodies) {
      expect(body).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
      expect(body).not.toMatch(/<script/i);
    }
    expect(hasElement(parseXml(documents.rss), 'script')).toBe(false);
    expect(hasElement(parseXml(documents.atom), 'script')).toBe(false);
    expect(htmlToText(text(rssItem.description))).toBe(script);
    expect(htmlToText(text(atomEntry.summary))).toBe(script);
  });
});

describe('nothing is escaped twice', () => {
  it.each([
    // [title, Atom html title as parsed from XML]
    ['AT&T', 'AT&amp;T'],
    ['Tom & Jerry <3', 'Tom &amp; Jerry &lt;3'],
    ['Fish &amp; Chips', 'Fish &amp;amp; Chips'],
    ['&lt;b&gt; is how you write <b>', '&amp;lt;b&amp;gt; is how you write &lt;b&gt;'],
    ['&#x26; and &#38; stay references', '&amp;#x26; and &amp;#38; stay references'],
    ['"Quotes" and \'apostrophes\'', '"Quotes" and \'apostrophes\''],
  ])('a title %j is plain in RSS and JSON, escaped once in Atom', (title, atomHtml) => {
    // Prepare
    const model = oneItemModel({ title });

    // Act
    const documents = renderFeeds(model);

    // Assess
    expect(text(rssItems(documents.rss)[0]!.title)).toBe(title);
    expect(text(atomEntries(documents.atom)[0]!.title)).toBe(atomHtml);
    expect((JSON.parse(documents.json) as JsonFeed).items[0]!.title).toBe(title);
  });

  it('a literal `&amp;` in channel text, author names and copyright round-trips in RSS and Atom', () => {
    // Prepare
    const author = { name: 'Smith &amp; Sons', email: 'desk@example.org' };
    const model = oneItemModel(
      { author, summary: 'Fish &amp; Chips are served.' },
      { title: 'Fish &amp; Chips', description: 'News &amp; views & more', copyright: '© A&amp;B', author },
    );

    // Act
    const documents = renderFeeds(model);

    // Assess
    const channel = rssChannel(documents.rss);
    expect(text(channel.title)).toBe('Fish &amp; Chips');
    expect(text(channel.description)).toBe('News &amp; views & more');
    expect(text(channel.copyright)).toBe('© A&amp;B');
    expect(children(children(channel, 'item')[0], 'dc:creator').map(text)).toEqual(['Smith &amp; Sons']);
    expect(htmlToText(text(children(channel, 'item')[0]!.description))).toBe('Fish &amp; Chips are served.');
    const feed = atomFeed(documents.atom);
    expect(text(feed.title)).toBe('Fish &amp; Chips');
    expect(text(feed.subtitle)).toBe('News &amp; views & more');
    expect(text(feed.rights)).toBe('© A&amp;B');
    expect(text(children(feed, 'author')[0]!.name)).toBe('Smith &amp; Sons');
    expect(text(children(children(feed, 'entry')[0], 'author')[0]!.name)).toBe('Smith &amp; Sons');
    const jsonFeed = JSON.parse(documents.json) as JsonFeed;
    expect([jsonFeed.title, jsonFeed.description, jsonFeed.authors?.[0]?.name]).toEqual([
      'Fish &amp; Chips',
      'News &amp; views & more',
      'Smith &amp; Sons',
    ]);
  });
});

describe('fixes for the `feed` package, each with the bare package failure beside it', () => {
  const FORBIDDEN = '\u0000\u0001\u000B\u001F';

  it('the installed `feed` is exactly 6.0.0, the version these workarounds were written for', () => {
    // Prepare: the copy of `feed` the renderer imports, and this project's own dependency line.
    const entry = createRequire(import.meta.url).resolve('feed');
    const installed = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name: string; version: string };
    const project = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const upgrading =
      'src/feed/render.ts works around the bugs of feed 6.0.0. Upgrading means re-running the "bare package" tests ' +
      'in tests/feed/render.test.ts (a bare package test that now fails means that bug changed or was fixed) and ' +
      'revisiting each workaround in src/feed/render.ts, then updating this version.';

    // Act
    const version = installed.version;

    // Assess
    expect(installed.name).toBe('feed');
    expect(version, `feed ${version} is installed. ${upgrading}`).toBe('6.0.0');
    expect(project.dependencies.feed, `package.json asks for feed "${project.dependencies.feed}", not exactly "6.0.0". ${upgrading}`).toBe(
      '6.0.0',
    );
  });

  describe('XML 1.0 forbidden characters', () => {
    it('our renderer drops U+0000, U+0001, U+000B, U+001F (and U+FFFE, lone surrogates) and keeps the rest', async () => {
      // Prepare
      const model = oneItemModel(
        {
          title: `A\u0000B\u0001C\u000BD\u001FE\uFFFEF\uD800G`,
          summary: `sum${FORBIDDEN}mary`,
          contentHtml: `<p>bo${FORBIDDEN}dy</p>`,
          author: { name: `Na${FORBIDDEN}me` },
        },
        { title: `Chan${FORBIDDEN}nel`, description: `Desc${FORBIDDEN}ription` },
      );

      // Act
      const { rss, atom } = renderFeeds(model);

      // Assess
      expect(await xmlErrors(rss)).toEqual([]);
      expect(await xmlErrors(atom)).toEqual([]);
      const channel = rssChannel(rss);
      const item = children(channel, 'item')[0]!;
      expect([text(channel.title), text(channel.description)]).toEqual(['Channel', 'Description']);
      expect(text(item.title)).toBe('ABCDEFG');
      expect(htmlToText(text(item.description))).toBe('summary');
      expect(text(item['content:encoded'])).toBe('<p>body</p>');
      expect(children(item, 'dc:creator').map(text)).toEqual(['Name']);
      const entry = atomEntries(atom)[0]!;
      expect(htmlToText(text(entry.title))).toBe('ABCDEFG');
      expect(text(entry.content)).toBe('<p>body</p>');
      expect(await atomSchemaErrors(atom)).toEqual([]);
    });

    it('bare package: the same characters make RSS and Atom output that is not well-formed', async () => {
      // Prepare
      const feed = new Feed(BARE_OPTIONS);
      feed.addItem({ ...BARE_ITEM, title: `A${FORBIDDEN}B`, content: `<p>bo${FORBIDDEN}dy</p>` });

      // Act
      const rssErrors = await xmlErrors(feed.rss2());
      const atomErrors = await xmlErrors(feed.atom1());

      // Assess
      expect(rssErrors.join('\n')).toMatch(/invalid (xmlChar|Char) value/i);
      expect(atomErrors.join('\n')).toMatch(/invalid (xmlChar|Char) value/i);
    });
  });

  describe('the dc: namespace of items without full text', () => {
    it('our renderer: declares xmlns:dc on the root when no item has content:encoded, for every dc:creator', async () => {
      // Prepare: an item whose full text was left out (MAX_FEED_BYTES), with its own language.
      const { contentHtml: _content, ...withoutText } = makeItem({ id: `${ID_PREFIX}articles/one`, language: 'uk' });
      const model = makeModel([withoutText]);

      // Act
      const { rss } = renderFeeds(model);

      // Assess: a namespace-aware parser reads the prefix (xmllint reports an undeclared one).
      expect(/<rss [^>]*>/.exec(rss)![0]).toContain(' xmlns:dc="http://purl.org/dc/elements/1.1/"');
      expect(rss).not.toContain('<content:encoded>');
      expect(await xmlErrors(rss)).toEqual([]);
      const item = rssItems(rss)[0]!;
      expect(children(item, 'dc:creator').length).toBe(1);
      expect(children(item, 'dc:language').map(text)).toEqual(['uk']);
    });

    it('bare package: an item with dc:creator and no content leaves the dc: prefix undeclared', () => {
      // Prepare
      const feed = new Feed(BARE_OPTIONS);
      const { content: _content, ...withoutContent } = BARE_ITEM;
      feed.addItem({ ...withoutContent, extensions: [{ name: 'dc:creator', objects: { _text: 'Desk' } }] });

      // Act
      const xml = feed.rss2();

      // Assess
      expect(xml).toContain('<dc:creator>Desk</dc:creator>');
      expect(/<rss [^>]*>/.exec(xml)![0]).not.toContain('xmlns:dc');
    });
  });

  describe('two `]]>` in one text', () => {
    const twice = 'a ]]> b ]]> c';

    it('our renderer: round-trips exactly in RSS title, RSS content, Atom content and summaries', async () => {
      // Prepare
      const model = oneItemModel({ title: twice, summary: twice, contentHtml: `<p>${twice}</p>` });

      // Act
      const { rss, atom } = renderFeeds(model);

      // Assess
      expect(await xmlErrors(rss)).toEqual([]);
      expect(await xmlErrors(atom)).toEqual([]);
      const item = rssItems(rss)[0]!;
      expect(text(item.title)).toBe(twice);
      expect(text(item['content:encoded'])).toBe(`<p>${twice}</p>`);
      expect(htmlToText(text(item.description))).toBe(twice);
      const entry = atomEntries(atom)[0]!;
      expect(text(entry.content)).toBe(`<p>${twice}</p>`);
      expect(htmlToText(text(entry.title))).toBe(twice);
      expect(htmlToText(text(entry.summary))).toBe(twice);
    });

    it('bare package: content with two `]]>` is not well-formed XML', async () => {
      // Prepare
      const feed = new Feed(BARE_OPTIONS);
      feed.addItem({ ...BARE_ITEM, content: `<p>${twice}</p>` });

      // Act
      const errors = await xmlErrors(feed.rss2());

      // Assess
      expect(errors.join('\n')).toMatch(/\]\]>' not allowed/);
    });
  });

  describe('a literal `&amp;` in text', () => {
    it('our renderer: the RSS and Atom channel title keep it', () => {
      // Prepare
      const model = oneItemModel({}, { title: 'Fish &amp; Chips' });

      // Act
      const { rss, atom } = renderFeeds(model);

      // Assess
      expect(text(rssChannel(rss).title)).toBe('Fish &amp; Chips');
      expect(text(atomFeed(atom).title)).toBe('Fish &amp; Chips');
    });

    it('our renderer: a tag: prefix holding `&amp;` (which the config accepts) keeps the Atom feed id and entry ids intact', () => {
      // Prepare
      const prefix = 'tag:example.org,2026:fish&amp;chips/';
      const model = makeModel([makeItem({ id: itemId(prefix, 'a.txt') })], { id: feedId(prefix) });

      // Act
      const { rss, atom } = renderFeeds(model);

      // Assess
      const feed = atomFeed(atom);
      expect(text(feed.id)).toBe('tag:example.org,2026:fish&amp;chips/feed');
      expect(text(children(feed, 'entry')[0]!.id)).toBe('tag:example.org,2026:fish&amp;chips/articles/a');
      expect(text(rssItems(rss)[0]!.guid)).toBe('tag:example.org,2026:fish&amp;chips/articles/a');
    });

    it('bare package: the XML writer "desanitizes" it into `Fish & Chips`', () => {
      // Prepare
      const feed = new Feed({ ...BARE_OPTIONS, title: 'Fish &amp; Chips' });
      feed.addItem(BARE_ITEM);

      // Act
      const title = text(rssChannel(feed.rss2()).title);

      // Assess
      expect(title).toBe('Fish & Chips');
    });
  });

  describe('Atom html titles', () => {
    it('our renderer: plain text is HTML-escaped, so `Use <b> for bold` is text', () => {
      // Prepare
      const model = oneItemModel({ title: 'Use <b> for bold' });

      // Act
      const title = text(atomEntries(renderAtom(model))[0]!.title);

      // Assess
      expect(htmlToText(title)).toBe('Use <b> for bold');
    });

    it('bare package: the title goes out as HTML, so readers show a bold tag instead of the text', () => {
      // Prepare
      const feed = new Feed(BARE_OPTIONS);
      feed.addItem({ ...BARE_ITEM, title: 'Use <b> for bold' });

      // Act
      const entry = atomEntries(feed.atom1())[0]!;

      // Assess
      expect(attr(entry.title, 'type')).toBe('html');
      expect(text(entry.title)).toBe('Use <b> for bold');
      expect(() => htmlToText(text(entry.title))).toThrow(/markup/);
    });
  });

  describe('RSS <author>', () => {
    it('our renderer: no <author>, the name is in dc:creator, with or without an e-mail address', () => {
      // Prepare
      const model = makeModel([
        makeItem({ id: `${ID_PREFIX}articles/a`, author: { name: 'Olena Kovalenko' } }),
        makeItem({ id: `${ID_PREFIX}articles/b`, author: DESK }),
      ]);

      // Act
      const items = rssItems(renderRss(model));

      // Assess
      expect(items.map((item) => children(item, 'author').length)).toEqual([0, 0]);
      expect(items.map((item) => children(item, 'dc:creator').map(text))).toEqual([['Olena Kovalenko'], [DESK.name]]);
    });

    it('bare package: writes a bare name into <author>, which must be an e-mail address', () => {
      // Prepare
      const feed = new Feed(BARE_OPTIONS);
      feed.addItem({ ...BARE_ITEM, author: [{ name: 'Olena Kovalenko' }] });

      // Act
      const authors = children(rssItems(feed.rss2())[0], 'author').map(text);

      // Assess
      expect(authors).toEqual(['Olena Kovalenko']);
      expect(authors[0]).not.toMatch(/@/);
    });
  });

  describe('RSS item titles are plain text, not CDATA', () => {
    it('our renderer: the exact bytes are text with hexadecimal references for & and <', () => {
      // Prepare
      const model = oneItemModel({ title: 'AT&T <3 ]]>' });

      // Act
      const rss = renderRss(model);

      // Assess
      expect(rss).toContain('<title>AT&#x26;T &#x3C;3 ]]&gt;</title>');
      expect(rss).not.toContain('<title><![CDATA[');
    });

    it('bare package: wraps the title in CDATA', () => {
      // Prepare
      const feed = new Feed(BARE_OPTIONS);
      feed.addItem({ ...BARE_ITEM, title: 'AT&T <3' });

      // Act
      const rss = feed.rss2();

      // Assess
      expect(rss).toContain('<title><![CDATA[AT&T <3]]></title>');
    });
  });

  describe('Atom entry ids', () => {
    it('our renderer: a tag: id from a non-ASCII file name with spaces and parentheses comes out unchanged', () => {
      // Prepare
      const id = itemId(ID_PREFIX, 'Київ новини (draft) 1.txt');
      const model = oneItemModel({ id });

      // Act
      const { rss, atom, json: jsonText } = renderFeeds(model);

      // Assess
      expect(id).toBe(`${ID_PREFIX}articles/%D0%9A%D0%B8%D1%97%D0%B2%20%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8%20%28draft%29%201`);
      expect(text(atomEntries(atom)[0]!.id)).toBe(id);
      expect(text(rssItems(rss)[0]!.guid)).toBe(id);
      expect((JSON.parse(jsonText) as JsonFeed).items[0]!.id).toBe(id);
    });

    it('bare package: atom1() throws `Invalid URL` on an id such as `article-1`', () => {
      // Prepare
      const feed = new Feed(BARE_OPTIONS);
      feed.addItem({ ...BARE_ITEM, id: 'article-1' });

      // Act
      const render = () => feed.atom1();

      // Assess
      expect(render).toThrow(/Invalid URL/);
    });
  });

  describe('JSON Feed version', () => {
    it('our renderer: 1.1 with `authors` and `language`, valid against the 1.1 schema', () => {
      // Prepare
      const model = oneItemModel({});

      // Act
      const feed = json(model);

      // Assess
      expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
      expect(feed.authors).toEqual([{ name: DESK.name, url: `mailto:${DESK.email}` }]);
      expect(feed.items[0]!.authors).toEqual([{ name: DESK.name, url: `mailto:${DESK.email}` }]);
      expect(feed.language).toBe('en');
      expect(jsonFeedSchemaErrors(feed)).toEqual([]);
    });

    it('bare package: json1() writes version 1 with `author`, no `authors` and no language', () => {
      // Prepare
      const feed = new Feed({ ...BARE_OPTIONS, language: 'en', author: { name: DESK.name, link: 'https://news.example.org/desk' } });
      feed.addItem({ ...BARE_ITEM, author: [{ name: DESK.name }] });

      // Act
      const output = JSON.parse(feed.json1()) as JsonFeed;

      // Assess
      expect(output.version).toBe('https://jsonfeed.org/version/1');
      expect(output).toHaveProperty('author');
      expect(output).not.toHaveProperty('authors');
      expect(output).not.toHaveProperty('language');
      expect(output.items[0]).toHaveProperty('author');
      expect(jsonFeedSchemaErrors(output).join('\n')).toMatch(/constant/);
    });
  });

  describe('RSS channel description', () => {
    it('our renderer: the description is the model description, never empty', () => {
      // Prepare
      const model = oneItemModel({}, { description: 'What this feed is about.' });

      // Act
      const description = text(rssChannel(renderRss(model)).description);

      // Assess
      expect(description).toBe('What this feed is about.');
    });

    it('bare package: without a description option it writes an empty <description/>', () => {
      // Prepare
      const { description: _unused, ...withoutDescription } = BARE_OPTIONS;
      const feed = new Feed(withoutDescription);
      feed.addItem(BARE_ITEM);

      // Act
      const description = text(rssChannel(feed.rss2()).description);

      // Assess
      expect(description).toBe('');
    });
  });

  describe('lastBuildDate and updated', () => {
    it('our renderer: they come from the model (the newest item), not the clock', () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2031-05-06T07:08:09.000Z'));
      const model = roundTripModel();

      // Act
      const documents = renderFeeds(model);

      // Assess
      expect(text(rssChannel(documents.rss).lastBuildDate)).toBe('Wed, 04 Feb 2026 10:15:30 GMT');
      expect(text(atomFeed(documents.atom).updated)).toBe('2026-02-04T10:15:30.000Z');
      for (const document of Object.values(documents)) expect(document).not.toMatch(/2031|May/);
    });

    it('our renderer: the same model rendered at two different clock times gives the same bytes', () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'] });
      const model = roundTripModel();

      // Act
      vi.setSystemTime(new Date('2027-01-01T00:00:00.000Z'));
      const first = renderFeeds(model);
      vi.setSystemTime(new Date('2031-05-06T07:08:09.000Z'));
      const second = renderFeeds(model);

      // Assess
      expect(second).toEqual(first);
    });

    it('bare package: without `updated` lastBuildDate and <updated> are the clock', () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2031-05-06T07:08:09.000Z'));
      const { updated: _unused, ...withoutUpdated } = BARE_OPTIONS;
      const feed = new Feed(withoutUpdated);
      feed.addItem(BARE_ITEM);

      // Act
      const lastBuildDate = text(rssChannel(feed.rss2()).lastBuildDate);
      const updated = text(atomFeed(feed.atom1()).updated);

      // Assess
      expect(lastBuildDate).toBe('Tue, 06 May 2031 07:08:09 GMT');
      expect(updated).toBe('2031-05-06T07:08:09.000Z');
    });
  });
});

describe('determinism', () => {
  it('rendering the same model twice gives identical bytes', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const first = renderFeeds(model);
    const second = renderFeeds(roundTripModel());

    // Assess
    expect(second.rss).toBe(first.rss);
    expect(second.atom).toBe(first.atom);
    expect(second.json).toBe(first.json);
  });

  it('buildFeeds from the same seed files in a different input order gives identical bytes', async () => {
    // Prepare
    const files = await readSeedFolder(fileURLToPath(new URL('../../seeds/', import.meta.url)));
    const options = { config: makeConfig(), now: new Date('2026-06-01T00:00:00.000Z') };
    const shuffled = [...files.slice(3), ...files.slice(0, 3)].reverse();

    // Act
    const first = buildFeeds(files, options);
    const second = buildFeeds(shuffled, options);

    // Assess
    expect(files.length).toBeGreaterThan(3);
    expect(first.feed?.documents).toBeDefined();
    expect(second.feed?.documents.rss).toBe(first.feed?.documents.rss);
    expect(second.feed?.documents.atom).toBe(first.feed?.documents.atom);
    expect(second.feed?.documents.json).toBe(first.feed?.documents.json);
  });
});

describe('an item in a language of its own', () => {
  /** The round-trip model with its middle item declared Ukrainian; the feed is English. */
  function mixedModel(): FeedModel {
    const model = roundTripModel();
    return { ...model, items: [model.items[0], { ...model.items[1]!, language: 'uk' }, model.items[2]!] };
  }

  it('Atom: that entry alone gets xml:lang, the feed keeps its own, and the document stays valid', async () => {
    // Prepare
    const model = mixedModel();

    // Act
    const xml = renderAtom(model);

    // Assess
    expect(attr(atomFeed(xml), 'xml:lang')).toBe('en');
    expect(atomEntries(xml).map((entry) => attr(entry, 'xml:lang'))).toEqual([undefined, 'uk', undefined]);
    expect(atomEntries(xml).map((entry) => text(entry.id))).toEqual(model.items.map((item) => item.id));
    expect(await xmlErrors(xml)).toEqual([]);
    expect(await atomSchemaErrors(xml)).toEqual([]);
  });

  it('Atom: an `<entry>` inside content, a title or a summary is text, so each language lands on its own entry', () => {
    // Prepare: the content ends a CDATA section early too, the way the package splits it.
    const model = makeModel([
      makeItem({
        id: `${ID_PREFIX}articles/a`,
        title: 'About <entry>',
        summary: 'An <entry> tag.',
        contentHtml: '<p>Raw <entry> and ]]> then <entry xml:lang="xx"></p>',
        language: 'pl',
      }),
      makeItem({ id: `${ID_PREFIX}articles/b`, contentHtml: '<!-- <entry> --><p>B</p>' }),
      makeItem({ id: `${ID_PREFIX}articles/c`, language: 'pt-BR' }),
    ]);

    // Act
    const entries = atomEntries(renderAtom(model));

    // Assess
    expect(entries.map((entry) => attr(entry, 'xml:lang'))).toEqual(['pl', undefined, 'pt-BR']);
    expect(text(entries[0]!.content)).toBe(model.items[0].contentHtml);
    expect(text(entries[1]!.content)).toBe(model.items[1]!.contentHtml);
  });

  it('Atom: the language is escaped as an attribute value', () => {
    // Prepare: no seed can give such a tag, but the model takes any string.
    const model = oneItemModel({ language: 'x"><y&z' });

    // Act
    const xml = renderAtom(model);

    // Assess
    expect(xml).toContain('<entry xml:lang="x&quot;&gt;&lt;y&amp;z">');
    expect(attr(atomEntries(xml)[0], 'xml:lang')).toBe('x"><y&z');
  });

  it('Atom: throws rather than label the wrong entry when the package writes more entries than items', () => {
    // Prepare: as if an upgrade wrote an entry of its own beside the item's.
    const twoEntries =
      '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n    <entry>\n    </entry>\n    <entry>\n    </entry>\n</feed>';
    const spy = vi.spyOn(Feed.prototype, 'atom1').mockReturnValue(twoEntries);
    onTestFinished(() => spy.mockRestore());
    const model = oneItemModel({ language: 'uk' });

    // Act
    const render = () => renderAtom(model);

    // Assess
    expect(render).toThrow('the Atom feed has 2 entries for 1 items');
  });

  it('JSON Feed: that item alone gets 1.1’s item `language`, and the document stays valid', () => {
    // Prepare
    const model = mixedModel();

    // Act
    const feed = json(model);

    // Assess
    expect(feed.language).toBe('en');
    expect(feed.items.map((item) => item.language)).toEqual([undefined, 'uk', undefined]);
    expect(feed.items.map((item) => 'language' in item)).toEqual([false, true, false]);
    expect(jsonFeedSchemaErrors(feed)).toEqual([]);
  });

  it('RSS: that item alone gets dc:language (RSS 2.0 has no item language), in the declared dc namespace', () => {
    // Prepare
    const model = mixedModel();

    // Act
    const rss = renderRss(model);

    // Assess
    expect(attr(child(parseXml(rss), 'rss'), 'xmlns:dc')).toBe('http://purl.org/dc/elements/1.1/');
    expect(text(rssChannel(rss).language)).toBe('en');
    expect(rssItems(rss).map((item) => children(item, 'dc:language').map(text))).toEqual([[], ['uk'], []]);
  });

  it('says nothing of a language in any format when no item declares one', () => {
    // Prepare
    const model = roundTripModel();

    // Act
    const documents = renderFeeds(model);

    // Assess
    expect(documents.rss).not.toContain('dc:language');
    expect(atomEntries(documents.atom).map((entry) => attr(entry, 'xml:lang'))).toEqual([undefined, undefined, undefined]);
    expect((JSON.parse(documents.json) as JsonFeed).items.some((item) => 'language' in item)).toBe(false);
  });
});
