/**
 * The publish run without S3: seeds and site in memory (MemoryStorage behaves like a bucket,
 * ETags and conditions included). What a run reads and writes, how it repairs drift, keeps
 * permalinks, unpublishes, survives a failure at any write, and reports.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/article/parse.js';
import { publish, PublishError } from '../../src/publish/publish.js';
import { parseManifest } from '../../src/publish/manifest.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { seed, SITE, testFeedConfig, text, THREE_SEEDS, THREE_SLUGS, utf8 } from './support.js';
import { cloneStorage, failingFrom, linkedKeys, MANIFEST, memorySite } from './support-site.js';

/** After every article's date and publish time (00:00 UTC). */
const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const MARCH_2 = new Date('2026-03-02T06:00:00.000Z');
const PAGE_KEYS = THREE_SLUGS.map((slug) => `articles/${slug}.html`);
const SITE_KEYS = ['index.html', 'rss.xml', 'atom.xml', 'feed.json', '404.html', 'feed.css'];
/** What a change to the feeds' items rewrites besides pages: the 404 page does not show them. */
const FEED_KEYS = ['index.html', 'rss.xml', 'atom.xml', 'feed.json'];

const FIVE_SEEDS: Readonly<Record<string, string>> = {
  ...THREE_SEEDS,
  '2026-02-07-market.txt': seed('2026-02-07', 'Market Hall Reopens', 'Traders are back under the old roof.'),
  '2026-02-09-river.txt': seed('2026-02-09', 'River Walk Extended', 'The path now reaches the harbour.'),
};

/** Writes and deletes a storage received, in order. */
function recorder(storage: Storage) {
  const log: string[] = [];
  const reads: string[] = [];
  return {
    log,
    reads,
    storage: {
      get: (key: string) => {
        reads.push(key);
        return storage.get(key);
      },
      list: storage.list.bind(storage),
      put: (key: string, body: Uint8Array, options: Parameters<Storage['put']>[2]) => {
        log.push(`put ${key}`);
        return storage.put(key, body, options);
      },
      delete: (key: string) => {
        log.push(`delete ${key}`);
        return storage.delete(key);
      },
    } satisfies Storage,
  };
}

describe('publish: first run', () => {
  it('writes every page, then the index and the feeds, then the manifest, and every link resolves', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    const seen = recorder(site.site);

    // Act
    const summary = await site.run({}, seen.storage);

    // Assess
    expect(seen.log.slice(0, 3).sort()).toEqual(PAGE_KEYS.map((key) => `put ${key}`).sort());
    expect(seen.log.slice(3)).toEqual([...SITE_KEYS.map((key) => `put ${key}`), `put ${MANIFEST}`]);
    expect(linkedKeys(site.site.objects).sort()).toEqual([...PAGE_KEYS, ...PAGE_KEYS, ...PAGE_KEYS, ...PAGE_KEYS].sort());
    expect(summary.articles).toMatchObject({ seeds: 3, read: 3, published: 3, held: 0, rejected: 0, unpublished: 0 });
    expect(summary.objects).toMatchObject({ written: 9, unchanged: 0, deleted: 0 });
    // Served as XML so that a browser renders them with feed.css (README, "The feeds").
    expect(site.site.objects.get('rss.xml')?.contentType).toBe('application/xml; charset=utf-8');
    expect(site.site.objects.get('atom.xml')?.contentType).toBe('application/xml; charset=utf-8');
    expect(site.site.objects.get('feed.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(site.site.objects.get(PAGE_KEYS[0]!)?.cacheControl).toBe('max-age=300');
  });

  it('writes a 404 page for the edge to serve at any path, so its links are absolute', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });

    // Act
    await site.run();

    // Assess
    const page = site.site.objects.get('404.html')!;
    expect(page.contentType).toBe('text/html; charset=utf-8');
    const html = text(page.body);
    expect(html).toContain('<h1>Page not found</h1>');
    const hrefs = [...html.matchAll(/<a href="([^"]+)"/g)].map((match) => match[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^https:\/\//);
    expect(hrefs).toContain(`${SITE}index.html`);
  });

  it('gives the same bytes for the same seeds, whichever order they are listed in', async () => {
    // Prepare
    const reversed = Object.fromEntries(Object.entries(THREE_SEEDS).reverse());
    const a = memorySite(THREE_SEEDS, { now: MARCH_1 });
    const b = memorySite(reversed, { now: MARCH_1 });

    // Act
    await a.run();
    await b.run();

    // Assess
    expect(b.snapshot()).toEqual(a.snapshot());
  });
});

