/** Whole-corpus builds: held articles, rejections, determinism, and the feed of the newest items. */
import { describe, expect, it } from 'vitest';
import type { PublishedArticle } from '../../src/feed/model.js';
import { buildFeeds } from '../../src/publish/build.js';
import { ID_PREFIX, SITE_URL, makeConfig, seedFile, seedText } from '../helpers/factory.js';
import { atomFeed, rssChannel, text, type JsonFeed } from '../helpers/feeds.js';

const FILES = [
  seedFile('2026-02-01-tram.txt', seedText('2026-02-01', 'Tram Line Reopens', 'Trams are running again.')),
  seedFile('2026-02-10-bridge.txt', seedText('2026-02-10', 'Bridge Opens', 'A new footbridge.')),
  seedFile('2026-02-20-market.txt', seedText('2026-02-20', 'Market Returns', 'The Saturday market is back.')),
];
const BAD = [
  seedFile('bad-date.txt', seedText('2026-02-30', 'Impossible', 'No such day.')),
  seedFile('no-title.txt', 'date 2026-02-05\n\nBody without a title.\n'),
  seedFile('not-utf8.txt', new Uint8Array([0x64, 0x61, 0x74, 0x65, 0x20, 0xe9, 0x0a])),
];

const NOW = new Date('2026-03-01T00:00:00.000Z');
const fileNames = (entries: readonly { article: { fileName: string } }[]) => entries.map((entry) => entry.article.fileName);
/** The item ids of published articles: the id prefix, `articles/` and the file name without `.txt`. */
const ids = (entries: readonly PublishedArticle[]) => entries.map((entry) => entry.item.id);
const TRAM_ID = `${ID_PREFIX}articles/2026-02-01-tram`;
const BRIDGE_ID = `${ID_PREFIX}articles/2026-02-10-bridge`;

describe('buildFeeds', () => {
  it('holds back articles dated after now, and publishes one whose publish instant is exactly now', () => {
    // Prepare
    const now = new Date('2026-02-10T00:00:00.000Z');

    // Act
    const build = buildFeeds(FILES, { config: makeConfig(), now });

    // Assess
    expect(ids(build.published)).toEqual([BRIDGE_ID, TRAM_ID]);
    expect(fileNames(build.held)).toEqual(['2026-02-20-market.txt']);
    expect(build.feed?.model.items.map((item) => item.title)).toEqual(['Bridge Opens', 'Tram Line Reopens']);
    expect(build.feed?.documents.rss).not.toContain('Market Returns');
    expect(build.feed?.documents.json).not.toContain('Market Returns');
  });

  it('holds an article until the configured time in the configured zone', () => {
    // Prepare: 09:30 in Kyiv on 2026-02-10 is 07:30 UTC (winter, UTC+2).
    const config = makeConfig({ publishTime: { hour: 9, minute: 30, timeZone: 'Europe/Kyiv' } });

    // Act
    const before = buildFeeds(FILES, { config, now: new Date('2026-02-10T07:29:59.999Z') });
    const at = buildFeeds(FILES, { config, now: new Date('2026-02-10T07:30:00.000Z') });

    // Assess
    expect(fileNames(before.held)).toContain('2026-02-10-bridge.txt');
    expect(ids(before.published)).not.toContain(BRIDGE_ID);
    expect(ids(at.published)).toContain(BRIDGE_ID);
    expect(at.feed?.model.items[0]?.published.toISOString()).toBe('2026-02-10T07:30:00.000Z');
  });

  it('builds no feed when every article is held', () => {
    // Prepare
    const now = new Date('2026-01-01T00:00:00.000Z');

    // Act
    const build = buildFeeds(FILES, { config: makeConfig(), now });

    // Assess
    expect(build.feed).toBeUndefined();
    expect(build.published).toEqual([]);
    expect(build.held).toHaveLength(3);
  });

  it('lists rejected files with line and reason, in file-name order, and publishes the rest', () => {
    // Prepare
    const files = [...BAD].reverse().concat(FILES);

    // Act
    const build = buildFeeds(files, { config: makeConfig(), now: NOW });

    // Assess
    expect(build.corpus.rejected).toEqual([
      { fileName: 'bad-date.txt', line: 1, reason: '2026-02-30 is not a date on the calendar' },
      { fileName: 'no-title.txt', line: 1, reason: 'the title after the date is empty' },
      { fileName: 'not-utf8.txt', line: 1, reason: 'the file is not valid UTF-8 text' },
    ]);
    expect(build.published).toHaveLength(3);
    expect(build.feed?.model.items).toHaveLength(3);
  });

  it('builds no feed when every file is rejected', () => {
    // Prepare
    const files = BAD;

    // Act
    const build = buildFeeds(files, { config: makeConfig(), now: NOW });

    // Assess
    expect(build.feed).toBeUndefined();
    expect(build.corpus.rejected).toHaveLength(3);
  });

  it('is deterministic: any input order gives the same documents, ids and slugs', () => {
    // Prepare
    const options = { config: makeConfig(), now: NOW };
    const orders = [FILES, [...FILES].reverse(), [FILES[1]!, FILES[2]!, FILES[0]!]];

    // Act
    const builds = orders.map((files) => buildFeeds([...files, ...BAD], options));

    // Assess
    for (const build of builds.slice(1)) {
      expect(build.feed?.documents).toEqual(builds[0]!.feed?.documents);
      expect(build.published).toEqual(builds[0]!.published);
    }
  });

  it('a later `now` does not change the bytes once every article is published', () => {
    // Prepare
    const config = makeConfig();

    // Act
    const march = buildFeeds(FILES, { config, now: NOW });
    const december = buildFeeds(FILES, { config, now: new Date('2026-12-31T23:59:59.000Z') });

    // Assess
    expect(december.feed?.documents).toEqual(march.feed?.documents);
  });

  it('applies the item limit to the feed but still lists every published article', () => {
    // Prepare
    const config = makeConfig({ itemLimit: 2 });

    // Act
    const build = buildFeeds(FILES, { config, now: NOW });

    // Assess
    expect(build.published).toHaveLength(3);
    expect(build.feed?.model.items.map((item) => item.title)).toEqual(['Market Returns', 'Bridge Opens']);
    expect((JSON.parse(build.feed!.documents.json) as JsonFeed).items).toHaveLength(2);
  });

  it('builds ids from the prefix and file name, and links from the site URL and slug', () => {
    // Prepare
    const config = makeConfig();

    // Act
    const build = buildFeeds(FILES, { config, now: NOW });

    // Assess
    const item = build.feed!.model.items.find((entry) => entry.title === 'Bridge Opens')!;
    expect(item.id).toBe(BRIDGE_ID);
    expect(item.url).toBe(`${SITE_URL}articles/2026-02-10-bridge-opens.html`);
    expect(item.summary).toBe('A new footbridge.');
    expect(item.contentHtml).toBe('<p>A new footbridge.</p>');
  });

  it('gives each published article its page slug, its calendar day and the very item the feed carries', () => {
    // Prepare
    const config = makeConfig({ publishTime: { hour: 9, minute: 30, timeZone: 'Europe/Kyiv' } });

    // Act
    const build = buildFeeds(FILES, { config, now: NOW });

    // Assess
    expect(build.published.map(({ slug, day, item }) => ({ slug, day, published: item.published.toISOString() }))).toEqual([
      { slug: '2026-02-20-market-returns', day: '2026-02-20', published: '2026-02-20T07:30:00.000Z' },
      { slug: '2026-02-10-bridge-opens', day: '2026-02-10', published: '2026-02-10T07:30:00.000Z' },
      { slug: '2026-02-01-tram-line-reopens', day: '2026-02-01', published: '2026-02-01T07:30:00.000Z' },
    ]);
    expect(build.feed!.model.items).toEqual(build.published.map((entry) => entry.item));
  });
});

