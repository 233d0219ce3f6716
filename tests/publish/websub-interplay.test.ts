/**
 * WebSub in combination with the run's other paths, beyond websub.test.ts and
 * websub-edges.test.ts: a run stopped at its deadline after saving its progress, a run failing
 * part way through the feeds or the deletions, a run refused by the unpublish guard after
 * writing pages, deletions of archive documents beyond the archive and of an unpublished
 * article's page found back in the bucket, a manifest lost and recovered from the published
 * JSON feeds, seeds that cannot be read, the Cache-Control of full archives, and feed URLs set
 * through the environment. What is asked each time: every change to a feed is announced once,
 * nothing else is, archives never are, a pending notification keeps the run from the settled
 * shortcut until it is sent, and the manifest ends as a run that never stumbled leaves it.
 */
import { describe, expect, it } from 'vitest';
import { loadFeedConfig, type FeedConfig } from '../../src/config.js';
import { MANIFEST_KEY, parseManifest, readManifestHead } from '../../src/publish/manifest.js';
import { publish, PublishError, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import { StorageError, type Storage } from '../../src/storage/storage.js';
import { seed, SITE, testFeedConfig, text, THREE_SEEDS, utf8 } from './support.js';
import { failingFrom, memorySite, refusingRead, type Site } from './support-site.js';

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const HUB = 'https://hub.example.org/';
const FEED_URLS = [`${SITE}rss.xml`, `${SITE}atom.xml`, `${SITE}feed.json`];
const FEED_KEYS = ['rss.xml', 'atom.xml', 'feed.json'];
const NEW_SEED = seed('2026-02-07', 'Market Hall Reopens', 'Traders are back under the old roof.');

// ---------------------------------------------------------------------------------------------
// A hub in a fake fetch, sites and storages

interface FakeHub {
  readonly fetch: typeof fetch;
  /** Every topic the hub was told of, in the order told. */
  readonly told: string[];
  /** The status the hub answers with, for every topic. */
  status: number;
  /** The topics told so far, sorted, and forgets them. */
  take(): string[];
}

function fakeHub(status = 204): FakeHub {
  const hub: FakeHub = {
    told: [],
    status,
    fetch: async (input, init) => {
      expect(String(input)).toBe(HUB);
      const form = new URLSearchParams(String(init?.body));
      expect(form.get('hub.mode')).toBe('publish');
      hub.told.push(form.get('hub.url') ?? '');
      return new Response(null, { status: hub.status });
    },
    take: () => hub.told.splice(0).sort(),
  };
  return hub;
}

function siteWithHub(files: Readonly<Record<string, string>> = THREE_SEEDS, overrides: Record<string, unknown> = {}, share = 0.2): Site {
  return memorySite(files, { now: MARCH_1, config: testFeedConfig({ websubHub: HUB, ...overrides }), maxUnpublishShare: share });
}

function runWith(site: Site, hub: FakeHub, request: PublishRequest = {}, storage: Storage = site.site): Promise<PublishSummary> {
  return publish({ storage, seeds: site.seeds, settings: site.settings, now: () => site.now, fetch: hub.fetch }, request);
}

/** The run's PublishError, or a failure of the test when it did not throw one. */
async function failure(run: Promise<PublishSummary>): Promise<PublishError> {
  const outcome = await run.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(PublishError);
  return outcome as PublishError;
}

/** The feed URLs the stored manifest still has to announce. */
function pending(site: Site): readonly string[] | undefined {
  return parseManifest(site.site.objects.get(MANIFEST_KEY)?.body, site.now).manifest.pendingPings;
}

/** Whether the stored manifest records a settled state (in a head laid out as this version writes it). */
function settled(site: Site): boolean {
  return readManifestHead(site.site.objects.get(MANIFEST_KEY)?.body)?.settled !== undefined;
}

function manifestText(site: Site): string {
  return text(site.site.objects.get(MANIFEST_KEY)!.body);
}

/** The site's storage, calling `after` once each put has been stored. */
function afterPut(site: Site, after: (key: string) => void): Storage {
  return {
    get: (key) => site.site.get(key),
    list: (prefix, options) => site.site.list(prefix, options),
    delete: (key) => site.site.delete(key),
    put: async (key, body, options) => {
      const written = await site.site.put(key, body, options);
      after(key);
      return written;
    },
  };
}

/** The site`s storage, failing every put of `key` (and every delete, with `deletes`). */
function refusingPut(site: Site, key: string, deletes = false): Storage {
  return {
    get: (k) => site.site.get(k),
    list: (prefix, options) => site.site.list(prefix, options),
    delete: async (k) => {
      if (deletes) throw new Error(`injected failure of delete ${k}`);
      return site.site.delete(k);
    },
    put: async (k, body, options) => {
      if (k === key) throw new Error(`injected failure of put ${k}`);
      return site.site.put(k, body, options);
    },
  };
}

/** The site's seeds, with `fileName` failing to be read (no read permission) until healed. */
function unreadable(site: Site, fileName: string): { seeds: Storage; heal: () => void } {
  return refusingRead(
    site,
    fileName,
    () => new StorageError('get', fileName, { cause: Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }) }),
  );
}