describe('publish: work follows what changed', () => {
  it('reads no seed and writes nothing, not even the manifest, when nothing changed', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const seen = recorder(site.site);
    const seedReads = recorder(site.seeds);
    site.now = MARCH_2;

    // Act
    const summary = await publish({ storage: seen.storage, seeds: seedReads.storage, settings: site.settings, now: () => site.now });

    // Assess
    expect(seen.log).toEqual([]);
    expect(seedReads.reads).toEqual([]);
    expect(seen.reads).toEqual([MANIFEST]);
    expect(summary.articles.read).toBe(0);
    expect(summary.objects).toMatchObject({ written: 0, unchanged: 9, deleted: 0 });
  });

  it('after one article is added, reads only it and writes its page, the index, the feeds and the manifest', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-20-park.txt', seed('2026-02-20', 'Park Gates Open', 'The park opens at dawn.'));
    const seen = recorder(site.site);
    const seedReads = recorder(site.seeds);

    // Act
    await publish({ storage: seen.storage, seeds: seedReads.storage, settings: site.settings, now: () => site.now });

    // Assess
    expect(seedReads.reads).toEqual(['2026-02-20-park.txt']);
    expect(seen.log).toEqual(['put articles/2026-02-20-park-gates-open.html', ...FEED_KEYS.map((key) => `put ${key}`), `put ${MANIFEST}`]);
  });

  it('treats a whitespace or line-ending edit as no change: the seed is read, nothing is written but the manifest', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-01-harbour.txt', `${THREE_SEEDS['2026-02-01-harbour.txt']!.replaceAll('\n', '\r\n')}\r\n\r\n`);
    const seen = recorder(site.site);

    // Act
    const summary = await site.run({}, seen.storage);

    // Assess: the manifest records the seed's new ETag, so the next run does not read it again.
    expect(summary.articles.read).toBe(1);
    expect(seen.log).toEqual([`put ${MANIFEST}`]);
    expect((await site.run()).articles.read).toBe(0);
  });

  it('rewrites only rss.xml when only the RSS time-to-live changes, and every page when the site title does', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();

    // Act
    site.settings = { ...site.settings, config: testFeedConfig({ ttlMinutes: 30 }) };
    const ttl = await site.run();
    site.settings = { ...site.settings, config: testFeedConfig({ ttlMinutes: 30, title: 'Other News' }) };
    const title = await site.run();

    // Assess
    expect(ttl.objects.writtenKeys).toEqual(['rss.xml']);
    expect(ttl.articles.read).toBe(0);
    // feed.css shows no setting: it stays as it was.
    expect([...title.objects.writtenKeys].sort()).toEqual([...PAGE_KEYS, ...SITE_KEYS.filter((key) => key !== 'feed.css')].sort());
  });

  it('rewrites every object with the new Cache-Control when it changes, bytes unchanged', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const before = site.snapshot({ withManifest: false });

    // Act
    site.settings = { ...site.settings, cacheControl: 'max-age=60' };
    const summary = await site.run();

    // Assess
    expect(summary.objects.written).toBe(9);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
    for (const key of [...PAGE_KEYS, ...SITE_KEYS]) expect(site.site.objects.get(key)?.cacheControl).toBe('max-age=60');
  });

  it('reads every seed and rewrites every object when forced', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();

    // Act
    const summary = await site.run({ force: true });

    // Assess
    expect(summary.articles.read).toBe(3);
    expect(summary.objects.written).toBe(9);
  });
});

describe('publish: the bucket is the truth', () => {
  for (const key of [...PAGE_KEYS, ...SITE_KEYS]) {
    it(`puts ${key} back when it is deleted behind the publisher's back, and when it is altered`, async () => {
      // Prepare
      const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
      await site.run();
      const clean = site.snapshot();

      // Act
      await site.site.delete(key);
      const afterDelete = await site.run();
      await site.site.put(key, utf8('<p>defaced</p>'), { contentType: 'text/html' });
      const afterAlter = await site.run();

      // Assess
      expect(afterDelete.objects.writtenKeys).toContain(key);
      expect(afterAlter.objects.writtenKeys).toContain(key);
      expect(site.snapshot()).toEqual(clean);
    });
  }

  it('heals a run whose manifest write failed after the pages and feeds were written', async () => {
    // Prepare: a clean history to compare with, and the same history whose second run loses its manifest write.
    const clean = memorySite(THREE_SEEDS, { now: MARCH_1 });
    const broken = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await clean.run();
    await broken.run();
    const added = seed('2026-02-20', 'Park Gates Open', 'The park opens at dawn.');
    await clean.writeSeed('2026-02-20-park.txt', added);
    await broken.writeSeed('2026-02-20-park.txt', added);
    await clean.run();
    const failing = failingFrom(broken.site, 6);

    // Act
    await expect(broken.run({}, failing.storage)).rejects.toThrow(/manifest\.json/);
    await broken.run();

    // Assess: the sixth write was the manifest; the seventh, saving the run's progress, failed alike.
    expect(failing.writes()).toBe(7);
    expect(broken.snapshot()).toEqual(clean.snapshot());
  });

  it('rebuilds from the listing, with a warning, when the manifest is not valid JSON', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const clean = site.snapshot();
    await site.site.put(MANIFEST, utf8('{"version": 2, "articles": '), { contentType: 'application/json' });

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.warnings).toEqual([expect.stringMatching(/manifest\.json is not valid JSON; rebuilding/)]);
    expect(site.snapshot()).toEqual(clean);
  });
});