describe('buildFeeds with updatedAt (keyed by seed file name)', () => {
  it("raises an item's updated and the feed's updated, leaving published alone", () => {
    // Prepare
    const edited = new Date('2026-03-05T08:00:00.000Z');
    const updatedAt = new Map([['2026-02-01-tram.txt', edited]]);

    // Act
    const build = buildFeeds(FILES, { config: makeConfig(), now: new Date('2026-03-06T00:00:00.000Z'), updatedAt });

    // Assess
    const model = build.feed!.model;
    const tram = model.items.find((item) => item.id === TRAM_ID)!;
    expect(tram.updated.toISOString()).toBe('2026-03-05T08:00:00.000Z');
    expect(tram.published.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(model.updated.toISOString()).toBe('2026-03-05T08:00:00.000Z');
    expect(model.items.map((item) => item.id)[2]).toBe(TRAM_ID);
    const documents = build.feed!.documents;
    expect(text(rssChannel(documents.rss).lastBuildDate)).toBe('Thu, 05 Mar 2026 08:00:00 GMT');
    expect(text(atomFeed(documents.atom).updated)).toBe('2026-03-05T08:00:00.000Z');
    const jsonTram = (JSON.parse(documents.json) as JsonFeed).items.find((item) => item.id === TRAM_ID)!;
    expect([jsonTram.date_published, jsonTram.date_modified]).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-05T08:00:00.000Z']);
  });

  it('ignores an updatedAt that is not later than the publish instant', () => {
    // Prepare
    const updatedAt = new Map([['2026-02-10-bridge.txt', new Date('2026-02-09T00:00:00.000Z')]]);

    // Act
    const build = buildFeeds(FILES, { config: makeConfig(), now: NOW, updatedAt });

    // Assess
    const bridge = build.feed!.model.items.find((item) => item.id === BRIDGE_ID)!;
    expect(bridge.updated.toISOString()).toBe('2026-02-10T00:00:00.000Z');
    expect(build.feed!.model.updated.toISOString()).toBe('2026-02-20T00:00:00.000Z');
  });

  it('without updatedAt, the feed is as new as its newest article', () => {
    // Prepare
    const options = { config: makeConfig(), now: NOW };

    // Act
    const build = buildFeeds(FILES, options);

    // Assess
    expect(build.feed!.model.updated.toISOString()).toBe('2026-02-20T00:00:00.000Z');
    for (const item of build.feed!.model.items) expect(item.updated.getTime()).toBe(item.published.getTime());
  });
});
