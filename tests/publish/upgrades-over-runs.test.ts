/**
 * A published site upgraded to a new version of the publisher, and big rewrites that do
 * not fit in one run. A site of 3,000 articles is published by "the old version", then the new
 * version (a page template version raised, emulated by mocking the page template module the way a
 * release changes it, or a page setting changed) rewrites it in runs cut short by their deadline
 * (the signal fired after a budget of storage calls, or the handler's timer fired on a fake clock).
 * What an operator relies on: every run leaves every link resolvable, no page is unpublished,
 * readers see no item vanish or duplicate, every stopped run saves a valid manifest that claims
 * no settled state, the runs are few and converge to the bytes of a run that was never stopped,
 * and seeds edited meanwhile, `force`, a first-version manifest and the handler's report all hold.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../handlers/publish.js';
import { itemId } from '../../src/article/identity.js';
import { parseArticle } from '../../src/article/parse.js';
import { parseManifest, readManifestHead } from '../../src/publish/manifest.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import type { PublishRequest } from '../../src/publish/publish.js';
import type { Storage } from '../../src/storage/storage.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { captureLog } from '../handlers/support.js';
import { BUCKET, SITE, testFeedConfig, text, utf8 } from './support.js';
import { cloneStorage, MANIFEST, under } from './support-site.js';
import { linksOf } from './site-links.js';
import { budget, budgetedRun, runOn, SEEDS } from './support-runs.js';

// The page template as a release changes it: its version raised, and the pages it renders differ.
const template = vi.hoisted(() => ({ release: 'old' as 'old' | 'new' }));
vi.mock('../../src/site/article-page.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/site/article-page.js')>();
  const version = () => (template.release === 'old' ? real.PAGE_TEMPLATE_VERSION : real.PAGE_TEMPLATE_VERSION + 1);
  return {
    ...real,
    get PAGE_TEMPLATE_VERSION() {
      return version();
    },
    pageSettings: (config: Parameters<typeof real.pageSettings>[0]) => ({ ...(real.pageSettings(config) as object), v: version() }),
    articlePage: (...args: Parameters<typeof real.articlePage>) => {
      const html = real.articlePage(...args);
      return template.release === 'old' ? html : html.replace('</article>', '</article>\n<p class="new-template"></p>');
    },
  };
});

const T0 = new Date('2026-03-01T06:00:00.000Z');
const T1 = new Date('2026-03-02T06:00:00.000Z');
const ARTICLES = 3000;
/** Storage calls a stopped run gets: about a fifth of a clean rewrite of the whole site. */
const LIMIT = 1200;

afterEach(() => {
  template.release = 'old';
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function settingsOf(extra: Record<string, unknown> = {}): PlanSettings {
  return { config: testFeedConfig({ itemLimit: 50, ...extra }), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
}

const dayOf = (n: number) => new Date(Date.UTC(2020, 0, 1) + Math.floor(n / 2) * 86_400_000).toISOString().slice(0, 10);
const fileOf = (n: number) => `${dayOf(n)}-a${n}.txt`;
const contentOf = (n: number, title = `Article ${n}`) => `date ${dayOf(n)} ${title}\n\nLede of ${n} & co.\n\nBody ${n}.\n`;

/** A bucket with `count` articles, two a day from 2020-01-01, under `seeds/`. */
function seededBucket(count = ARTICLES): MemoryStorage {
  const bucket = new MemoryStorage();
  for (let n = 0; n < count; n++) void bucket.put(SEEDS + fileOf(n), utf8(contentOf(n)), { contentType: 'text/plain' });
  return bucket;
}

/** The site as served: every object but the seeds, with its bytes and headers. */
function served(bucket: MemoryStorage): Record<string, string> {
  return Object.fromEntries(
    [...bucket.objects]
      .filter(([key]) => !key.startsWith(SEEDS))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, object]) => [key, `${object.contentType} | ${object.cacheControl} | ${text(object.body)}`]),
  );
}

/** Keys whose objects differ between two states (or are in one only). */
function differing(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((key) => a[key] !== b[key]).sort();
}