describe('publish: a failure at any write', () => {
  // A second run that adds, edits and deletes one article each: every kind of write happens.
  async function history() {
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-20-park.txt', seed('2026-02-20', 'Park Gates Open', 'The park opens at dawn.'));
    await site.writeSeed(
      '2026-02-03-bridge.txt',
      seed('2026-02-03', 'Bridge Opens', 'A footbridge now links the two banks, lit at night.'),
    );
    await site.deleteSeed('2026-02-07-market.txt');
    site.now = MARCH_2;
    return site;
  }

  it('leaves every link resolvable, and the next run gives exactly the bytes of a run that never failed', async () => {
    // Prepare
    const reference = await history();
    const before = cloneStorage(reference.site);
    const seen = recorder(reference.site);
    await reference.run({}, seen.storage);
    const clean = reference.snapshot();
    expect(seen.log).toEqual([
      'put articles/2026-02-03-bridge-opens.html',
      'put articles/2026-02-20-park-gates-open.html',
      ...FEED_KEYS.map((key) => `put ${key}`),
      'delete articles/2026-02-07-market-hall-reopens.html',
      `put ${MANIFEST}`,
    ]);

    for (let n = 1; n <= seen.log.length; n++) {
      const site = await history();
      for (const [key, object] of cloneStorage(before).objects) site.site.objects.set(key, object);
      const failing = failingFrom(site.site, n);

      // Act
      await expect(site.run({}, failing.storage), `write ${n}`).rejects.toBeInstanceOf(PublishError);
      const dangling = linkedKeys(site.site.objects).filter((key) => !site.site.objects.has(key));
      await site.run();

      // Assess
      expect(dangling, `links to missing pages after write ${n} failed`).toEqual([]);
      expect(site.snapshot(), `after write ${n} failed`).toEqual(clean);
    }
  });
});

describe('publish: permalinks', () => {
  it('keeps the id and the page URL when a title is corrected, and rewrites that page in place', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed(
      '2026-02-01-harbour.txt',
      seed('2026-02-01', 'Harbour Ferry Returns For Summer', 'The ferry runs again from Monday.', 'Tickets cost 50 hryvnias.'),
    );

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.writtenKeys).toContain(PAGE_KEYS[0]);
    expect([...site.site.objects.keys()].filter((key) => key.startsWith('articles/')).sort()).toEqual([...PAGE_KEYS].sort());
    expect(text(site.site.objects.get(PAGE_KEYS[0]!)!.body)).toContain('<h1>Harbour Ferry Returns For Summer</h1>');
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as { items: { id: string; url: string; title: string }[] };
    expect(feed.items.find((item) => item.title === 'Harbour Ferry Returns For Summer')).toMatchObject({
      id: 'tag:news.example.org,2026:articles/2026-02-01-harbour',
      url: `${SITE}${PAGE_KEYS[0]}`,
    });
  });

  it('publishes a renamed file as a new article and unpublishes the old name', async () => {
    // Prepare
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.deleteSeed('2026-02-01-harbour.txt');
    await site.writeSeed('2026-02-01-ferry.txt', THREE_SEEDS['2026-02-01-harbour.txt']!);

    // Act
    const summary = await site.run();

    // Assess: the slug of the old name stays reserved, so the new article gets one of its own.
    expect(summary.objects.deletedKeys).toEqual([PAGE_KEYS[0]]);
    expect(summary.objects.writtenKeys).toContain('articles/2026-02-01-harbour-ferry-returns-2.html');
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as { items: { id: string }[] };
    expect(feed.items.map((item) => item.id)).toContain('tag:news.example.org,2026:articles/2026-02-01-ferry');
    expect(feed.items.map((item) => item.id)).not.toContain('tag:news.example.org,2026:articles/2026-02-01-harbour');
  });

  it('gives a returning seed its old page back, and no update date if it did not change', async () => {
    // Prepare
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    await site.run();
    const clean = site.snapshot({ withManifest: false });
    await site.deleteSeed('2026-02-01-harbour.txt');
    await site.run();

    // Act
    await site.writeSeed('2026-02-01-harbour.txt', THREE_SEEDS['2026-02-01-harbour.txt']!);
    site.now = MARCH_2;
    await site.run();

    // Assess
    expect(site.snapshot({ withManifest: false })).toEqual(clean);
  });
});

