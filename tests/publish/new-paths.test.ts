/** The lost-manifest recovery, the guard counted after the reads, id keepers and edits made while held, at their edges. */
import { describe, expect, it } from 'vitest';
import { itemId } from '../../src/article/identity.js';
import { MANIFEST, cloneStorage, linkedKeys, memorySite } from './support-site.js';
import { SITE, THREE_SEEDS, THREE_SLUGS, seed, testFeedConfig, text, utf8 } from './support.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');

interface FeedItem {
  id: string;
  url: string;
  date_published?: string;
  date_modified?: string;
}

function feedItems(objects: ReadonlyMap<string, { body: Uint8Array }>, key = 'feed.json'): FeedItem[] {
  return (JSON.parse(text(objects.get(key)!.body)) as { items: FeedItem[] }).items;
}

async function rewriteFeed(
  site: ReturnType<typeof memorySite>['site'],
  key: string,
  change: (items: FeedItem[]) => FeedItem[],
): Promise<void> {
  const feed = JSON.parse(text(site.objects.get(key)!.body)) as { items: FeedItem[] };
  feed.items = change(feed.items);
  await site.put(key, utf8(JSON.stringify(feed)), { contentType: 'application/json' });
}

/** Every feed link resolves to a stored page and no two items share a page. */
function expectDistinctResolvingLinks(objects: ReadonlyMap<string, { body: Uint8Array }>, items: number, siteUrl = SITE) {
  const pages = feedItems(objects).map((item) => item.url);
  expect(new Set(pages).size).toBe(items);
  for (const key of linkedKeys(objects, siteUrl)) expect(objects.has(key), key).toBe(true);
}

describe('recovery from the published JSON feeds', () => {
  it('gives two articles whose feed items name the same page two pages', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: NOW });
    await site.run();
    await site.site.delete(MANIFEST);
    await rewriteFeed(site.site, 'feed.json', (items) => items.map((item) => ({ ...item, url: items[0]!.url })));

    // Act
    await site.run();

    // Assess
    expectDistinctResolvingLinks(site.site.objects, 3);
  });

  it('keeps a recovered slug that a new article would get afresh, and gives the new article another', async () => {
    // Prepare: the harbour article's page is, per the feed, at the slug the new bridge-opens article would take.
    const files = { '2026-02-01-harbour.txt': THREE_SEEDS['2026-02-01-harbour.txt']! };
    const site = memorySite(files, { now: NOW });
    await site.run();
    await site.site.delete(MANIFEST);
    await rewriteFeed(site.site, 'feed.json', (items) => items.map((item) => ({ ...item, url: `${SITE}articles/${THREE_SLUGS[1]}.html` })));
    await site.writeSeed('2026-02-03-bridge.txt', THREE_SEEDS['2026-02-03-bridge.txt']!);

    // Act
    await site.run();

    // Assess
    const byId = new Map(feedItems(site.site.objects).map((item) => [item.id, item.url]));
    const config = testFeedConfig();
    expect(byId.get(itemId(config.idPrefix, '2026-02-01-harbour.txt'))).toBe(`${SITE}articles/${THREE_SLUGS[1]}.html`);
    expectDistinctResolvingLinks(site.site.objects, 2);
  });

  it('falls back to fresh, distinct slugs when the site URL changed since the feeds were written', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: NOW });
    await site.run();
    await site.site.delete(MANIFEST);
    const moved = 'https://moved.example.net/';
    site.settings = { ...site.settings, config: testFeedConfig({}, moved) };

    // Act
    await site.run();

    // Assess
    expectDistinctResolvingLinks(site.site.objects, 3, moved);
    expect(
      linkedKeys(site.site.objects, moved)
        .filter((key) => key.startsWith('articles/'))
        .sort(),
    ).toEqual(expect.arrayContaining(THREE_SLUGS.map((slug) => `articles/${slug}.html`)));
  });

  it('keeps the pages of feed.json and the archives left, when part of the archives is gone', async () => {
    // Prepare: one item a feed, so most articles are in archives; then lose the manifest and one JSON archive.
    const files: Record<string, string> = {};
    for (let day = 1; day <= 9; day++) files[`2026-02-0${day}-n${day}.txt`] = seed(`2026-02-0${day}`, `Note ${day}`, `Body ${day}.`);
    const site = memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit: 2 }) });
    await site.run();
    const archives = [...site.site.objects.keys()].filter((key) => /^archive\/feed-\d+\.json$/.test(key)).sort();
    expect(archives.length).toBeGreaterThan(1);
    // Renamed titles, so a fresh slug would differ from the published one.
    for (const name of Object.keys(files)) await site.writeSeed(name, files[name]!.replace('Note', 'Renamed'));
    const kept = archives.slice(1).flatMap((key) => feedItems(site.site.objects, key));
    await site.site.delete(MANIFEST);
    await site.site.delete(archives[0]!);

    // Act
    await site.run();

    // Assess: the items of the archives left keep their page addresses, and every link resolves.
    const urls = new Set(
      [...site.site.objects.keys()]
        .filter((key) => key === 'feed.json' || /^archive\/feed-\d+\.json$/.test(key))
        .flatMap((key) => feedItems(site.site.objects, key).map((item) => item.url)),
    );
    for (const item of kept) expect(urls.has(item.url), item.url).toBe(true);
    expect(urls.size).toBe(9);
    for (const key of linkedKeys(site.site.objects)) expect(site.site.objects.has(key), key).toBe(true);
  });

  it('writes nothing in a dry run that recovers', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: NOW });
    await site.run();
    await site.site.delete(MANIFEST);
    await site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Harbour Ferry Is Back', 'Edited.'));
    const before = site.snapshot();

    // Act
    const summary = await site.run({ dryRun: true });

    // Assess
    expect(summary.dryRun).toBe(true);
    expect(site.snapshot()).toEqual(before);
  });

  it('writes nothing when the run is stopped before it starts', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: NOW });
    await site.run();
    await site.site.delete(MANIFEST);
    await site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Harbour Ferry Is Back', 'Edited.'));
    const before = site.snapshot();
    const controller = new AbortController();
    controller.abort(new Error('stop'));

    // Act
    const run = site.run({ signal: controller.signal });

    // Assess
    await expect(run).rejects.toThrow();
    expect(site.snapshot()).toEqual(before);
  });
});