/** Links to missing objects from every document a reader reaches from the index and the feeds. */
function danglingLinks(objects: MemoryStorage['objects']): string[] {
  const missing: string[] = [];
  const queue = ['index.html', 'rss.xml', 'atom.xml', 'feed.json'].filter((key) => objects.has(key));
  const seen = new Set(queue);
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i]!;
    for (const target of linksOf(key, text(objects.get(key)!.body))) {
      if (!objects.has(target)) missing.push(`${key} → ${target}`);
      else if (!seen.has(target) && /\.(html|xml|json)$/.test(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return missing;
}

/** The item ids a reader gets from feed.json and the archives it chains to (next_url), in order. */
function chainedItems(objects: MemoryStorage['objects']): { ids: string[]; broken?: string } {
  const ids: string[] = [];
  const seen = new Set<string>();
  for (let key: string | undefined = 'feed.json'; key !== undefined; ) {
    if (seen.has(key)) return { ids, broken: `a cycle at ${key}` };
    seen.add(key);
    const object = objects.get(key);
    if (!object) return { ids, broken: `${key} is missing` };
    const document = JSON.parse(text(object.body)) as { items: { id: string }[]; next_url?: string };
    ids.push(...document.items.map((item) => item.id));
    key = document.next_url?.slice(SITE.length);
  }
  return { ids };
}

/** The ids of feed.json's own items: what a reader polling the feed sees. */
function feedIds(objects: MemoryStorage['objects']): string[] {
  return (JSON.parse(text(objects.get('feed.json')!.body)) as { items: { id: string }[] }).items.map((item) => item.id);
}

const pageKeys = (objects: MemoryStorage['objects']) => [...objects.keys()].filter((key) => key.startsWith('articles/')).sort();

/** What is wrong with the manifest a stopped run left: unreadable, not as this version writes it, or claiming a settled site. */
function manifestProblems(bucket: MemoryStorage): string[] {
  const body = bucket.objects.get(MANIFEST)?.body;
  if (body === undefined) return ['no manifest'];
  const problems: string[] = [];
  const parsed = parseManifest(body, T1);
  if (parsed.problem !== undefined) problems.push(parsed.problem);
  if ((JSON.parse(text(body)) as { version?: unknown }).version === 1) problems.push('still a first-version manifest');
  const head = readManifestHead(body);
  if (head === undefined) problems.push('its head is not laid out as this version writes it');
  else if (head.settled !== undefined) problems.push('claims a settled site while work remains');
  return problems;
}

interface RunLog {
  readonly outcome: string;
  readonly puts: number;
  readonly seedGets: number;
}

/**
 * Runs under the budget until one completes or `maxRuns` have stopped. After every run checks
 * what a reader and the next run rely on; `between(run)` may change the seeds after a stopped run.
 */
async function untilDone(
  bucket: MemoryStorage,
  settings: PlanSettings,
  options: {
    maxRuns: number;
    limit?: number;
    expectedPages?: readonly string[];
    expectedItems?: readonly string[];
    requestOf?: (run: number) => PublishRequest;
    /** Deletions the runs are expected to make (an unpublished article's page); any other is a problem. */
    deletes?: readonly string[];
    between?: (run: number) => Promise<void>;
  },
) {
  const runs: RunLog[] = [];
  const problems: string[] = [];
  for (let run = 1; run <= options.maxRuns; run++) {
    const result = await budgetedRun(bucket, settings, T1, options.limit ?? LIMIT, options.requestOf?.(run) ?? {});
    const outcome = result.summary ? 'completed' : result.error.message;
    runs.push({ outcome, puts: result.spent.puts().length, seedGets: result.spent.seedGets() });
    const problem = (what: string) => problems.push(`after run ${run}: ${what}`);
    for (const link of danglingLinks(bucket.objects)) problem(`dangling ${link}`);
    const deleted = result.spent.deletes().filter((key) => !options.deletes?.includes(key));
    if (deleted.length > 0) problem(`deleted ${deleted.join(', ')}`);
    if (options.expectedPages && JSON.stringify(pageKeys(bucket.objects)) !== JSON.stringify(options.expectedPages)) {
      problem('the set of published pages changed');
    }
    const chain = chainedItems(bucket.objects);
    if (chain.broken) problem(`the archive chain is broken: ${chain.broken}`);
    if (new Set(chain.ids).size !== chain.ids.length) problem(`${chain.ids.length - new Set(chain.ids).size} items are duplicated`);
    if (options.expectedItems && chain.ids.length !== options.expectedItems.length) {
      problem(`${chain.ids.length} items in the chain, not ${options.expectedItems.length}`);
    }
    if (result.summary) break;
    if (!result.error.carriesOn) problem(`stopped without saving its progress: ${outcome}`);
    if (!/; what was written is consistent, and the next run carries on$/.test(outcome)) problem(`said ${outcome}`);
    for (const what of manifestProblems(bucket)) problem(what);
    await options.between?.(run);
  }
  const completedAfter = runs.at(-1)?.outcome === 'completed' ? runs.length : undefined;
  return { runs, problems, completedAfter };
}

/** Every storage call of a run never stopped, on a copy of `bucket`, and the copy it leaves. */
async function cleanRun(bucket: MemoryStorage, settings: PlanSettings, request: PublishRequest = {}) {
  const copy = cloneStorage(bucket);
  const spent = budget(Number.POSITIVE_INFINITY);
  await runOn(spent.wrap(copy), settings, T1, request);
  return { bucket: copy, calls: spent.calls.length };
}

/** The site of 3,000 articles as the old version published it. */
async function publishedByOldVersion(settings = settingsOf()): Promise<MemoryStorage> {
  template.release = 'old';
  const bucket = seededBucket();
  await runOn(bucket, settings, T0);
  return bucket;
}

describe('a new page template on a published site of 3,000 articles, rewritten over several runs', () => {
  it('every stopped run keeps the site whole, saves an unsettled manifest, and the runs converge within a few to the bytes of a clean upgrade; the run after writes nothing', async () => {
    // Prepare
    const bucket = await publishedByOldVersion();
    const pages = pageKeys(bucket.objects);
    const items = chainedItems(bucket.objects).ids;
    const feed = feedIds(bucket.objects);
    template.release = 'new';
    const clean = await cleanRun(bucket, settingsOf());
    const fresh = seededBucket();
    await runOn(fresh, settingsOf(), T1);

    // Act
    const { runs, problems, completedAfter } = await untilDone(bucket, settingsOf(), {
      maxRuns: 10,
      expectedPages: pages,
      expectedItems: items,
      between: async () => {
        // A reader polling the feed between runs sees the same items.
        if (JSON.stringify(feedIds(bucket.objects)) !== JSON.stringify(feed)) throw new Error('the feed changed its items');
      },
    });
    const after = await runOn(bucket, settingsOf(), T1);

    // Assess
    expect(problems).toEqual([]);
    expect(completedAfter, JSON.stringify(runs)).toBeDefined();
    expect(completedAfter!).toBeLessThanOrEqual(Math.ceil(clean.calls / LIMIT) + 2);
    expect(runs.reduce((sum, run) => sum + run.seedGets, 0)).toBeLessThanOrEqual(2 * ARTICLES);
    expect(differing(served(bucket), served(clean.bucket))).toEqual([]);
    expect(differing(served(bucket), served(fresh))).toEqual([]);
    expect(text(bucket.objects.get(pages[0]!)!.body)).toContain('class="new-template"');
    expect({ written: after.objects.written, read: after.articles.read }).toEqual({ written: 0, read: 0 });
  });
});

describe('a page setting changed (the site title) on a published site of 3,000 articles: pages, archives, index and feeds rewritten over several runs', () => {
  const renamed = () => settingsOf({ title: 'Example News, renamed' });

  it('every link resolves and every article is in the archive chain once after every run, and the runs converge to the bytes of a clean publish', async () => {
    // Prepare
    const bucket = await publishedByOldVersion();
    const pages = pageKeys(bucket.objects);
    const items = chainedItems(bucket.objects).ids;
    const clean = await cleanRun(bucket, renamed());
    const fresh = seededBucket();
    await runOn(fresh, renamed(), T1);

    // Act
    const { runs, problems, completedAfter } = await untilDone(bucket, renamed(), {
      maxRuns: 14,
      expectedPages: pages,
      expectedItems: items,
    });

    // Assess: some runs stopped in the archives, not only among the pages.
    expect(problems).toEqual([]);
    expect(
      runs.some((run) => /^stopped before writing archive \d+:/.test(run.outcome)),
      JSON.stringify(runs),
    ).toBe(true);
    expect(completedAfter, JSON.stringify(runs)).toBeDefined();
    expect(completedAfter!).toBeLessThanOrEqual(Math.ceil(clean.calls / LIMIT) + 2);
    expect(differing(served(bucket), served(clean.bucket))).toEqual([]);
    expect(differing(served(bucket), served(fresh))).toEqual([]);
  });

  it('a seed edited after its page was rewritten, one edited before, one added and one deleted between the runs are published as by a run that was never stopped', async () => {
    // Prepare: the same changes made to the old site, then one run never stopped.
    const bucket = await publishedByOldVersion();
    const change = async (target: MemoryStorage) => {
      await target.put(SEEDS + fileOf(3), utf8(contentOf(3, 'Article 3, corrected')), { contentType: 'text/plain' });
      await target.put(SEEDS + fileOf(2500), utf8(contentOf(2500, 'Article 2500, corrected')), { contentType: 'text/plain' });
      await target.put(SEEDS + fileOf(ARTICLES), utf8(contentOf(ARTICLES)), { contentType: 'text/plain' });
      await target.delete(SEEDS + fileOf(10));
    };
    const reference = cloneStorage(bucket);
    await change(reference);
    await runOn(reference, renamed(), T1);

    // Act: the changes made after the first stopped run, which rewrote the oldest pages only.
    const { runs, problems, completedAfter } = await untilDone(bucket, renamed(), {
      maxRuns: 14,
      deletes: [`articles/${dayOf(10)}-article-10.html`],
      between: async (run) => {
        if (run === 1) await change(bucket);
      },
    });

    // Assess
    expect(problems).toEqual([]);
    expect(completedAfter, JSON.stringify(runs)).toBeDefined();
    expect(differing(served(bucket), served(reference))).toEqual([]);
  });

  it('a forced run stopped in the middle of the rewrite: the plain runs after it finish the rewrite, with the bytes of a clean publish', async () => {
    // Prepare
    const bucket = await publishedByOldVersion();
    const pages = pageKeys(bucket.objects);
    const clean = await cleanRun(bucket, renamed());

    // Act: the second run is forced (npm run republish while the scheduled runs carry on).
    const { runs, problems, completedAfter } = await untilDone(bucket, renamed(), {
      maxRuns: 16,
      expectedPages: pages,
      requestOf: (run) => (run === 2 ? { force: true } : {}),
    });
    const after = await runOn(bucket, renamed(), T1);

    // Assess
    expect(problems).toEqual([]);
    expect(runs[1]?.outcome, JSON.stringify(runs)).toMatch(/^stopped before /);
    expect(completedAfter, JSON.stringify(runs)).toBeDefined();
    expect(completedAfter!).toBeLessThanOrEqual(Math.ceil(clean.calls / LIMIT) + 4);
    expect(differing(served(bucket), served(clean.bucket))).toEqual([]);
    expect(after.objects.written).toBe(0);
  });
});

describe('a bulk edit of every seed, larger than one run', () => {
  // Seed names sort newest first, so the first stopped run reads the feeds' items (and saves
  // their records without text); the second reads the rest, writes every page, and is stopped as
  // its last page is written, when it goes back for the feed items' text.
  it('the run after a stop between the last page and the feeds still rewrites the index, the feeds and the archives', async () => {
    // Prepare
    const count = 600;
    const name = (n: number) => `note-${String(count - n).padStart(4, '0')}.txt`;
    const content = (n: number, title: string) =>
      `date ${new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)} ${title} ${n}\n\nLede of ${n}.\n`;
    const bucket = new MemoryStorage();
    for (let n = 0; n < count; n++) void bucket.put(SEEDS + name(n), utf8(content(n, 'Article')), { contentType: 'text/plain' });
    const settings = settingsOf();
    template.release = 'new';
    await runOn(bucket, settings, T0);
    for (let n = 0; n < count; n++) await bucket.put(SEEDS + name(n), utf8(content(n, 'Revised article')), { contentType: 'text/plain' });
    const reference = cloneStorage(bucket);
    await runOn(reference, settings, T1);
    const first = await budgetedRun(bucket, settings, T1, 200);
    const probe = budget(Number.POSITIVE_INFINITY);
    await runOn(probe.wrap(cloneStorage(bucket)), settings, T1);
    const lastPagePut = probe.calls.findLastIndex(({ op, key }) => op === 'put' && key.startsWith('articles/')) + 1;
    const second = await budgetedRun(bucket, settings, T1, lastPagePut);
    expect(first.error?.carriesOn).toBe(true);
    expect(second.error?.carriesOn).toBe(true);
    expect(second.error?.message).toMatch(/^stopped before reading seeds \(0 of \d+ done\)/);

    // Act
    const third = await runOn(bucket, settings, T1);

    // Assess
    expect(third.objects.writtenKeys).toContain('feed.json');
    expect(feedIds(bucket.objects)).toEqual(feedIds(reference.objects));
    expect(text(bucket.objects.get('feed.json')!.body)).toContain('"title": "Revised article 599"');
    expect(differing(served(bucket), served(reference))).toEqual([]);
  });
});

/** A first-version manifest for the seeds in `bucket`: item id → the old hash, and an edit date for every 100th (the newest among them). */
function firstVersionManifest(bucket: MemoryStorage, idPrefix: string): { manifest: Uint8Array; edited: Map<string, string> } {
  const articles: Record<string, { hash: string; updated?: string }> = {};
  const edited = new Map<string, string>();
  let n = 0;
  for (const [key, object] of bucket.objects) {
    if (!key.startsWith(SEEDS)) continue;
    const fileName = key.slice(SEEDS.length);
    const parsed = parseArticle(fileName, text(object.body));
    if (!parsed.ok) throw new Error(fileName);
    const { date, title, blocks } = parsed.article;
    const id = itemId(idPrefix, fileName);
    const hash = createHash('sha256')
      .update(JSON.stringify({ date: date.iso, title, blocks }))
      .digest('hex');
    const updated = n++ % 100 === 99 ? '2026-01-15T10:00:00.000Z' : undefined;
    if (updated) edited.set(id, updated);
    articles[id] = updated ? { hash, updated } : { hash };
  }
  return { manifest: utf8(JSON.stringify({ version: 1, articles })), edited };
}

describe('a first-version manifest upgraded under a deadline', () => {
  it('3,000 articles: the stopped runs save their progress, some run completes within a few, and the edit dates the old manifest kept are published', async () => {
    // Prepare: the site as published, its manifest replaced by a first-version one.
    template.release = 'new';
    const bucket = seededBucket();
    await runOn(bucket, settingsOf(), T0);
    const { manifest, edited } = firstVersionManifest(bucket, settingsOf().config.idPrefix);
    await bucket.put(MANIFEST, manifest, { contentType: 'application/json' });
    const clean = await cleanRun(bucket, settingsOf());

    // Act
    const { runs, problems, completedAfter } = await untilDone(bucket, settingsOf(), { maxRuns: 8 });

    // Assess
    expect(problems.slice(0, 3)).toEqual([]);
    expect(completedAfter, JSON.stringify(runs.slice(0, 3))).toBeDefined();
    expect(completedAfter!).toBeLessThanOrEqual(Math.ceil(clean.calls / LIMIT) + 2);
    const modified = new Map(
      (JSON.parse(text(bucket.objects.get('feed.json')!.body)) as { items: { id: string; date_modified: string }[] }).items.map((item) => [
        item.id,
        item.date_modified,
      ]),
    );
    for (const [id, updated] of edited) if (modified.has(id)) expect(modified.get(id), id).toBe(updated);
    expect(differing(served(bucket), served(clean.bucket))).toEqual([]);
  });
});

describe('the Lambda handler through a multi-run upgrade', () => {
  const ENV = { FEED_BUCKET: BUCKET, SITE_URL: SITE, SEEDS_SOURCE: 'bucket', AWS_REGION: 'us-east-1' };

  /**
   * One invocation with 60 s left on a fake clock: the clock jumps past the handler's stop
   * margin as the `limit`-th storage call returns, as a slow bucket would make it.
   */
  async function invoke(bucket: MemoryStorage, limit: number, now = T1) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let calls = 0;
    const counted = (storage: Storage): Storage => {
      const count = async <T>(act: () => Promise<T>): Promise<T> => {
        try {
          return await act();
        } finally {
          if (++calls === limit) vi.advanceTimersByTime(60_000);
        }
      };
      return {
        get: (key, options) => count(() => storage.get(key, options)),
        put: (key, body, options) => count(() => storage.put(key, body, options)),
        delete: (key, options) => count(() => storage.delete(key, options)),
        list: (prefix, options) => count(() => storage.list(prefix, options)),
      };
    };
    const handler = createHandler(ENV, { storage: counted(bucket), seeds: counted(under(bucket, SEEDS)), now: () => now });
    const context = { getRemainingTimeInMillis: () => 60_000 };
    try {
      return { result: await handler({}, context) };
    } catch (error) {
      return { error };
    } finally {
      vi.useRealTimers();
    }
  }

  /** Invocations until one publishes or `max` have returned; what each returned and logged. */
  async function invocations(bucket: MemoryStorage, max: number, limit = LIMIT) {
    const log = captureLog();
    const seen: { returned: 'stopped' | 'published' | 'threw'; message: string; level: unknown; stoppedField: unknown }[] = [];
    try {
      for (let n = 0; n < max; n++) {
        log.written.length = 0;
        const { result, error } = await invoke(bucket, limit);
        const line = log.logLines().at(-1);
        if (error !== undefined)
          seen.push({ returned: 'threw', message: (error as Error).message, level: line?.level, stoppedField: line?.stopped });
        else if ('stopped' in result!)
          seen.push({ returned: 'stopped', message: result.stopped, level: line?.level, stoppedField: line?.stopped });
        else seen.push({ returned: 'published', message: String(line?.message), level: line?.level, stoppedField: line?.stopped });
        if (seen.at(-1)!.returned === 'published') break;
      }
    } finally {
      vi.restoreAllMocks();
    }
    return seen;
  }

  /** The site as the handler's own configuration publishes it, by the old template. */
  async function publishedThroughHandler(): Promise<MemoryStorage> {
    template.release = 'old';
    const bucket = seededBucket();
    const first = await invocations(bucket, 1, Number.POSITIVE_INFINITY);
    expect(first.map(({ returned }) => returned)).toEqual(['published']);
    return bucket;
  }

  it('a new page template: each invocation that stops returns and logs a stop (WARN, stopped) saying the next run carries on, and a later one publishes', async () => {
    // Prepare
    const bucket = await publishedThroughHandler();
    template.release = 'new';

    // Act
    const seen = await invocations(bucket, 10);

    // Assess
    const stops = seen.slice(0, -1);
    expect(seen.at(-1)).toMatchObject({ returned: 'published', level: 'INFO' });
    expect(stops.length).toBeGreaterThanOrEqual(2);
    for (const stop of stops) {
      expect(stop).toMatchObject({ returned: 'stopped', level: 'WARN', stoppedField: true });
      expect(stop.message).toMatch(
        /^stopped before .*the run used its \d+ ms and stopped \d+ ms before the Lambda timeout; .*the next run carries on$/,
      );
    }
    expect(danglingLinks(bucket.objects)).toEqual([]);
  });

  it('a first-version manifest too large to upgrade in one invocation: each invocation that stops returns a stop, not an error, and a later one publishes', async () => {
    // Prepare
    const bucket = await publishedThroughHandler();
    template.release = 'new';
    const { manifest } = firstVersionManifest(bucket, 'tag:feeds.example.org,2026:');
    await bucket.put(MANIFEST, manifest, { contentType: 'application/json' });

    // Act
    const seen = await invocations(bucket, 8);

    // Assess
    expect(seen.slice(0, 3).map(({ returned, level }) => `${returned} ${level}`)).not.toContain('threw ERROR');
    expect(seen.at(-1)?.returned).toBe('published');
  });
});