describe('publish: unpublishing', () => {
  it('takes an article whose seed is gone out of the feeds and the index, then deletes its page', async () => {
    // Prepare
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.deleteSeed('2026-02-05-budget.txt');
    const seen = recorder(site.site);

    // Act
    const summary = await site.run({}, seen.storage);

    // Assess
    expect(seen.log).toEqual([...FEED_KEYS.map((key) => `put ${key}`), `delete ${PAGE_KEYS[2]}`, `put ${MANIFEST}`]);
    expect(summary.articles).toMatchObject({ published: 4, unpublished: 1 });
    expect(linkedKeys(site.site.objects)).not.toContain(PAGE_KEYS[2]);
    expect(text(site.site.objects.get('rss.xml')!.body)).not.toContain('Schools');
  });

  it('refuses, writing nothing, to unpublish more than 20 % of the articles, naming the count; force overrides', async () => {
    // Prepare
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    await site.run();
    const before = site.snapshot();
    await site.deleteSeed('2026-02-05-budget.txt');
    await site.deleteSeed('2026-02-07-market.txt');

    // Act
    const refused = site.run();
    await expect(refused).rejects.toBeInstanceOf(PublishError);
    await expect(refused).rejects.toThrow(/would unpublish 2 of 5 published articles, more than the 20 %.*Nothing was written/);
    const unchanged = site.snapshot();
    const forced = await site.run({ force: true });

    // Assess
    expect(unchanged).toEqual(before);
    expect(forced.objects.deleted).toBe(2);
  });

  it('lets the share be configured', async () => {
    // Prepare
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1, maxUnpublishShare: 0.5 });
    await site.run();
    await site.deleteSeed('2026-02-05-budget.txt');
    await site.deleteSeed('2026-02-07-market.txt');

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.deleted).toBe(2);
  });

  it('reads no seed for an article that moves from the newest archive into the feeds, only those of an archive it re-renders', async () => {
    // Prepare: two items per feed, so the five articles fill the feeds and two archives: [harbour, bridge] and [budget].
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1, config: testFeedConfig({ itemLimit: 2 }) });
    await site.run();
    await site.deleteSeed('2026-02-09-river.txt');
    const seedReads = recorder(site.seeds);

    // Act
    await publish({ storage: site.site, seeds: seedReads.storage, settings: site.settings, now: () => site.now });

    // Assess
    // budget's text was kept with the newest archive; the oldest archive loses its next-archive
    // link and is rendered again from its two seeds.
    expect([...seedReads.reads].sort()).toEqual(['2026-02-01-harbour.txt', '2026-02-03-bridge.txt']);
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as { items: { title: string }[] };
    expect(feed.items.map((item) => item.title)).toEqual(['Market Hall Reopens', 'Schools & Shelters <First>']);
  });
});

describe('publish: a seed that breaks', () => {
  it('keeps its last good version published and reports it on every run, reading it only once', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const before = site.snapshot({ withManifest: false });
    await site.writeSeed('2026-02-03-bridge.txt', 'date 2026-02-31 Bridge Opens\n\nA footbridge.\n');

    // Act
    const first = await site.run();
    const second = await site.run();

    // Assess
    expect(site.snapshot({ withManifest: false })).toEqual(before);
    for (const summary of [first, second]) {
      expect(summary.rejected).toEqual([
        { file: '2026-02-03-bridge.txt', line: 1, reason: '2026-02-31 is not a date on the calendar', keptPublished: true },
      ]);
      expect(summary.articles.published).toBe(3);
    }
    expect(first.articles.read).toBe(1);
    expect(second.articles.read).toBe(0);
  });

  it('puts the page of its last good version back from the kept text when it is deleted or altered behind the publisher’s back', async () => {
    // Prepare: a broken seed whose article is one of the feeds' items, so its text is kept.
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const page = text(site.site.objects.get(PAGE_KEYS[1]!)!.body);
    await site.writeSeed('2026-02-03-bridge.txt', 'no header\n');
    await site.run();

    // Act
    await site.site.delete(PAGE_KEYS[1]!);
    const deleted = await site.run();
    await site.site.put(PAGE_KEYS[1]!, utf8('<p>defaced</p>'), { contentType: 'text/html' });
    const altered = await site.run();

    // Assess
    for (const summary of [deleted, altered]) {
      expect(summary.objects.writtenKeys).toEqual([PAGE_KEYS[1]]);
      expect(summary.rejected).toEqual([expect.objectContaining({ file: '2026-02-03-bridge.txt', keptPublished: true })]);
    }
    expect(text(site.site.objects.get(PAGE_KEYS[1]!)!.body)).toBe(page);
  });

  it('makes the page of its last good version again with a changed setting, from the kept text', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-03-bridge.txt', 'no header\n');
    await site.run();
    const renamed = testFeedConfig({ title: 'Harbour Town Gazette' });
    const fresh = memorySite(THREE_SEEDS, { now: MARCH_1, config: renamed });
    await fresh.run();

    // Act
    site.settings = { ...site.settings, config: renamed };
    await site.run();

    // Assess: as the page of the seed before it broke, under the new setting.
    expect(text(site.site.objects.get(PAGE_KEYS[1]!)!.body)).toBe(text(fresh.site.objects.get(PAGE_KEYS[1]!)!.body));
    expect(text(site.site.objects.get(PAGE_KEYS[1]!)!.body)).toContain('Harbour Town Gazette');
  });

  it('reads the last good text of an archived article back from its JSON archive when its seed breaks, and makes its page from it', async () => {
    // Prepare: one item a feed, so the oldest article sits in the oldest archive with no text kept.
    const files: Record<string, string> = {};
    for (let day = 1; day <= 5; day++) files[`2026-02-0${day}-note.txt`] = seed(`2026-02-0${day}`, `Note ${day}`, `Paragraph ${day}.`);
    const site = memorySite(files, { now: MARCH_1, config: testFeedConfig({ itemLimit: 1 }) });
    await site.run();
    const oldest = 'articles/2026-02-01-note-1.html';
    const before = site.snapshot({ withManifest: false });
    await site.writeSeed('2026-02-01-note.txt', 'no header\n');

    // Act
    const broke = await site.run();
    await site.site.delete(oldest);
    const restored = await site.run();

    // Assess: nothing published changed, and the deleted page is made again, as it was.
    expect(broke.objects.writtenKeys).toEqual([]);
    expect(broke.rejected).toEqual([expect.objectContaining({ file: '2026-02-01-note.txt', keptPublished: true })]);
    expect(restored.objects.writtenKeys).toEqual([oldest]);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
    expect(parseManifest(site.site.objects.get(MANIFEST)!.body, MARCH_1).manifest.articles['2026-02-01-note.txt']?.text?.title).toBe(
      'Note 1',
    );
  });

  it('takes the article out of the feeds and archives when its page is gone and no text is kept to make it again', async () => {
    // Prepare: one item a feed, so the oldest article sits in the oldest archive with no text kept,
    // and its JSON archive gone when its seed breaks, so no text can be read back either.
    const files: Record<string, string> = {};
    for (let day = 1; day <= 5; day++) files[`2026-02-0${day}-note.txt`] = seed(`2026-02-0${day}`, `Note ${day}`, `Paragraph ${day}.`);
    const site = memorySite(files, { now: MARCH_1, config: testFeedConfig({ itemLimit: 1 }) });
    await site.run();
    const oldest = 'articles/2026-02-01-note-1.html';
    await site.writeSeed('2026-02-01-note.txt', 'no header\n');
    await site.site.delete('archive/feed-1.json');
    await site.run();
    await site.site.delete(oldest);

    // Act
    const summary = await site.run();
    const after = await site.run();

    // Assess
    expect(summary.rejected).toEqual([expect.objectContaining({ file: '2026-02-01-note.txt', keptPublished: false })]);
    expect(summary.articles.published).toBe(4);
    const linked = new Set<string>();
    for (const [key, object] of site.site.objects) {
      if (key === MANIFEST) continue;
      for (const match of text(object.body).matchAll(/https:\/\/news\.example\.org\/(articles\/[^"<\s]+\.html)/g)) linked.add(match[1]!);
    }
    expect([...linked].filter((key) => !site.site.objects.has(key))).toEqual([]);
    expect(linked.has(oldest)).toBe(false);
    expect(site.site.objects.has(oldest)).toBe(false);
    expect(after.objects.written).toBe(0);
  });

  it('publishes the fixed seed on the run after it is fixed', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-03-bridge.txt', 'no header\n');
    await site.run();

    // Act
    await site.writeSeed('2026-02-03-bridge.txt', seed('2026-02-03', 'Bridge Opens Again', 'Fixed.'));
    const summary = await site.run();

    // Assess
    expect(summary.rejected).toEqual([]);
    expect(text(site.site.objects.get(PAGE_KEYS[1]!)!.body)).toContain('Bridge Opens Again');
  });

  it('lists a seed that never parsed as rejected and publishes the others', async () => {
    // Prepare
    const site = memorySite({ ...THREE_SEEDS, 'bad.txt': 'hello\n' }, { now: MARCH_1 });

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.rejected).toEqual([
      { file: 'bad.txt', line: 1, reason: expect.stringMatching(/expected `date YYYY-MM-DD Title`/), keptPublished: false },
    ]);
    expect(summary.articles.published).toBe(3);
  });

  it('fails, writing nothing, when no seed can be published', async () => {
    // Prepare
    const site = memorySite({ 'bad.txt': 'hello\n' }, { now: MARCH_1 });

    // Act
    const run = site.run();

    // Assess
    await expect(run).rejects.toThrow(/none of the 1 seed articles could be published; nothing was written/);
    expect(site.site.objects.size).toBe(0);
  });
});

