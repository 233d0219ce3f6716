/**
 * What the feeds mean, beyond what validators check: the same ids, links, dates, text, authors
 * and languages in RSS 2.0, Atom 1.0 and JSON Feed 1.1; dates that follow the articles and the
 * configured publish time, never the clock; RFC 5005 archives that hold every other article once
 * and keep each item as the feed had it; WebSub topics that are the feeds' self links; and a size
 * limit that takes out full text and nothing else. Each document is parsed, not string-matched.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { publish } from '../../src/publish/publish.js';
import { atomFeed, attr, child, children, hasElement, htmlToText, parseXml, rssChannel, text, type XmlNode } from '../helpers/feeds.js';
import { seed, SITE, testFeedConfig, text as bodyText } from '../publish/support.js';
import { memorySite, type Site } from '../publish/support-site.js';

type Format = 'rss' | 'atom' | 'json';
type Objects = ReadonlyMap<string, { body: Uint8Array }>;

interface JsonAuthor {
  name?: string;
  url?: string;
}
interface JsonItem {
  id: string;
  url: string;
  title?: string;
  summary: string;
  content_html?: string;
  content_text?: string;
  date_published: string;
  date_modified: string;
  authors: JsonAuthor[];
  language?: string;
}
interface JsonDocument {
  version: string;
  feed_url: string;
  home_page_url: string;
  next_url?: string;
  language: string;
  authors: JsonAuthor[];
  hubs?: { type: string; url: string }[];
  items: JsonItem[];
}

/** One item as a reader takes it from one format: what every format must agree on. */
interface Entry {
  readonly id: string;
  readonly url: string;
  readonly published: string;
  /** RSS has no item modification date. */
  readonly updated?: string;
  readonly title: string;
  readonly summary: string;
  readonly contentHtml?: string;
  readonly language?: string;
}

const LIVE_KEYS = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' } as const;
const ARCHIVE_KEY = {
  rss: (n: number) => `archive/rss-${n}.xml`,
  atom: (n: number) => `archive/atom-${n}.xml`,
  json: (n: number) => `archive/feed-${n}.json`,
};
const HUB = 'https://hub.example.org/';
const keyOf = (url: string) => {
  if (!url.startsWith(SITE)) throw new Error(`${url} is not under ${SITE}`);
  return url.slice(SITE.length);
};
const iso = (date: string) => new Date(date).toISOString();
const body = (objects: Objects, key: string) => {
  const object = objects.get(key);
  if (!object) throw new Error(`no ${key} in the site`);
  return bodyText(object.body);
};

/** `rel` → hrefs of a channel's atom:link elements (RSS) or a feed's link elements (Atom). */
function linksByRel(container: XmlNode, format: 'rss' | 'atom'): Map<string, string[]> {
  const links = new Map<string, string[]>();
  for (const link of children(container, format === 'rss' ? 'atom:link' : 'link')) {
    // An Atom link without rel is rel="alternate" (RFC 4287, 4.2.7.2).
    const rel = attr(link, 'rel') ?? 'alternate';
    links.set(rel, [...(links.get(rel) ?? []), attr(link, 'href')!]);
  }
  return links;
}

function rssEntries(channel: XmlNode): Entry[] {
  return children(channel, 'item').map((item) => {
    const content = item['content:encoded'];
    const language = item['dc:language'];
    return {
      id: text(child(item, 'guid')),
      url: text(child(item, 'link')),
      published: iso(text(child(item, 'pubDate'))),
      title: text(child(item, 'title')),
      // RSS descriptions are HTML: the summary is plain text, escaped once.
      summary: htmlToText(text(child(item, 'description'))),
      ...(content === undefined ? {} : { contentHtml: text(content) }),
      ...(language === undefined ? {} : { language: text(language) }),
    };
  });
}