describe('the unpublish guard after the seeds are read', () => {
  const files: Record<string, string> = {};
  for (let day = 1; day <= 5; day++) files[`2026-02-0${day}-n${day}.txt`] = seed(`2026-02-0${day}`, `Note ${day}`, `Body ${day}.`);

  it('refuses a dry run that moves too many articles to a later day', async () => {
    // Prepare
    const site = memorySite(files, { now: NOW, maxUnpublishShare: 0.2 });
    await site.run();
    await site.writeSeed('2026-02-01-n1.txt', seed('2026-04-01', 'Note 1', 'Body 1.'));
    await site.writeSeed('2026-02-02-n2.txt', seed('2026-04-02', 'Note 2', 'Body 2.'));
    const before = site.snapshot();

    // Act
    const run = site.run({ dryRun: true });

    // Assess
    await expect(run).rejects.toThrow(/UNPUBLISH_MAX_SHARE/);
    expect(site.snapshot()).toEqual(before);
  });

  it('counts a deleted seed and a seed moved later together', async () => {
    // Prepare: one of each stays under the before-reads guard alone (1 of 5), two together do not.
    const site = memorySite(files, { now: NOW, maxUnpublishShare: 0.2 });
    await site.run();
    await site.deleteSeed('2026-02-05-n5.txt');
    await site.writeSeed('2026-02-01-n1.txt', seed('2026-04-01', 'Note 1', 'Body 1.'));
    const before = cloneStorage(site.site);

    // Act
    const run = site.run();

    // Assess
    await expect(run).rejects.toThrow(/2 of 5/);
    expect(site.snapshot()).toEqual(Object.fromEntries([...before.objects].map(([key, object]) => [key, text(object.body)])));
  });
});

describe('id collisions and held edits', () => {
  it('lets a tombstone that comes back keep its id against a newcomer named like it', async () => {
    // Prepare
    const site = memorySite(
      { ...THREE_SEEDS, '2026-02-07-rain.txt': seed('2026-02-07', 'Rain', 'Wet.') },
      { now: NOW, maxUnpublishShare: 0.5 },
    );
    await site.run();
    await site.deleteSeed('2026-02-07-rain.txt');
    await site.run();
    await site.writeSeed('2026-02-07-rain.txt', seed('2026-02-07', 'Rain', 'Wet again.'));
    await site.writeSeed('2026-02-07-rain.TXT', seed('2026-02-07', 'Impostor', 'Not this.'));

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.rejected.map((rejection) => rejection.file)).toEqual(['2026-02-07-rain.TXT']);
    expect(site.snapshot()['articles/2026-02-07-rain.html']).toContain('Wet again.');
  });

  it('dates an edit made after publication, even when an edit was made while held', async () => {
    // Prepare
    const site = memorySite({ ...THREE_SEEDS, '2026-03-05-late.txt': seed('2026-03-05', 'Late', 'First.') }, { now: NOW });
    await site.run();
    site.now = new Date('2026-03-02T12:00:00.000Z');
    await site.writeSeed('2026-03-05-late.txt', seed('2026-03-05', 'Late', 'Held edit.'));
    await site.run();
    site.now = new Date('2026-03-06T12:00:00.000Z');
    await site.run();
    const first = feedItems(site.site.objects)[0]!;
    expect(first.date_modified ?? first.date_published).toBe(first.date_published);
    site.now = new Date('2026-03-07T09:30:00.000Z');
    await site.writeSeed('2026-03-05-late.txt', seed('2026-03-05', 'Late', 'Edited after publication.'));

    // Act
    await site.run();

    // Assess
    const item = feedItems(site.site.objects)[0]!;
    expect(Date.parse(item.date_modified!)).toBe(site.now.getTime());
  });
});