describe('publish: the clock', () => {
  it('keeps an article published when a later run’s clock is set back before its day', async () => {
    // Prepare: an article published on its day, March 2nd.
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-03-02-late.txt', seed('2026-03-02', 'Late News', 'It came late.'));
    site.now = new Date('2026-03-02T06:00:00.000Z');
    await site.run();
    const published = site.snapshot({ withManifest: false });

    // Act: a run with the clock back on March 1st (a build with --now, a machine's clock reset).
    site.now = MARCH_1;
    const summary = await site.run();

    // Assess: readers have seen it and its link; taking it back would break both, so it stays.
    expect(summary.held).toEqual([]);
    expect(summary.objects.written).toBe(0);
    expect(site.snapshot({ withManifest: false })).toEqual(published);
  });

  it('holds an article dated in the future, then publishes it once its day comes, reading it then', async () => {
    // Prepare
    const site = memorySite({ ...THREE_SEEDS, '2026-03-02-later.txt': seed('2026-03-02', 'Later News', 'Tomorrow.') }, { now: MARCH_1 });
    const first = await site.run();

    // Act
    site.now = MARCH_2;
    const second = await site.run();

    // Assess
    expect(first.held).toEqual([{ file: '2026-03-02-later.txt', date: '2026-03-02' }]);
    expect(first.objects.writtenKeys).not.toContain('articles/2026-03-02-later-news.html');
    expect(second.held).toEqual([]);
    expect(second.articles.read).toBe(1);
    expect(second.objects.writtenKeys).toContain('articles/2026-03-02-later-news.html');
  });

  it("dates an edit with the run's clock and keeps that date on later runs", async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs again from Tuesday.'));
    site.now = MARCH_2;

    // Act
    await site.run();
    site.now = new Date('2026-04-01T00:00:00.000Z');
    const later = await site.run();

    // Assess
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as { items: { title: string; date_modified: string }[] };
    expect(feed.items.find((item) => item.title === 'Harbour Ferry Returns')?.date_modified).toBe(MARCH_2.toISOString());
    expect(later.objects.written).toBe(0);
  });
});