function atomEntries(feed: XmlNode): Entry[] {
  return children(feed, 'entry').map((entry) => {
    const content = entry.content;
    const language = attr(entry, 'xml:lang');
    return {
      id: text(child(entry, 'id')),
      url: linksByRel(entry, 'atom').get('alternate')![0]!,
      published: iso(text(child(entry, 'published'))),
      updated: iso(text(child(entry, 'updated'))),
      title: htmlToText(text(child(entry, 'title'))),
      summary: htmlToText(text(child(entry, 'summary'))),
      ...(content === undefined ? {} : { contentHtml: text(content) }),
      ...(language === undefined ? {} : { language }),
    };
  });
}

function jsonEntries(feed: JsonDocument): Entry[] {
  return feed.items.map((item) => ({
    id: item.id,
    url: item.url,
    published: iso(item.date_published),
    updated: iso(item.date_modified),
    title: item.title ?? '',
    summary: item.summary,
    ...(item.content_html === undefined ? {} : { contentHtml: item.content_html }),
    ...(item.language === undefined ? {} : { language: item.language }),
  }));
}

function entriesOf(format: Format, document: string): Entry[] {
  if (format === 'rss') return rssEntries(rssChannel(document));
  if (format === 'atom') return atomEntries(atomFeed(document));
  return jsonEntries(JSON.parse(document) as JsonDocument);
}

/** The key of the next older document: prev-archive in RSS and Atom, next_url in JSON Feed. */
function olderKey(format: Format, document: string): string | undefined {
  if (format === 'json') {
    const next = (JSON.parse(document) as JsonDocument).next_url;
    return next === undefined ? undefined : keyOf(next);
  }
  const container = format === 'rss' ? rssChannel(document) : atomFeed(document);
  const older = linksByRel(container, format).get('prev-archive');
  return older === undefined ? undefined : keyOf(older[0]!);
}

/** Every document a reader reaches from the feed by going to older ones, with its entries. */
function chain(objects: Objects, format: Format): { key: string; entries: Entry[] }[] {
  const documents: { key: string; entries: Entry[] }[] = [];
  for (let key: string | undefined = LIVE_KEYS[format]; key !== undefined; ) {
    if (documents.some((document) => document.key === key)) throw new Error(`${key} is reached twice`);
    const document = body(objects, key);
    documents.push({ key, entries: entriesOf(format, document) });
    key = olderKey(format, document);
  }
  return documents;
}

const allEntries = (objects: Objects, format: Format) => chain(objects, format).flatMap((document) => document.entries);
const byId = (entries: readonly Entry[]) => new Map(entries.map((entry) => [entry.id, entry]));