function withConfig(site: Site, config: FeedConfig): void {
  site.settings = { ...site.settings, config };
}

/** `count` seeds one day apart from the first of January of `year`, named by day and number. */
function manySeeds(count: number, year = 2026): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= count; i++) {
    const day = new Date(Date.UTC(year, 0, i)).toISOString().slice(0, 10);
    files[`${day}-n${i}.txt`] = seed(day, `Story number ${i}`, `Text of story ${i}.`);
  }
  return files;
}

// ---------------------------------------------------------------------------------------------

describe('WebSub with a run stopped at its deadline after saving its progress', () => {
  it('stopped after the feeds were written: no notification, the feeds pending, no settled state; the next run announces each once', async () => {
    // Prepare
    const hub = fakeHub();
    const site = siteWithHub();
    await runWith(site, hub);
    hub.take();
    await site.writeSeed('2026-02-07-market.txt', NEW_SEED);
    const deadline = new AbortController();
    const stopAfterFeeds = afterPut(site, (key) => {
      if (key === 'feed.json') deadline.abort(new Error('the Lambda is about to time out'));
    });

    // Act
    const error = await failure(runWith(site, hub, { signal: deadline.signal }, stopAfterFeeds));
    const toldWhenStopped = hub.take();
    const pendingWhenStopped = pending(site);
    const settledWhenStopped = settled(site);
    const next = await runWith(site, hub);
    const toldByNext = hub.take();
    const after = await runWith(site, hub);

    // Assess
    expect(error.carriesOn).toBe(true);
    expect(error.summary?.objects?.writtenKeys).toEqual(expect.arrayContaining(FEED_KEYS));
    expect(toldWhenStopped).toEqual([]);
    expect(pendingWhenStopped).toEqual(FEED_URLS);
    expect(settledWhenStopped).toBe(false);
    expect(next.objects.writtenKeys.filter((key) => FEED_KEYS.includes(key))).toEqual([]);
    expect(toldByNext).toEqual([...FEED_URLS].sort());
    expect(next.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(pending(site)).toBeUndefined();
    expect(settled(site)).toBe(true);
    expect(after.pings).toEqual({ sent: [], failed: [] });
    expect(hub.take()).toEqual([]);
  });

  it('stopped while reading seeds: what was pending stays pending, and is sent by the run that finishes, once', async () => {
    // Prepare: the hub refuses the first run's notifications; then an import of 70 new seeds (two batches).
    const hub = fakeHub(500);
    const site = siteWithHub();
    await runWith(site, hub);
    hub.take();
    hub.status = 204;
    for (const [name, content] of Object.entries(manySeeds(70, 2025))) await site.writeSeed(name, content);
    const deadline = new AbortController();
    let pages = 0;
    const stopAfterFirstBatch = afterPut(site, (key) => {
      if (key.startsWith('articles/') && ++pages === 64) deadline.abort(new Error('the Lambda is about to time out'));
    });

    // Act
    const error = await failure(runWith(site, hub, { signal: deadline.signal }, stopAfterFirstBatch));
    const toldWhenStopped = hub.take();
    const pendingWhenStopped = pending(site);
    const next = await runWith(site, hub);
    const toldByNext = hub.take();

    // Assess
    expect(error.carriesOn).toBe(true);
    expect(toldWhenStopped).toEqual([]);
    expect(pendingWhenStopped).toEqual(FEED_URLS);
    expect(settled(site)).toBe(true);
    expect(next.articles.published).toBe(73);
    expect(toldByNext).toEqual([...FEED_URLS].sort());
    expect(pending(site)).toBeUndefined();
  });

  it('leaves, once carried on and announced, the manifest a run that was never stopped leaves', async () => {
    // Prepare: two sites in the same state, one stopped after its feeds, one not.
    const hub = fakeHub();
    const stoppedSite = siteWithHub();
    await runWith(stoppedSite, hub);
    const plainSite = siteWithHub();
    await runWith(plainSite, hub);
    for (const site of [stoppedSite, plainSite]) await site.writeSeed('2026-02-07-market.txt', NEW_SEED);
    const deadline = new AbortController();
    const stopAfterFeeds = afterPut(stoppedSite, (key) => {
      if (key === 'feed.json') deadline.abort(new Error('the Lambda is about to time out'));
    });

    // Act
    await failure(runWith(stoppedSite, hub, { signal: deadline.signal }, stopAfterFeeds));
    await runWith(stoppedSite, hub);
    await runWith(plainSite, hub);

    // Assess
    expect(manifestText(stoppedSite)).toBe(manifestText(plainSite));
    expect(stoppedSite.snapshot()).toEqual(plainSite.snapshot());
  });
});

describe('WebSub with a run that fails part way', () => {
  it('stopped after its pages and before the feeds, the change then undone: the next run writes no feed and tells the hub nothing', async () => {
    // Prepare: a new article, its page written, then the deadline before the index and the feeds
    // (a guard that lets one of four go, as the undoing takes it off again).
    const hub = fakeHub();
    const site = siteWithHub(THREE_SEEDS, {}, 0.5);
    await runWith(site, hub);
    hub.take();
    const feedsBefore = FEED_KEYS.map((key) => site.snapshot()[key]);
    await site.writeSeed('2026-02-07-market.txt', NEW_SEED);
    const controller = new AbortController();
    const stopping = afterPut(site, (key) => {
      if (key.startsWith('articles/')) controller.abort(new Error('the deadline came'));
    });
    const stopped = await failure(runWith(site, hub, { signal: controller.signal }, stopping));

    // Act: the article taken back before the next run.
    await site.deleteSeed('2026-02-07-market.txt');
    const next = await runWith(site, hub);

    // Assess: its page goes; the feeds never held it, so they are not written, nor announced.
    expect(stopped.carriesOn).toBe(true);
    expect(next.objects.writtenKeys.filter((key) => FEED_KEYS.includes(key))).toEqual([]);
    expect(next.objects.deletedKeys).toEqual(['articles/2026-02-07-market-hall-reopens.html']);
    expect(hub.take()).toEqual([]);
    expect(FEED_KEYS.map((key) => site.snapshot()[key])).toEqual(feedsBefore);
  });

  it('failing at one feed: the feeds written before it stay pending and are announced with the rest by the next run, each once', async () => {
    // Prepare
    const hub = fakeHub();
    const site = siteWithHub();
    await runWith(site, hub);
    hub.take();
    await site.writeSeed('2026-02-07-market.txt', NEW_SEED);

    // Act
    const error = await failure(runWith(site, hub, {}, refusingPut(site, 'atom.xml')));
    const pendingAfterFailure = pending(site);
    const next = await runWith(site, hub);
    const toldByNext = hub.take();
    await runWith(site, hub);

    // Assess
    expect(error.carriesOn).toBe(false);
    expect(error.summary?.objects?.writtenKeys).toContain('rss.xml');
    expect(pendingAfterFailure).toEqual([`${SITE}rss.xml`]);
    expect(next.objects.writtenKeys.filter((key) => FEED_KEYS.includes(key)).sort()).toEqual(['atom.xml', 'feed.json']);
    expect(toldByNext).toEqual([...FEED_URLS].sort());
    expect(hub.take()).toEqual([]);
    expect(pending(site)).toBeUndefined();
  });

  it('failing at a deletion after the feeds: the feeds are pending, the page is deleted next run, and the feeds are announced once', async () => {
    // Prepare
    const hub = fakeHub();
    const site = siteWithHub({ ...THREE_SEEDS, ...manySeeds(7) });
    await runWith(site, hub);
    hub.take();
    await site.deleteSeed('2026-02-05-budget.txt');

    // Act
    const error = await failure(runWith(site, hub, {}, refusingPut(site, '-none-', true)));
    const pendingAfterFailure = pending(site);
    const pageAfterFailure = site.site.objects.has('articles/2026-02-05-schools-shelters-first.html');
    const next = await runWith(site, hub);
    const toldByNext = hub.take();

    // Assess
    expect(error.summary?.objects?.writtenKeys).toEqual(expect.arrayContaining(FEED_KEYS));
    expect(pendingAfterFailure).toEqual(FEED_URLS);
    expect(pageAfterFailure).toBe(true);
    expect(next.objects.deletedKeys).toEqual(['articles/2026-02-05-schools-shelters-first.html']);
    expect(next.objects.writtenKeys.filter((key) => FEED_KEYS.includes(key))).toEqual([]);
    expect(toldByNext).toEqual([...FEED_URLS].sort());
    expect(pending(site)).toBeUndefined();
  });

  it('whose every write fails from the manifest on: the feeds written are announced by the next run, once', async () => {
    // Prepare: the writes of a run adding one article: its page, index, rss, atom, json, 404, css, manifest.
    const hub = fakeHub();
    const site = siteWithHub();
    await runWith(site, hub);
    hub.take();
    await site.writeSeed('2026-02-07-market.txt', NEW_SEED);
    const failing = failingFrom(site.site, 5);

    // Act
    const error = await failure(runWith(site, hub, {}, failing.storage));
    const next = await runWith(site, hub);
    const toldByNext = hub.take();

    // Assess
    expect(error.summary?.objects?.writtenKeys).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml']));
    expect(toldByNext).toEqual([...FEED_URLS].sort());
    expect(next.pings).toEqual({ sent: FEED_URLS, failed: [] });
  });
});

describe('WebSub with the unpublish guard', () => {
  it('refusing a run after it wrote pages keeps what was pending, tells the hub nothing, and a forced run sends it once', async () => {
    // Prepare: five articles, the hub refusing; then two of them move to a later day (40 % leave).
    const hub = fakeHub(500);
    const site = siteWithHub({ ...THREE_SEEDS, ...manySeeds(2) });
    await runWith(site, hub);
    hub.take();
    hub.status = 204;
    const pendingBefore = pending(site);
    await site.writeSeed('2026-01-01-n1.txt', seed('2026-04-01', 'Story number 1', 'Text of story 1.'));
    await site.writeSeed('2026-01-02-n2.txt', seed('2026-04-02', 'Story number 2', 'Text of story 2.'));
    await site.writeSeed('2026-02-07-market.txt', NEW_SEED);

    // Act
    const error = await failure(runWith(site, hub));
    const toldWhenRefused = hub.take();
    const pendingWhenRefused = pending(site);
    const feedsWhenRefused = FEED_KEYS.map((key) => site.site.objects.get(key)!.etag);
    const forced = await runWith(site, hub, { force: true });
    const toldByForced = hub.take();
    await runWith(site, hub);

    // Assess
    expect(error.refused).toBe(true);
    expect(error.summary?.objects?.writtenKeys).toEqual(['articles/2026-02-07-market-hall-reopens.html']);
    expect(pendingBefore).toEqual(FEED_URLS);
    expect(toldWhenRefused).toEqual([]);
    expect(pendingWhenRefused).toEqual(FEED_URLS);
    expect(feedsWhenRefused).toHaveLength(3);
    expect(forced.pings).toEqual({ sent: FEED_URLS, failed: [] });
    expect(toldByForced).toEqual([...FEED_URLS].sort());
    expect(hub.take()).toEqual([]);
    expect(pending(site)).toBeUndefined();
  });
  it('refusing a run after it repaired a page, then the seeds put back: nothing changed in the feeds, and nothing is announced', async () => {
    // Prepare: five articles; a page defaced behind the publisher's back, and two articles moved to a later day (40 % leave).
    const hub = fakeHub();
    const site = siteWithHub({ ...THREE_SEEDS, ...manySeeds(2) });
    await runWith(site, hub);
    hub.take();
    const feedsBefore = FEED_KEYS.map((key) => site.site.objects.get(key)!.etag);
    await site.site.put('articles/2026-02-03-bridge-opens.html', utf8('defaced'), { contentType: 'text/html' });
    const original = {
      n1: text((await site.seeds.get('2026-01-01-n1.txt'))!.body),
      n2: text((await site.seeds.get('2026-01-02-n2.txt'))!.body),
    };
    await site.writeSeed('2026-01-01-n1.txt', seed('2026-04-01', 'Story number 1', 'Text of story 1.'));
    await site.writeSeed('2026-01-02-n2.txt', seed('2026-04-02', 'Story number 2', 'Text of story 2.'));
    const error = await failure(runWith(site, hub));
    await site.writeSeed('2026-01-01-n1.txt', original.n1);
    await site.writeSeed('2026-01-02-n2.txt', original.n2);

    // Act
    const summary = await runWith(site, hub);

    // Assess
    expect(error.refused).toBe(true);
    expect(error.summary?.objects?.writtenKeys).toEqual(['articles/2026-02-03-bridge-opens.html']);
    expect(FEED_KEYS.map((key) => site.site.objects.get(key)!.etag)).toEqual(feedsBefore);
    expect(summary.objects.writtenKeys).toEqual([]);
    expect(summary.pings).toEqual({ sent: [], failed: [] });
    expect(hub.take()).toEqual([]);
  });
  it('refusing a run in a site with archives, then the seeds put back: the site stays as it was and nothing is announced', async () => {
    // Prepare: ten articles, two per feed, four archives; a page defaced, and three articles moved to a later day (30 % leave).
    const hub = fakeHub();
    const site = siteWithHub(manySeeds(10), { itemLimit: 2 });
    await runWith(site, hub);
    hub.take();
    const before = site.snapshot({ withManifest: false });
    await site.site.put('articles/2026-01-01-story-number-1.html', utf8('defaced'), { contentType: 'text/html' });
    const moved = ['2026-01-08-n8.txt', '2026-01-09-n9.txt', '2026-01-10-n10.txt'];
    const originals = new Map<string, Uint8Array>();
    for (const [index, name] of moved.entries()) {
      originals.set(name, (await site.seeds.get(name))!.body);
      await site.writeSeed(name, seed(`2026-04-0${index + 1}`, `Story number ${index + 8}`, `Text of story ${index + 8}.`));
    }
    const error = await failure(runWith(site, hub));
    for (const [name, body] of originals) await site.writeSeed(name, body);

    // Act
    const summary = await runWith(site, hub);

    // Assess
    expect(error.refused).toBe(true);
    expect(error.summary?.objects?.writtenKeys).toEqual(['articles/2026-01-01-story-number-1.html']);
    expect(summary.objects.writtenKeys).toEqual([]);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
    expect(summary.pings).toEqual({ sent: [], failed: [] });
    expect(hub.take()).toEqual([]);
  });
});

describe('WebSub with deletions that change no feed', () => {
  it('an archive document numbered beyond the archive is deleted, and nobody is told', async () => {
    // Prepare
    const hub = fakeHub();
    const site = siteWithHub(THREE_SEEDS, { itemLimit: 2 });
    await runWith(site, hub);
    hub.take();
    await site.site.put('archive/rss-5.xml', utf8('<rss/>'), { contentType: 'application/xml' });
    await site.site.put('archive/feed-5.json', utf8('{}'), { contentType: 'application/json' });

    // Act
    const summary = await runWith(site, hub);
    const after = await runWith(site, hub);

    // Assess
    expect(summary.objects.deletedKeys).toEqual(['archive/feed-5.json', 'archive/rss-5.xml']);
    expect(summary.objects.written).toBe(0);
    expect(summary.pings).toEqual({ sent: [], failed: [] });
    expect(hub.take()).toEqual([]);
    expect(pending(site)).toBeUndefined();
    expect(after.objects.deleted).toBe(0);
    expect(settled(site)).toBe(true);
  });

  it('the page of an unpublished article found back in the bucket is deleted, and nobody is told', async () => {
    // Prepare
    const hub = fakeHub();
    const site = siteWithHub({ ...THREE_SEEDS, ...manySeeds(7) });
    await runWith(site, hub);
    await site.deleteSeed('2026-02-05-budget.txt');
    const page = 'articles/2026-02-05-schools-shelters-first.html';
    const body = site.site.objects.get(page)!.body;
    await runWith(site, hub);
    hub.take();
    await site.site.put(page, body, { contentType: 'text/html' });

    // Act
    const summary = await runWith(site, hub);

    // Assess
    expect(summary.objects.deletedKeys).toEqual([page]);
    expect(summary.objects.written).toBe(0);
    expect(summary.pings).toEqual({ sent: [], failed: [] });
    expect(hub.take()).toEqual([]);
    expect(pending(site)).toBeUndefined();
  });
});

describe('WebSub with the manifest lost', () => {
  it('with notifications pending when it was lost: every feed is announced again, once', async () => {
    // Prepare
    const hub = fakeHub(500);
    const site = siteWithHub();
    await runWith(site, hub);
    hub.take();
    hub.status = 204;
    site.site.objects.delete(MANIFEST_KEY);

    // Act
    const summary = await runWith(site, hub);
    const told = hub.take();
    const after = await runWith(site, hub);

    // Assess
    expect(summary.warnings[0]).toMatch(/is missing; 3 published articles keep their page addresses/);
    expect(told).toEqual([...FEED_URLS].sort());
    expect(pending(site)).toBeUndefined();
    expect(after.pings).toEqual({ sent: [], failed: [] });
  });

  it('with nothing pending and nothing changed: the feeds, rewritten with the same bytes, are announced no more than once', async () => {
    // Prepare
    const hub = fakeHub();
    const site = siteWithHub({ ...THREE_SEEDS, ...manySeeds(3) }, { itemLimit: 2 });
    await runWith(site, hub);
    hub.take();
    const before = site.snapshot({ withManifest: false });
    site.site.objects.delete(MANIFEST_KEY);

    // Act
    const recovering = await runWith(site, hub);
    const toldByRecovering = hub.take();
    const after = await runWith(site, hub);

    // Assess
    expect(site.snapshot({ withManifest: false })).toEqual(before);
    expect(recovering.objects.deleted).toBe(0);
    expect(new Set(toldByRecovering).size).toBe(toldByRecovering.length);
    expect(toldByRecovering.every((url) => FEED_URLS.includes(url))).toBe(true);
    expect(after.objects.written).toBe(0);
    expect(after.pings).toEqual({ sent: [], failed: [] });
    expect(hub.take()).toEqual([]);
  });
});

describe('WebSub with seeds that cannot be read', () => {
  it('a pending notification is sent though a seed cannot be read, and nothing is told again while it stays unreadable', async () => {
    // Prepare
    const hub = fakeHub(500);
    const site = siteWithHub();
    await runWith(site, hub);
    hub.take();
    hub.status = 204;
    await site.writeSeed('2026-02-03-bridge.txt', seed('2026-02-03', 'Bridge Opens', 'An edit nobody can read yet.'));
    const refused = unreadable(site, '2026-02-03-bridge.txt');
    const run = () => publish({ storage: site.site, seeds: refused.seeds, settings: site.settings, now: () => site.now, fetch: hub.fetch });

    // Act
    const first = await run();
    const toldByFirst = hub.take();
    const second = await run();
    const toldBySecond = hub.take();
    refused.heal();
    const healed = await run();
    const toldByHealed = hub.take();

    // Assess
    expect(first.rejected).toEqual([expect.objectContaining({ file: '2026-02-03-bridge.txt', keptPublished: true })]);
    expect(toldByFirst).toEqual([...FEED_URLS].sort());
    expect(second.rejected).toHaveLength(1);
    expect(second.objects.writtenKeys).toEqual([]);
    expect(toldBySecond).toEqual([]);
    expect(healed.objects.writtenKeys).toEqual(expect.arrayContaining(FEED_KEYS));
    expect(toldByHealed).toEqual([...FEED_URLS].sort());
    expect(pending(site)).toBeUndefined();
  });

  it('an article that enters the feeds when newer ones leave, whose seed cannot be read: the run ends, and announces what changed', async () => {
    // Prepare: one item per feed and five articles, so the third newest is in an older archive (its text not kept).
    const hub = fakeHub();
    const site = siteWithHub(manySeeds(5), { itemLimit: 1 }, 1);
    await runWith(site, hub);
    hub.take();
    await site.deleteSeed('2026-01-05-n5.txt');
    await site.deleteSeed('2026-01-04-n4.txt');
    const refused = unreadable(site, '2026-01-03-n3.txt');
    const deadline = AbortSignal.timeout(3000);

    // Act
    const outcome = await publish(
      { storage: site.site, seeds: refused.seeds, settings: site.settings, now: () => site.now, fetch: hub.fetch },
      { signal: deadline },
    ).then(
      (summary) => summary,
      (error: unknown) => error,
    );

    // Assess
    expect(deadline.aborted).toBe(false);
    expect(outcome).not.toBeInstanceOf(Error);
    expect(hub.take()).toEqual([...FEED_URLS].sort());
  });
});

describe('WebSub with the Cache-Control of archives', () => {
  it('an archive that fills up gets a day`s Cache-Control and is never announced; only the feeds are', async () => {
    // Prepare: two items per feed; the fifth article closes archive 1.
    const hub = fakeHub();
    const site = siteWithHub(manySeeds(4), { itemLimit: 2 });
    await runWith(site, hub);
    hub.take();
    await site.writeSeed('2026-01-05-n5.txt', seed('2026-01-05', 'Story number 5', 'Text of story 5.'));
    await site.writeSeed('2026-01-06-n6.txt', seed('2026-01-06', 'Story number 6', 'Text of story 6.'));

    // Act
    const summary = await runWith(site, hub);

    // Assess
    expect(summary.objects.writtenKeys).toEqual(expect.arrayContaining(['archive/rss-1.xml', 'archive/rss-2.xml']));
    expect(site.site.objects.get('archive/rss-1.xml')!.cacheControl).toBe('max-age=86400');
    expect(site.site.objects.get('rss.xml')!.cacheControl).toBe('max-age=300');
    expect(hub.take()).toEqual([...FEED_URLS].sort());
    expect(summary.pings?.sent).toEqual(FEED_URLS);
  });

  it('a new CACHE_CONTROL rewrites the feeds, which are announced, and the archives, which are not', async () => {
    // Prepare
    const hub = fakeHub();
    const site = siteWithHub(manySeeds(6), { itemLimit: 2 });
    await runWith(site, hub);
    hub.take();
    site.settings = { ...site.settings, cacheControl: 'no-store' };

    // Act
    const summary = await runWith(site, hub);

    // Assess
    expect(summary.objects.writtenKeys).toEqual(expect.arrayContaining(['archive/rss-1.xml', ...FEED_KEYS]));
    expect(site.site.objects.get('archive/rss-1.xml')!.cacheControl).toBe('no-store');
    expect(hub.take()).toEqual([...FEED_URLS].sort());
  });
});

describe('WebSub topics set through the environment', () => {
  const file = {
    title: 'Example News',
    description: 'Reports from an example newsroom.',
    siteUrl: SITE,
    language: 'en',
    author: { name: 'News Desk' },
    idPrefix: 'tag:news.example.org,2026:',
    websubHub: HUB,
  };

  it('FEED_RSS_URL, FEED_ATOM_URL and FEED_JSON_URL are the topics, also when pending through a stopped run', async () => {
    // Prepare
    const env = {
      FEED_RSS_URL: 'https://cdn.example.net/news.rss',
      FEED_ATOM_URL: 'https://cdn.example.net/news.atom',
      FEED_JSON_URL: 'https://cdn.example.net/news.json',
    };
    const hub = fakeHub();
    const site = memorySite(THREE_SEEDS, { now: MARCH_1, config: loadFeedConfig(file, env) });
    const deadline = new AbortController();
    const stopAfterFeeds = afterPut(site, (key) => {
      if (key === 'feed.json') deadline.abort(new Error('the Lambda is about to time out'));
    });

    // Act
    const error = await failure(runWith(site, hub, { signal: deadline.signal }, stopAfterFeeds));
    const pendingWhenStopped = pending(site);
    await runWith(site, hub);

    // Assess
    expect(error.carriesOn).toBe(true);
    expect(pendingWhenStopped).toEqual([env.FEED_RSS_URL, env.FEED_ATOM_URL, env.FEED_JSON_URL]);
    expect(hub.take()).toEqual(Object.values(env).sort());
    expect(text(site.site.objects.get('rss.xml')!.body)).toContain(`<atom:link href="${env.FEED_RSS_URL}" rel="self"`);
  });

  it('a topic changed by the environment while pending: only the new URL is told, once', async () => {
    // Prepare
    const hub = fakeHub(500);
    const site = memorySite(THREE_SEEDS, { now: MARCH_1, config: loadFeedConfig(file, {}) });
    await runWith(site, hub);
    hub.take();
    hub.status = 204;
    withConfig(site, loadFeedConfig(file, { FEED_ATOM_URL: 'https://cdn.example.net/news.atom' }));

    // Act
    const summary = await runWith(site, hub);

    // Assess
    expect(summary.objects.writtenKeys.filter((key) => FEED_KEYS.includes(key))).toEqual(['atom.xml']);
    expect(hub.take()).toEqual([`${SITE}rss.xml`, `${SITE}feed.json`, 'https://cdn.example.net/news.atom'].sort());
    expect(pending(site)).toBeUndefined();
  });
});