describe('publish: dry run', () => {
  it('writes nothing, not even the manifest, and names what it would write and delete', async () => {
    // Prepare
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    await site.run();
    const before = site.snapshot();
    await site.deleteSeed('2026-02-05-budget.txt');
    await site.writeSeed('2026-02-20-park.txt', seed('2026-02-20', 'Park Gates Open', 'The park opens at dawn.'));

    // Act
    const summary = await site.run({ dryRun: true });

    // Assess
    expect(site.snapshot()).toEqual(before);
    expect(summary.dryRun).toBe(true);
    expect(summary.objects.writtenKeys).toEqual(['articles/2026-02-20-park-gates-open.html', ...FEED_KEYS]);
    expect(summary.objects.deletedKeys).toEqual([PAGE_KEYS[2]]);
  });
});

describe('publish: the manifest', () => {
  it('upgrades a manifest of the first version, keeping its edit dates, with a warning', async () => {
    // Prepare: the first version kept, per item id, a SHA-256 of the parsed article and its edit date.
    const site = memorySite(THREE_SEEDS, { now: MARCH_2 });
    const v1Hash = (name: string) => {
      const parsed = parseArticle(name, THREE_SEEDS[name]!);
      if (!parsed.ok) throw new Error(name);
      const { date, title, blocks } = parsed.article;
      return createHash('sha256')
        .update(JSON.stringify({ date: date.iso, title, blocks }))
        .digest('hex');
    };
    const edited = '2026-02-15T09:30:00.000Z';
    const v1 = {
      version: 1,
      objects: {},
      articles: {
        'tag:news.example.org,2026:articles/2026-02-01-harbour': { hash: v1Hash('2026-02-01-harbour.txt'), updated: edited },
        'tag:news.example.org,2026:articles/2026-02-03-bridge': { hash: 'an older text' },
      },
    };
    await site.site.put(MANIFEST, utf8(JSON.stringify(v1)), { contentType: 'application/json' });

    // Act
    const summary = await site.run();

    // Assess
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as { items: { title: string; date_modified: string }[] };
    const modified = Object.fromEntries(feed.items.map((item) => [item.title, item.date_modified]));
    expect(modified['Harbour Ferry Returns']).toBe(edited);
    expect(modified['Bridge Opens']).toBe(MARCH_2.toISOString());
    expect(modified['Schools & Shelters <First>']).toBe('2026-02-05T00:00:00.000Z');
    expect(summary.warnings).toEqual([expect.stringMatching(/manifest\.json is from an earlier version/)]);
    expect(JSON.parse(text(site.site.objects.get(MANIFEST)!.body)).version).toBe(2);
  });

  it.each([
    ['an unknown version', { version: 3, articles: {}, objects: {} }],
    ['a record of the wrong type', { version: 2, articles: { 'a.txt': { day: 20260201 } }, objects: {} }],
    [
      'a page without a slug',
      { version: 2, articles: { 'a.txt': { page: { input: 'x', etag: 'y' }, day: '2026-02-01', hash: 'h' } }, objects: {} },
    ],
    ['an unknown field', { version: 2, articles: {}, objects: {}, owner: 'someone else' }],
    ['an unknown field in a record', { version: 2, articles: { 'a.txt': { day: '2026-02-01', note: 'hand edit' } }, objects: {} }],
    ['an array for the articles', { version: 2, articles: [], objects: {} }],
  ])('rebuilds, with a warning, from a manifest with %s', async (_what, manifest) => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const clean = site.snapshot({ withManifest: false });
    await site.site.put(MANIFEST, utf8(JSON.stringify(manifest)), { contentType: 'application/json' });

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.warnings).toEqual([expect.stringMatching(/rebuilding from the seeds and the bucket's listing/)]);
    expect(site.snapshot({ withManifest: false })).toEqual(clean);
  });

  it('drops an edit date after the clock, with a warning, and keeps every permalink', async () => {
    // Prepare: a retitled article, edited on March 2nd; then the clock back to March 1st.
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Ferry Back In Service', 'The ferry runs again from Monday.'));
    site.now = new Date('2026-03-02T06:00:00.000Z');
    await site.run();
    const pages = Object.keys(site.snapshot()).filter((key) => key.startsWith('articles/'));

    // Act
    site.now = new Date('2026-03-01T12:00:00.000Z');
    const summary = await site.run();

    // Assess
    expect(summary.warnings).toEqual([
      `${MANIFEST} says "2026-02-01-harbour.txt" was edited at 2026-03-02T06:00:00.000Z, after this run's clock; that edit date is dropped`,
    ]);
    expect(Object.keys(site.snapshot()).filter((key) => key.startsWith('articles/'))).toEqual(pages);
    expect(pages).toContain(PAGE_KEYS[0]);
    for (const [key, body] of Object.entries(site.snapshot())) expect(body, key).not.toContain('2026-03-02T06:00:00');
  });

  it('keeps entry text only for the feeds’ items and the newest archive, so its size follows the item limit', async () => {
    // Prepare
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1, config: testFeedConfig({ itemLimit: 2 }) });

    // Act
    await site.run();

    // Assess
    const manifest = JSON.parse(text(site.site.objects.get(MANIFEST)!.body)) as {
      articles: Record<string, { text?: unknown; slug?: string }>;
    };
    const withText = Object.entries(manifest.articles)
      .filter(([, record]) => record.text !== undefined)
      .map(([name]) => name);
    expect(withText.sort()).toEqual(['2026-02-05-budget.txt', '2026-02-07-market.txt', '2026-02-09-river.txt']);
    expect(manifest.articles['2026-02-01-harbour.txt']?.slug).toBe(THREE_SLUGS[0]);
  });

  it('is written only if it is still the one the run read (If-Match), or there was none (If-None-Match)', async () => {
    // Prepare: two runs read the same manifest; the one that writes second loses.
    const storage = new MemoryStorage();
    const first = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await first.run({}, storage);
    const other = memorySite({ ...THREE_SEEDS, 'x.txt': seed('2026-02-10', 'Other Run', 'Text.') }, { now: MARCH_1 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Storage = {
      get: (key) => storage.get(key),
      list: (prefix, options) => storage.list(prefix, options),
      delete: (key) => storage.delete(key),
      put: async (key, body, options) => {
        if (key === MANIFEST) await gate;
        return storage.put(key, body, options);
      },
    };

    // Act
    const losing = other.run({}, slow);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await storage.put(MANIFEST, utf8('{"version": 2, "articles": {}, "objects": {}}\n'), { contentType: 'application/json' });
    release();

    // Assess
    await expect(losing).rejects.toThrow(/another publish run wrote _publish\/manifest\.json while this one ran/);
  });
});

describe('publish: asked to stop', () => {
  it('stops between writes when its signal is aborted, with the step in the message, and the next run finishes the job', async () => {
    // Prepare: a signal that fires as the first page is written, as a Lambda deadline would: the
    // run stops before its next request, within the batch of seeds it was on.
    const site = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    const reference = memorySite(FIVE_SEEDS, { now: MARCH_1 });
    await reference.run();
    const controller = new AbortController();
    const storage: Storage = {
      get: (key) => site.site.get(key),
      list: (prefix, options) => site.site.list(prefix, options),
      delete: (key) => site.site.delete(key),
      put: (key, body, options) => {
        controller.abort(new Error('the Lambda has 5 s left'));
        return site.site.put(key, body, options);
      },
    };

    // Act
    const stopped = publish({ storage, seeds: site.seeds, settings: site.settings, now: () => site.now }, { signal: controller.signal });

    // Assess
    await expect(stopped).rejects.toThrow(
      /^stopped before reading seeds \(0 of 5 done\): the Lambda has 5 s left; what was written is consistent/,
    );
    expect(site.site.objects.has('rss.xml')).toBe(false);
    expect(linkedKeys(site.site.objects)).toEqual([]);
    await site.run();
    expect(site.snapshot()).toEqual(reference.snapshot());
  });
});

describe('publish: hostile seed folders', () => {
  it('publishes one article per item id: of dup.txt and dup.TXT, or café in NFC and NFD, the first file name in byte order', async () => {
    // Prepare
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';
    const site = memorySite(
      {
        'dup.txt': seed('2026-02-01', 'Lower Case', 'Text.'),
        'dup.TXT': seed('2026-02-02', 'Upper Case', 'Text.'),
        [nfc]: seed('2026-02-03', 'Composed', 'Text.'),
        [nfd]: seed('2026-02-04', 'Decomposed', 'Text.'),
      },
      { now: MARCH_1 },
    );

    // Act
    const summary = await site.run();

    // Assess: "cafe\u0301" < "caf\u00e9" and "dup.TXT" < "dup.txt" in byte order.
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as { items: { id: string; title: string }[] };
    expect(feed.items.map((item) => item.title).sort()).toEqual(['Decomposed', 'Upper Case']);
    expect(new Set(feed.items.map((item) => item.id)).size).toBe(2);
    expect(summary.rejected).toEqual([
      { file: nfc, line: 1, reason: expect.stringContaining(`has the same item id as ${nfd}`), keptPublished: false },
      { file: 'dup.txt', line: 1, reason: expect.stringContaining('has the same item id as dup.TXT'), keptPublished: false },
    ]);
    expect(summary.articles).toMatchObject({ seeds: 4, published: 2, rejected: 2 });
  });

  it('decides the size limit again on every run: a seed refused for its size is published once the limit allows it, and one published before a lower limit keeps its last good version', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const before = site.snapshot({ withManifest: false });
    const limits = (seedBytes: number) => ({ seedBytes, feedBytes: 1024 * 1024 });
    const seedReads = recorder(site.seeds);
    const run = () => publish({ storage: site.site, seeds: seedReads.storage, settings: site.settings, now: () => site.now });

    // Act
    site.settings = { ...site.settings, limits: limits(64) };
    const lowered = await run();
    const readWhileLowered = [...seedReads.reads];
    site.settings = { ...site.settings, limits: limits(1024 * 1024) };
    const raised = await run();

    // Assess
    expect(readWhileLowered).toEqual([]);
    expect(lowered.rejected.map(({ file, keptPublished }) => ({ file, keptPublished }))).toEqual(
      Object.keys(THREE_SEEDS).map((file) => ({ file, keptPublished: true })),
    );
    expect(lowered.articles.published).toBe(3);
    expect(raised.rejected).toEqual([]);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
  });

  it('gives the size of a seed just over the limit in bytes, where rounded it would read as the limit', async () => {
    // Prepare: a limit of 1 KiB, and a seed of 1 KiB and 1 byte ("1.0 KiB").
    const site = memorySite({}, { now: MARCH_1 });
    site.settings = { ...site.settings, limits: { seedBytes: 1024, feedBytes: 1024 * 1024 } };
    const header = 'date 2026-02-01 Just Over\n\n';
    await site.writeSeed('2026-02-01-over.txt', header + 'z'.repeat(1025 - header.length));
    await site.writeSeed('2026-02-02-fine.txt', seed('2026-02-02', 'Fine', 'Short.'));

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.rejected.map((entry) => entry.reason)).toEqual([
      'the file is 1.0 KiB (1025 bytes), over the 1 KiB a seed may have (MAX_SEED_BYTES); it was not read',
    ]);
  });

  it('refuses a seed over the size limit from its listing, without reading it, and keeps its last good version', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    site.settings = { ...site.settings, limits: { seedBytes: 1024, feedBytes: 1024 * 1024 } };
    await site.run();
    const before = site.snapshot({ withManifest: false });
    await site.writeSeed('2026-02-03-bridge.txt', seed('2026-02-03', 'Bridge Opens', 'x'.repeat(2000)));
    await site.writeSeed('2026-02-10-huge.txt', seed('2026-02-10', 'Huge', 'y'.repeat(5000)));
    const seedReads = recorder(site.seeds);

    // Act
    const summary = await publish({ storage: site.site, seeds: seedReads.storage, settings: site.settings, now: () => site.now });

    // Assess
    expect(seedReads.reads).toEqual([]);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
    expect(summary.rejected).toEqual([
      {
        file: '2026-02-03-bridge.txt',
        line: 1,
        reason: expect.stringMatching(/^the file is 2\.0 KiB, over the 1 KiB a seed may have \(MAX_SEED_BYTES\); it was not read$/),
        keptPublished: true,
      },
      {
        file: '2026-02-10-huge.txt',
        line: 1,
        reason: expect.stringMatching(/^the file is 4\.9 KiB, over the 1 KiB/),
        keptPublished: false,
      },
    ]);
  });
});