/** A date a day apart from `start`: `dayAfter('2026-01-31', 1)` is `2026-02-01`. */
function dayAfter(start: string, days: number): string {
  return new Date(Date.parse(`${start}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** An article in English with markup and ampersands as text, a photo credit and a bare link. */
function englishSeed(day: string, n: number): string {
  return seed(
    day,
    `Note ${n}: Schools & Shelters <First>`,
    `Lede ${n}: costs & <b>plans</b>, "quoted".`,
    'Photo: commons.wikimedia.org by Ann Lee, https://creativecommons.org/licenses/by/4.0/ Kyiv',
    `Body ${n}, with more about it.`,
    'https://example.org/report?id=1&page=2',
  );
}

/** An article with its own language (`lang uk`). */
function ukrainianSeed(day: string, n: number): string {
  return `date ${day} Нотатка ${n}: школи й укриття\n\nlang uk\n\nПерший абзац ${n}.\n\nДругий абзац, довший.\n`;
}

/**
 * Forty-four articles a day apart from 2026-01-01 (every seventh in Ukrainian), a second one on
 * 2026-01-20, and one on 2026-05-20, in summer time: 46 in all.
 */
function corpus(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 0; n < 44; n++) {
    const day = dayAfter('2026-01-01', n);
    files[`${day}-note.txt`] = n % 7 === 3 ? ukrainianSeed(day, n) : englishSeed(day, n);
  }
  files['2026-01-20-second.txt'] = englishSeed('2026-01-20', 100);
  files['2026-05-20-summer.txt'] = englishSeed('2026-05-20', 101);
  return files;
}

const ITEM_LIMIT = 10;
const NOW = new Date('2026-06-01T00:00:00.000Z');

/** 09:30 in New York: 14:30 UTC in winter (EST), 13:30 UTC in summer (EDT, from 2026-03-08). */
function publishInstant(day: string): string {
  return `${day}T${day >= '2026-03-08' && day < '2026-11-01' ? '13' : '14'}:30:00.000Z`;
}

const DAY_OF_FILE = /^(\d{4}-\d{2}-\d{2})-/;

function corpusSite(): Site {
  return memorySite(corpus(), {
    now: NOW,
    config: testFeedConfig({
      itemLimit: ITEM_LIMIT,
      publishTime: '09:30',
      timeZone: 'America/New_York',
      ttlMinutes: 45,
      websubHub: HUB,
    }),
  });
}

/** Publishes like memorySite's run, with a hub that accepts every notification and records its topic. */
async function runRecordingTopics(site: Site): Promise<string[]> {
  const topics: string[] = [];
  const hub: typeof fetch = async (_url, init) => {
    topics.push(new URLSearchParams(String(init?.body)).get('hub.url') ?? '');
    return new Response(null, { status: 204 });
  };
  await publish({ storage: site.site, seeds: site.seeds, settings: site.settings, now: () => site.now, fetch: hub });
  return topics.sort();
}

describe('the three formats of a published corpus', () => {
  let site: Site;
  let topics: string[];
  const objects = () => site.site.objects;

  beforeAll(async () => {
    site = corpusSite();
    topics = await runRecordingTopics(site);
  });

  it('give each item one id in every format, the RSS guid marked isPermaLink="false" since a tag: id is no URL, and no id twice', () => {
    // Prepare
    const expectedIds = Object.keys(corpus())
      .map((name) => `tag:news.example.org,2026:articles/${name.replace(/\.txt$/, '')}`)
      .sort();

    // Act
    const ids = (['rss', 'atom', 'json'] as const).map((format) => allEntries(objects(), format).map((entry) => entry.id));
    const guids = chain(objects(), 'rss').flatMap(({ key }) =>
      children(rssChannel(body(objects(), key)), 'item').map((item) => child(item, 'guid')),
    );

    // Assess
    for (const list of ids) {
      expect([...list].sort()).toEqual(expectedIds);
      expect(new Set(list).size).toBe(list.length);
    }
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[2]).toEqual(ids[0]);
    for (const guid of guids) {
      expect(attr(guid, 'isPermaLink')).toBe('false');
      expect(text(guid)).toMatch(/^tag:/);
    }
  });

  it('link each item to the same absolute article page in every format, and hold no relative URL for a reader to resolve', () => {
    // Prepare
    const hrefs: string[] = [];

    // Act
    const urls = (['rss', 'atom', 'json'] as const).map((format) => allEntries(objects(), format).map((entry) => entry.url));
    for (const format of ['rss', 'atom', 'json'] as const) {
      for (const { key, entries } of chain(objects(), format)) {
        for (const entry of entries)
          hrefs.push(...[...(entry.contentHtml ?? '').matchAll(/\b(?:href|src)="([^"]*)"/g)].map((match) => match[1]!));
        if (format === 'json') {
          const document = JSON.parse(body(objects(), key)) as JsonDocument;
          hrefs.push(document.feed_url, document.home_page_url, ...(document.next_url ? [document.next_url] : []));
        } else {
          const container = format === 'rss' ? rssChannel(body(objects(), key)) : atomFeed(body(objects(), key));
          hrefs.push(...[...linksByRel(container, format).values()].flat());
          if (format === 'rss') hrefs.push(text(child(container, 'link')));
        }
      }
    }

    // Assess
    expect(urls[1]).toEqual(urls[0]);
    expect(urls[2]).toEqual(urls[0]);
    for (const url of urls[0]!) expect(url).toMatch(/^https:\/\/news\.example\.org\/articles\/[^/]+\.html$/);
    expect(hrefs.length).toBeGreaterThan(urls[0]!.length);
    for (const href of hrefs) expect(href).toMatch(/^https?:\/\/[^/]+\//);
  });

  it('date each item at its day’s configured publish time in the configured zone, the same instant in RSS pubDate, Atom published and JSON date_published', () => {
    // Prepare
    const dayOf = (id: string) => DAY_OF_FILE.exec(id.replace(/^.*\//, ''))![1]!;

    // Act
    const entries = (['rss', 'atom', 'json'] as const).map((format) => allEntries(objects(), format));

    // Assess: nothing was edited, so every updated date is the publish date too.
    for (const list of entries) {
      for (const entry of list) {
        expect(entry.published, entry.id).toBe(publishInstant(dayOf(entry.id)));
        if (entry.updated !== undefined) expect(entry.updated, entry.id).toBe(entry.published);
      }
    }
    expect(byId(entries[0]!).get('tag:news.example.org,2026:articles/2026-05-20-summer')!.published).toBe('2026-05-20T13:30:00.000Z');
  });

  it('carry the same title, summary and full text in every format: escaped text decodes to JSON Feed’s plain text, and the HTML is the same', () => {
    // Prepare
    const strip = ({ id, title, summary, contentHtml }: Entry) => ({ id, title, summary, contentHtml });

    // Act
    const [rss, atom, json] = (['rss', 'atom', 'json'] as const).map((format) => allEntries(objects(), format).map(strip));

    // Assess
    expect(atom).toEqual(json);
    expect(rss).toEqual(json);
    const note = json!.find((entry) => entry.id.endsWith('/2026-01-01-note'))!;
    expect(note.title).toBe('Note 0: Schools & Shelters <First>');
    expect(note.summary).toBe('Lede 0: costs & <b>plans</b>, "quoted".');
    expect(note.contentHtml).toContain('<a href="https://example.org/report?id=1&amp;page=2">');
  });

  it('name the author in dc:creator in RSS (never <author>, which must be an e-mail address), and with the e-mail in Atom and JSON Feed', () => {
    // Prepare
    const rss = rssChannel(body(objects(), 'rss.xml'));
    const atom = atomFeed(body(objects(), 'atom.xml'));
    const json = JSON.parse(body(objects(), 'feed.json')) as JsonDocument;

    // Act
    const rssItems = children(rss, 'item');
    const atomAuthors = [children(atom, 'author'), ...children(atom, 'entry').map((entry) => children(entry, 'author'))];
    const jsonAuthors = [json.authors, ...json.items.map((item) => item.authors)];

    // Assess
    for (const item of rssItems) {
      expect(item.author).toBeUndefined();
      expect(text(child(item, 'dc:creator'))).toBe('News Desk');
    }
    for (const authors of atomAuthors) {
      expect(authors).toHaveLength(1);
      expect(text(child(authors[0], 'name'))).toBe('News Desk');
      expect(text(child(authors[0], 'email'))).toBe('desk@example.org');
    }
    for (const authors of jsonAuthors) expect(authors).toEqual([{ name: 'News Desk', url: 'mailto:desk@example.org' }]);
  });

  it('declare the feed’s language in every format and document, and an article’s own language on its item alone', () => {
    // Prepare
    const ukrainian = new Set(
      Object.entries(corpus())
        .filter(([, content]) => content.includes('\nlang uk\n'))
        .map(([name]) => `tag:news.example.org,2026:articles/${name.replace(/\.txt$/, '')}`),
    );

    // Act
    const feedLanguages = [
      ...chain(objects(), 'rss').map(({ key }) => text(child(rssChannel(body(objects(), key)), 'language'))),
      ...chain(objects(), 'atom').map(({ key }) => attr(atomFeed(body(objects(), key)), 'xml:lang')),
      ...chain(objects(), 'json').map(({ key }) => (JSON.parse(body(objects(), key)) as JsonDocument).language),
    ];
    const itemLanguages = (['rss', 'atom', 'json'] as const).map((format) =>
      allEntries(objects(), format).map((entry) => [entry.id, entry.language]),
    );

    // Assess
    expect(ukrainian.size).toBeGreaterThan(2);
    expect(feedLanguages.length).toBeGreaterThan(3);
    for (const language of feedLanguages) expect(language).toBe('en');
    for (const list of itemLanguages) {
      for (const [id, language] of list) expect(language, id).toBe(ukrainian.has(id!) ? 'uk' : undefined);
    }
  });

  it('date the feed by its newest item, never the clock: lastBuildDate and Atom updated, and a later run leaves the feeds as they are; ttl is the publish interval', async () => {
    // Prepare
    const before = site.snapshot();
    const newest = allEntries(objects(), 'json')
      .slice(0, ITEM_LIMIT)
      .map((entry) => entry.updated!)
      .sort()
      .at(-1);

    // Act
    site.now = new Date('2027-03-04T05:06:07.000Z');
    const laterTopics = await runRecordingTopics(site);
    const rss = rssChannel(body(objects(), 'rss.xml'));
    const atom = atomFeed(body(objects(), 'atom.xml'));

    // Assess
    expect(newest).toBe('2026-05-20T13:30:00.000Z');
    expect(iso(text(child(rss, 'lastBuildDate')))).toBe(newest);
    expect(iso(text(child(atom, 'updated')))).toBe(newest);
    expect(text(child(rss, 'ttl'))).toBe('45');
    for (const key of [...Object.values(LIVE_KEYS), ARCHIVE_KEY.rss(1), ARCHIVE_KEY.atom(1), ARCHIVE_KEY.json(1)])
      expect(site.snapshot()[key], key).toBe(before[key]);
    // No feed written, so nothing to announce (README, WebSub).
    expect(laterTopics).toEqual([]);
  });

  it('archive exactly the articles the feed leaves out, each once, newest first, in pages of itemLimit from the oldest, the newest page holding the rest', () => {
    // Prepare
    const total = Object.keys(corpus()).length;
    const archived = total - ITEM_LIMIT;
    const pages = Math.ceil(archived / ITEM_LIMIT);

    // Act
    const chains = (['rss', 'atom', 'json'] as const).map((format) => chain(objects(), format));

    // Assess
    for (const [index, documents] of chains.entries()) {
      const format = (['rss', 'atom', 'json'] as const)[index]!;
      expect(documents.map(({ key }) => key)).toEqual([
        LIVE_KEYS[format],
        ...Array.from({ length: pages }, (_, n) => ARCHIVE_KEY[format](pages - n)),
      ]);
      expect(documents.map(({ entries }) => entries.length)).toEqual([
        ITEM_LIMIT,
        archived - ITEM_LIMIT * (pages - 1),
        ...Array.from({ length: pages - 1 }, () => ITEM_LIMIT),
      ]);
      const entries = documents.flatMap((document) => document.entries);
      expect(new Set(entries.map((entry) => entry.id)).size).toBe(total);
      for (let i = 1; i < entries.length; i++) expect(entries[i]!.published <= entries[i - 1]!.published, entries[i]!.id).toBe(true);
    }
    expect(chains[1]!.flatMap((d) => d.entries.map((e) => e.id))).toEqual(chains[0]!.flatMap((d) => d.entries.map((e) => e.id)));
    expect(chains[2]!.flatMap((d) => d.entries.map((e) => e.id))).toEqual(chains[0]!.flatMap((d) => d.entries.map((e) => e.id)));
  });

  it('link the feed and its archives as RFC 5005 asks, with absolute URLs: self, current, prev-archive and next-archive, and fh:archive on archives only', () => {
    // Prepare
    const pages = Math.ceil((Object.keys(corpus()).length - ITEM_LIMIT) / ITEM_LIMIT);

    // Act
    const documents = (['rss', 'atom'] as const).flatMap((format) =>
      [0, ...Array.from({ length: pages }, (_, n) => n + 1)].map((number) => {
        const key = number === 0 ? LIVE_KEYS[format] : ARCHIVE_KEY[format](number);
        const xml = body(objects(), key);
        const container = format === 'rss' ? rssChannel(xml) : atomFeed(xml);
        return { format, number, key, container, root: parseXml(xml)[format === 'rss' ? 'rss' : 'feed'] as XmlNode };
      }),
    );

    // Assess
    for (const { format, number, key, container, root } of documents) {
      const links = linksByRel(container, format);
      const expected: Record<string, string[] | undefined> = {
        self: [SITE + key],
        alternate: format === 'atom' ? [SITE] : undefined,
        current: number === 0 ? undefined : [SITE + LIVE_KEYS[format]],
        'prev-archive':
          number === 0 ? [SITE + ARCHIVE_KEY[format](pages)] : number > 1 ? [SITE + ARCHIVE_KEY[format](number - 1)] : undefined,
        'next-archive': number > 0 && number < pages ? [SITE + ARCHIVE_KEY[format](number + 1)] : undefined,
        hub: number === 0 ? [HUB] : undefined,
      };
      for (const [rel, hrefs] of Object.entries(expected)) expect(links.get(rel), `${key} rel=${rel}`).toEqual(hrefs);
      expect(hasElement(container, 'fh:archive'), key).toBe(number > 0);
      if (number > 0) expect(attr(root, 'xmlns:fh'), key).toBe('http://purl.org/syndication/history/1.0');
    }
  });

  it('name the WebSub hub in the feeds only, and notify it of exactly the topics the feeds give as their own self links', () => {
    // Prepare
    const live = JSON.parse(body(objects(), 'feed.json')) as JsonDocument;
    const newestArchive = JSON.parse(body(objects(), keyOf(live.next_url!))) as JsonDocument;

    // Act
    const selfLinks = [
      linksByRel(rssChannel(body(objects(), 'rss.xml')), 'rss').get('self')![0]!,
      linksByRel(atomFeed(body(objects(), 'atom.xml')), 'atom').get('self')![0]!,
      live.feed_url,
    ].sort();

    // Assess
    expect(topics).toEqual(selfLinks);
    expect(selfLinks).toEqual([`${SITE}atom.xml`, `${SITE}feed.json`, `${SITE}rss.xml`]);
    expect(live.hubs).toEqual([{ type: 'WebSub', url: HUB }]);
    expect(newestArchive.hubs).toBeUndefined();
  });

  it('lead from the JSON feed through next_url to ever older items, never to a feed_url already seen', () => {
    // Prepare
    const seen: string[] = [];
    const documents: JsonDocument[] = [];

    // Act
    for (let key: string | undefined = 'feed.json'; key !== undefined; ) {
      const document = JSON.parse(body(objects(), key)) as JsonDocument;
      documents.push(document);
      key = document.next_url === undefined ? undefined : keyOf(document.next_url);
    }

    // Assess
    expect(documents.length).toBeGreaterThan(2);
    for (const [index, document] of documents.entries()) {
      expect(seen).not.toContain(document.feed_url);
      seen.push(document.feed_url);
      if (document.next_url !== undefined) expect(seen).not.toContain(document.next_url);
      const next = documents[index + 1];
      if (next === undefined) continue;
      const oldestHere = document.items.map((item) => item.date_published).sort()[0]!;
      for (const item of next.items) expect(item.date_published <= oldestHere, item.id).toBe(true);
    }
    expect(documents.at(-1)!.next_url).toBeUndefined();
  });
});

describe('an article edited after publication', () => {
  const EDIT = new Date('2026-03-10T08:15:42.000Z');
  const files = () => {
    const result: Record<string, string> = {};
    for (let n = 1; n <= 12; n++) {
      const day = `2026-02-${String(n).padStart(2, '0')}`;
      result[`${day}-note.txt`] = seed(day, `Note ${n}`, `Lede ${n}.`, `Body ${n}.`);
    }
    return result;
  };
  const EDITED = 'tag:news.example.org,2026:articles/2026-02-05-note';

  async function editedSite(): Promise<{ site: Site; before: Map<string, Entry>[] }> {
    const site = memorySite(files(), { now: new Date('2026-03-01T00:00:00.000Z'), config: testFeedConfig({ itemLimit: ITEM_LIMIT }) });
    await site.run();
    const before = (['rss', 'atom', 'json'] as const).map((format) => byId(allEntries(site.site.objects, format)));
    site.now = EDIT;
    await site.writeSeed('2026-02-05-note.txt', seed('2026-02-05', 'Note 5, corrected', 'Lede 5, corrected.', 'Body 5.'));
    await site.run();
    return { site, before };
  }

  it('gets the edit run’s time as updated, and so do lastBuildDate and the Atom feed updated, while its id, link and publish date stay', async () => {
    // Prepare
    const { site, before } = await editedSite();

    // Act
    const after = (['rss', 'atom', 'json'] as const).map((format) => byId(allEntries(site.site.objects, format)));
    const rss = rssChannel(body(site.site.objects, 'rss.xml'));
    const atom = atomFeed(body(site.site.objects, 'atom.xml'));

    // Assess
    for (const [index, entries] of after.entries()) {
      const was = before[index]!.get(EDITED)!;
      const is = entries.get(EDITED)!;
      expect({ id: is.id, url: is.url, published: is.published }).toEqual({
        id: was.id,
        url: was.url,
        published: '2026-02-05T00:00:00.000Z',
      });
      expect(is.title).toBe('Note 5, corrected');
      if (is.updated !== undefined) expect(is.updated).toBe(EDIT.toISOString());
    }
    expect(iso(text(child(rss, 'lastBuildDate')))).toBe(EDIT.toISOString());
    expect(iso(text(child(atom, 'updated')))).toBe(EDIT.toISOString());
    // Every other item is as it was.
    for (const [index, entries] of after.entries())
      for (const [id, entry] of entries) if (id !== EDITED) expect(entry, id).toEqual(before[index]!.get(id));
  });

  it('keeps its id, link and dates, as every other article does, when newer articles move it from the feed into an archive', async () => {
    // Prepare: notes 1 and 2 are archived, note 5 was edited.
    const { site } = await editedSite();
    const inFeed = (['rss', 'atom', 'json'] as const).map((format) => byId(chain(site.site.objects, format)[0]!.entries));

    // Act: four newer notes push notes 3 to 6 into the archive.
    site.now = new Date('2026-03-20T00:00:00.000Z');
    for (let n = 13; n <= 16; n++)
      await site.writeSeed(`2026-02-${n}-note.txt`, seed(`2026-02-${n}`, `Note ${n}`, `Lede ${n}.`, `Body ${n}.`));
    await site.run();

    // Assess
    for (const [index, format] of (['rss', 'atom', 'json'] as const).entries()) {
      const [feed, ...archives] = chain(site.site.objects, format);
      const archived = byId(archives.flatMap((document) => document.entries));
      const moved = [...inFeed[index]!.keys()].filter((id) => !feed!.entries.some((entry) => entry.id === id));
      expect(moved.sort(), format).toEqual([3, 4, 5, 6].map((n) => `tag:news.example.org,2026:articles/2026-02-0${n}-note`));
      for (const id of moved) expect(archived.get(id), `${format} ${id}`).toEqual(inFeed[index]!.get(id));
      expect(archived.get(EDITED)!.updated ?? EDIT.toISOString()).toBe(EDIT.toISOString());
    }
  });
});

describe('the feeds’ size limit (MAX_FEED_BYTES)', () => {
  const longFiles = (count: number, lang?: string) => {
    const files: Record<string, string> = {};
    for (let n = 1; n <= count; n++) {
      const day = `2026-02-0${n}`;
      const header = `date ${day} Long Read ${n}\n\n${lang && n === 1 ? `lang ${lang}\n\n` : ''}`;
      files[`${day}-long.txt`] = `${header}Lede of read ${n}.\n\n${'Body text, at length. '.repeat(300)}\n`;
    }
    return files;
  };
  const limitedSite = (files: Record<string, string>, feedBytes?: number) => {
    const site = memorySite(files, { now: new Date('2026-03-01T00:00:00.000Z') });
    if (feedBytes !== undefined) site.settings = { ...site.settings, limits: { seedBytes: 1024 * 1024, feedBytes } };
    return site;
  };

  it('takes the full text out of the oldest items first and nothing else: ids, links, dates, titles and summaries stay as without a limit', async () => {
    // Prepare
    const whole = limitedSite(longFiles(6));
    const limited = limitedSite(longFiles(6), 24 * 1024);

    // Act
    await whole.run();
    await limited.run();

    // Assess
    for (const format of ['rss', 'atom', 'json'] as const) {
      const full = allEntries(whole.site.objects, format);
      const cut = allEntries(limited.site.objects, format);
      expect(Buffer.byteLength(body(limited.site.objects, LIVE_KEYS[format])), format).toBeLessThanOrEqual(24 * 1024);
      const withText = cut.filter((entry) => entry.contentHtml !== undefined).length;
      expect(withText, format).toBeGreaterThan(0);
      expect(withText, format).toBeLessThan(cut.length);
      expect(cut.map(({ contentHtml: _, ...rest }) => rest)).toEqual(full.map(({ contentHtml: _, ...rest }) => rest));
      expect(cut.slice(0, withText)).toEqual(full.slice(0, withText));
    }
  });

  it('keeps the dc: namespace declared in RSS when every item lost its full text, so namespace-aware parsers can read dc:creator and dc:language', async () => {
    // Prepare: two long articles (one with its own language) and a limit only their summaries fit.
    const site = limitedSite(longFiles(2, 'uk'), 8 * 1024);

    // Act
    const summary = await site.run();
    const rss = parseXml(body(site.site.objects, 'rss.xml'));

    // Assess
    expect(summary.warnings).toEqual([expect.stringContaining('the full text of 2 of their 2 items is left out')]);
    const channel = child(child(rss, 'rss'), 'channel');
    expect(hasElement(channel, 'dc:creator')).toBe(true);
    expect(hasElement(channel, 'dc:language')).toBe(true);
    expect(attr(child(rss, 'rss'), 'xmlns:dc')).toBe('http://purl.org/dc/elements/1.1/');
  });
});

describe('JSON Feed authors', () => {
  it('give the author’s e-mail as a mailto: URL whose address is the whole configured one, as RFC 6068 encodes it', async () => {
    // Prepare: "#" is an atext character an e-mail address may hold, and the config accepts it.
    const email = 'news#desk@example.org';
    const site = memorySite(
      { '2026-02-01-note.txt': seed('2026-02-01', 'Note', 'Lede.', 'Body.') },
      { now: new Date('2026-03-01T00:00:00.000Z'), config: testFeedConfig({ author: { name: 'News Desk', email } }) },
    );

    // Act
    await site.run();
    const feed = JSON.parse(body(site.site.objects, 'feed.json')) as JsonDocument;

    // Assess
    expect(text(child(children(atomFeed(body(site.site.objects, 'atom.xml')), 'author')[0], 'email'))).toBe(email);
    for (const author of [...feed.authors, ...feed.items.flatMap((item) => item.authors)]) {
      const url = new URL(author.url!);
      expect(url.protocol).toBe('mailto:');
      expect(url.hash).toBe('');
      expect(decodeURIComponent(url.pathname)).toBe(email);
    }
  });
});