describe('publish: the feeds’ size limit', () => {
  it('points at what every document carries when even without full text a feed is over the limit', async () => {
    // Prepare: a description of 40,000 characters, feeds limited to 16 KiB.
    const site = memorySite(THREE_SEEDS, { now: MARCH_1, config: testFeedConfig({ description: 'Long. '.repeat(6700) }) });
    site.settings = { ...site.settings, limits: { seedBytes: 1024 * 1024, feedBytes: 16 * 1024 } };

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.warnings).toEqual([
      expect.stringMatching(/would not make them fit\. The longest item is .*; shorten it, or .*description/),
    ]);
  });

  it('leaves out the full text of the oldest items until every feed fits, keeps summary and link, and says so', async () => {
    // Prepare: ten articles of about 6 KB of text each, feeds limited to 32 KiB.
    const files: Record<string, string> = {};
    for (let day = 1; day <= 10; day++) {
      const date = `2026-02-${String(day).padStart(2, '0')}`;
      files[`${date}-long.txt`] = seed(date, `Long Read ${day}`, `Lede of read ${day}.`, `${'Body text. '.repeat(550)}`);
    }
    const site = memorySite(files, { now: MARCH_1 });
    site.settings = { ...site.settings, limits: { seedBytes: 1024 * 1024, feedBytes: 32 * 1024 } };

    // Act
    const summary = await site.run();

    // Assess
    for (const key of ['rss.xml', 'atom.xml', 'feed.json'])
      expect(site.site.objects.get(key)!.body.byteLength, key).toBeLessThanOrEqual(32 * 1024);
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as {
      items: { title: string; url: string; summary: string; content_html?: string; content_text?: string }[];
    };
    expect(feed.items).toHaveLength(10);
    const withText = feed.items.filter((item) => item.content_html !== undefined).map((item) => item.title);
    const without = feed.items.filter((item) => item.content_html === undefined);
    expect(withText).toEqual(feed.items.slice(0, withText.length).map((item) => item.title));
    expect(withText.length).toBeGreaterThan(0);
    expect(without.length).toBeGreaterThan(0);
    for (const item of without) {
      expect(item.content_text).toMatch(/^Lede of read \d+\.$/);
      expect(item.summary).toBe(item.content_text);
      expect(item.url).toMatch(/^https:\/\/news\.example\.org\/articles\//);
    }
    expect(text(site.site.objects.get('rss.xml')!.body).match(/<content:encoded>/g)).toHaveLength(withText.length);
    expect(summary.warnings).toEqual([
      `the feeds would be over 32 KiB (MAX_FEED_BYTES): the full text of ${without.length} of their 10 items is left out (any over half the limit, then the oldest); their summary and link remain`,
    ]);
  });
});
