/**
 * Runs cut short: by their signal (the Lambda deadline) after any storage call, again and again
 * under a budget too small for the whole job, and by another run writing the same bucket. The
 * seeds are kept in the bucket under `seeds/`, as SEEDS_SOURCE=bucket has them. What a reader
 * relies on: every link resolves whenever a run stops, the next run converges to what a run that
 * never stopped writes, a run that stops says where and claims nothing it did not do, and a job
 * larger than one run's time still gets done.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { loadPublishSettings } from '../../src/config.js';
import { publish, type PublishRequest } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { SITE_FILES } from '../../src/site-files.js';
import { PreconditionFailedError, type Storage } from '../../src/storage/storage.js';
import { bucketPublishDependencies } from '../../src/wiring.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { BUCKET, fakeBucket, mockedClient, mockS3, seed, SITE, testFeedConfig, text, utf8 } from './support.js';
import { cloneStorage, MANIFEST } from './support-site.js';
import { linksOf } from './site-links.js';
import { budget, budgetedRun, noteContent, noteDay as day, noteFile as fileOf, outcomeOf, runOn, SEEDS } from './support-runs.js';

const s3 = mockS3();

/** The first publish, the run a change is made for (stopped), and the run after it. All after every article's day. */
const T0 = new Date('2026-03-01T06:00:00.000Z');
const T1 = new Date('2026-03-02T06:00:00.000Z');
const T2 = new Date('2026-03-03T06:00:00.000Z');
const HUB = 'https://hub.example.org/';
const FEED_URLS = [`${SITE}rss.xml`, `${SITE}atom.xml`, `${SITE}feed.json`];
const STOPPED = /^stopped before (.+): the budget of \d+ calls is spent; what was written is consistent, and the next run carries on$/;
const LOST_RACE = /^another publish run wrote _publish\/manifest\.json while this one ran; /;

// ---------------------------------------------------------------------------------------------
// Seeds and the bucket

/** `count` notes a day apart from note `from`, one per file. */
function articles(from: number, count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = from; n < from + count; n++) files[fileOf(n)] = noteContent(n);
  return files;
}

/** A bucket with these seeds under `seeds/` and nothing else. */
function bucketWith(files: Readonly<Record<string, string>>): MemoryStorage {
  const bucket = new MemoryStorage();
  for (const [name, content] of Object.entries(files)) void bucket.put(SEEDS + name, utf8(content), { contentType: 'text/plain' });
  return bucket;
}

function settingsOf(itemLimit: number, extra: Record<string, unknown> = {}): PlanSettings {
  return { config: testFeedConfig({ itemLimit, ...extra }), cacheControl: 'max-age=300', maxUnpublishShare: 0.5 };
}

// ---------------------------------------------------------------------------------------------
// What the bucket holds, and where its links lead

type Objects = ReadonlyMap<string, { readonly body: Uint8Array; readonly contentType?: string; readonly cacheControl?: string }>;

/** Every object with its bytes and the headers it is served with. */
function snapshot(objects: Objects): Record<string, { body: string; contentType?: string; cacheControl?: string }> {
  return Object.fromEntries(
    [...objects]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, object]) => [key, { body: text(object.body), contentType: object.contentType, cacheControl: object.cacheControl }]),
  );
}

const ENTRY_DOCUMENTS = [SITE_FILES.index, SITE_FILES.rss, SITE_FILES.atom, SITE_FILES.json];

/**
 * Links to objects that are not there, as `from → to`. `published`: from the index, the three
 * feeds and every archive document in the bucket. `reachable`: from every document a reader can
 * get to from the index and the feeds, following links (pages and archives included).
 */
function danglingLinks(objects: Objects, scope: 'published' | 'reachable'): string[] {
  const missing: string[] = [];
  const documents: string[] = ENTRY_DOCUMENTS.filter((key) => objects.has(key));
  if (scope === 'published') documents.push(...[...objects.keys()].filter((key) => key.startsWith('archive/')).sort());
  const seen = new Set(documents);
  for (let index = 0; index < documents.length; index++) {
    const key = documents[index]!;
    for (const target of linksOf(key, text(objects.get(key)!.body))) {
      if (!objects.has(target)) missing.push(`${key} → ${target}`);
      else if (scope === 'reachable' && !seen.has(target) && /\.(html|xml|json)$/.test(target)) {
        seen.add(target);
        documents.push(target);
      }
    }
  }
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** A published site of 12 articles, 3 a feed (so 3 archives), and a change: what a run after it has to do. */
async function changedSite(
  settings = settingsOf(3),
  fetch?: typeof globalThis.fetch,
): Promise<{ before: MemoryStorage; settings: PlanSettings }> {
  const before = bucketWith(articles(0, 12));
  await runOn(before, settings, T0, {}, fetch);
  // Two new articles (a fourth archive starts, the third closes), an edit in archive 1, a deletion in archive 2.
  for (const [name, content] of Object.entries(articles(20, 2)))
    await before.put(SEEDS + name, utf8(content), { contentType: 'text/plain' });
  await before.put(SEEDS + fileOf(1), utf8(seed(day(1), 'Note 1, corrected', 'Paragraph 1, as it should have read.')), {
    contentType: 'text/plain',
  });
  await before.delete(SEEDS + fileOf(5));
  return { before, settings };
}

/** Every storage call of a run that is never stopped, from a copy of `before`. */
async function wholeRun(before: MemoryStorage, settings: PlanSettings, now: Date, request: PublishRequest = {}) {
  const bucket = cloneStorage(before);
  const spent = budget(Number.POSITIVE_INFINITY);
  await runOn(spent.wrap(bucket), settings, now, request);
  return { bucket, calls: spent.calls };
}

describe('a run stopped by its signal after any storage call', () => {
  it('first publish: no document a reader can reach links to a missing object, and the next run gives the bytes and headers of a clean publish', async () => {
    // Prepare
    const settings = settingsOf(3);
    const files = articles(0, 12);
    const clean = await wholeRun(bucketWith(files), settings, T2);
    const dangling: string[] = [];
    const diverged: number[] = [];

    for (let k = 1; k < clean.calls.length; k++) {
      const bucket = bucketWith(files);

      // Act
      const stopped = await budgetedRun(bucket, settings, T1, k);
      // Archives written before any feed exists are linked from nothing yet: only what a reader can reach counts.
      dangling.push(...danglingLinks(bucket.objects, 'reachable').map((link) => `after call ${k}: ${link}`));
      await runOn(bucket, settings, T2);

      // Assess
      expect(stopped.error?.message, `call ${k}`).toMatch(STOPPED);
      if (JSON.stringify(snapshot(bucket.objects)) !== JSON.stringify(snapshot(clean.bucket.objects))) diverged.push(k);
    }
    expect(dangling).toEqual([]);
    expect(diverged).toEqual([]);
  });

  it('a change (added, edited, deleted, an archive started): the next run, a day later, gives the bytes and headers of a run that was not stopped', async () => {
    // Prepare: the two histories without a stop. The stopped run keeps what it finished, so an
    // edit it read is dated at its clock (as a run that completed then would date it), and one it
    // did not reach is dated at the next run's.
    const { before, settings } = await changedSite();
    const clean = await wholeRun(before, settings, T2);
    const cleanThen = cloneStorage(before);
    await runOn(cleanThen, settings, T1);
    await runOn(cleanThen, settings, T2);
    // The clock the settled state was last recorded at is bookkeeping, not what readers get.
    const comparable = (objects: Objects) => JSON.stringify(snapshot(objects)).replace(/\\"from\\":\\"[^\\]+\\"/, '');
    const references = [comparable(clean.bucket.objects), comparable(cleanThen.objects)];
    const diverged: number[] = [];

    for (let k = 1; k < clean.calls.length; k++) {
      const bucket = cloneStorage(before);

      // Act
      const stopped = await budgetedRun(bucket, settings, T1, k);
      await runOn(bucket, settings, T2);

      // Assess
      expect(stopped.error?.message, `call ${k}`).toMatch(STOPPED);
      if (!references.includes(comparable(bucket.objects))) diverged.push(k);
    }
    expect(diverged).toEqual([]);
  });

  it('a forced republish stopped anywhere is finished by the next plain run: the objects of a forced run that was not stopped, and nothing left to write', async () => {
    // Prepare: the change published, so the forced run rewrites what is already right.
    const { before, settings } = await changedSite();
    await runOn(before, settings, T0);
    const clean = await wholeRun(before, settings, T1, { force: true });
    const site = (objects: Objects) => snapshot(new Map([...objects].filter(([key]) => key !== MANIFEST)));
    const problems: string[] = [];

    for (let k = 1; k < clean.calls.length; k++) {
      const bucket = cloneStorage(before);

      // Act
      const stopped = await budgetedRun(bucket, settings, T1, k, { force: true });
      await runOn(bucket, settings, T1);
      const after = await runOn(bucket, settings, T1);

      // Assess: the manifest differs only in the clock of the run that settled it.
      expect(stopped.error?.message, `call ${k}`).toMatch(STOPPED);
      if (JSON.stringify(site(bucket.objects)) !== JSON.stringify(site(clean.bucket.objects))) problems.push(`call ${k}: objects differ`);
      if (after.objects.written + after.objects.deleted + after.articles.read > 0) problems.push(`call ${k}: the run after had work left`);
    }
    expect(problems).toEqual([]);
  });

  // A new archive is written before the archive it follows gains the next-archive link to it,
  // and before the feeds link to it: archives go newest first.
  it('a change (added, edited, deleted, an archive started): every link in the index, the feeds and every archive resolves, wherever the run stops', async () => {
    // Prepare
    const { before, settings } = await changedSite();
    const clean = await wholeRun(before, settings, T2);
    const dangling: string[] = [];

    for (let k = 1; k < clean.calls.length; k++) {
      const bucket = cloneStorage(before);

      // Act
      await budgetedRun(bucket, settings, T1, k);

      // Assess
      dangling.push(...danglingLinks(bucket.objects, 'published').map((link) => `after call ${k}: ${link}`));
    }
    expect(dangling).toEqual([]);
  });

  // The smallest case of the one above, at every archive write.
  it('stopped after any archive write when a new archive starts, every link a reader can follow from the feeds resolves', async () => {
    // Prepare: 4 articles, 1 a feed: archives 1 to 3. A fifth starts archive 4, and archive 3
    // gains its next-archive link to it: the new archive is written before that link.
    const settings = settingsOf(1);
    const start = bucketWith(articles(0, 4));
    await runOn(start, settings, T0);
    await start.put(SEEDS + fileOf(4), utf8(articles(4, 1)[fileOf(4)]!), { contentType: 'text/plain' });
    const clean = await wholeRun(start, settings, T1);
    const archiveWrites = clean.calls.flatMap(({ op, key }, index) => (op === 'put' && key.startsWith('archive/') ? [index + 1] : []));
    const dangling: string[] = [];

    for (const k of archiveWrites) {
      // Act
      const bucket = cloneStorage(start);
      const stopped = await budgetedRun(bucket, settings, T1, k);

      // Assess
      expect(stopped.error?.message, `call ${k}`).toMatch(STOPPED);
      dangling.push(...danglingLinks(bucket.objects, 'reachable').map((link) => `stopped after call ${k}: ${link}`));
    }
    expect(archiveWrites.length).toBeGreaterThanOrEqual(6);
    expect(dangling).toEqual([]);
  });
});

describe('a job larger than one run’s budget', () => {
  /** Runs under the budget until one completes or `maxRuns` have stopped; what each cost. */
  async function untilDone(bucket: MemoryStorage, settings: PlanSettings, limit: number, maxRuns: number) {
    const runs: { puts: number; seedGets: number; stoppedBefore: string }[] = [];
    const dangling: string[] = [];
    for (let number = 1; number <= maxRuns; number++) {
      const run = await budgetedRun(bucket, settings, T1, limit);
      runs.push({
        puts: run.spent.puts().length,
        seedGets: run.spent.seedGets(),
        stoppedBefore: run.error ? (STOPPED.exec(run.error.message)?.[1] ?? run.error.message) : 'completed',
      });
      dangling.push(...danglingLinks(bucket.objects, 'reachable').map((link) => `after run ${number}: ${link}`));
      if (run.summary) break;
    }
    const completedAfter = runs.at(-1)?.stoppedBefore === 'completed' ? runs.length : undefined;
    return { runs, completedAfter, dangling };
  }

  // A stopped run saves what it finished in the manifest: the records of the pages it wrote,
  // then those of the archives, index and feeds. The next run carries on from there instead of
  // reading every seed and writing every page again, so a job larger than one run gets done.
  it('300 articles, 10 a feed, the signal fired after 250 storage calls in each run: some run completes, within a few, and the work done stays bounded', async () => {
    // Prepare
    const settings = settingsOf(10);
    const files = articles(0, 300);
    const clean = await wholeRun(bucketWith(files), settings, T1);
    const wholePuts = clean.calls.filter(({ op }) => op === 'put').length;
    const bucket = bucketWith(files);

    // Act
    const { runs, completedAfter, dangling } = await untilDone(bucket, settings, 250, 8);

    // Assess
    const puts = runs.reduce((sum, run) => sum + run.puts, 0);
    const seedGets = runs.reduce((sum, run) => sum + run.seedGets, 0);
    expect(dangling).toEqual([]);
    expect({ completedAfter, runs }).toEqual({ completedAfter: expect.any(Number), runs: expect.anything() });
    expect(completedAfter!).toBeLessThanOrEqual(Math.ceil(clean.calls.length / 250) + 1);
    expect(puts).toBeLessThanOrEqual(2 * wholePuts);
    expect(seedGets).toBeLessThanOrEqual(2 * 300);
  });

  // The smallest case of the one above. Two articles, no archive: the whole first publish is 16
  // calls (5 listings, 2 seed GETs, 2 pages, 6 site objects, the manifest). Stopped after 15, the
  // run saves its progress, and the next run has only the manifest left to write.
  it('focused: a first publish of 2 articles stopped one call short of its end is completed by the next run under the same budget', async () => {
    // Prepare
    const settings = settingsOf(50);
    const files = articles(0, 2);
    const clean = await wholeRun(bucketWith(files), settings, T1);
    const bucket = bucketWith(files);

    // Act
    const { runs, completedAfter } = await untilDone(bucket, settings, clean.calls.length - 1, 5);

    // Assess: what is left after the first run is the manifest, and a run has 15 calls for it.
    expect(clean.calls).toHaveLength(16);
    // Its ninth put is the manifest with the progress it made.
    expect(runs[0]).toEqual({ puts: 9, seedGets: 2, stoppedBefore: 'deleting unpublished pages' });
    expect({ completedAfter, runs }).toEqual({ completedAfter: 2, runs: expect.anything() });
  });
});

describe('a job larger than one run’s budget, seeds in an S3 bucket listed 50 keys a page', () => {
  const FILES = articles(0, 300);

  function s3Deps() {
    const publishSettings = loadPublishSettings({
      FEED_BUCKET: BUCKET,
      SEEDS_SOURCE: 'bucket',
      SEEDS_PREFIX: SEEDS,
      UNPUBLISH_MAX_SHARE: '0.5',
    });
    return bucketPublishDependencies({
      client: mockedClient(),
      feed: testFeedConfig({ itemLimit: 10 }),
      publish: publishSettings,
      defaultSeedsDir: '/nonexistent',
      now: () => T1,
    });
  }

  function freshBucket() {
    s3.reset();
    return fakeBucket(s3, Object.fromEntries(Object.entries(FILES).map(([name, content]) => [SEEDS + name, utf8(content)])), new Map(), 50);
  }

  async function budgetedS3Run(limit: number) {
    const deps = s3Deps();
    const spent = budget(limit);
    s3.resetHistory();
    const outcome = await outcomeOf(
      publish({ ...deps, storage: spent.wrap(deps.storage), seeds: spent.wrap(deps.seeds, SEEDS) }, { signal: spent.signal }),
    );
    const requests = {
      list: s3.commandCalls(ListObjectsV2Command).length,
      getSeed: s3.commandCalls(GetObjectCommand).filter((call) => call.args[0].input.Key?.startsWith(SEEDS)).length,
      put: s3.commandCalls(PutObjectCommand).length,
      delete: s3.commandCalls(DeleteObjectCommand).length,
    };
    return { ...outcome, spent, requests };
  }

  it('every stopped run leaves each link a reader can follow resolvable, and a run without a deadline then leaves exactly the bucket of a clean publish', async () => {
    // Prepare
    const reference = freshBucket();
    await publish(s3Deps());
    const clean = snapshot(reference);
    const bucket = freshBucket();
    const dangling: string[] = [];

    // Act
    for (let number = 1; number <= 3; number++) {
      const run = await budgetedS3Run(250);
      expect(run.error?.message, `run ${number}`).toMatch(STOPPED);
      expect(run.requests.list, `run ${number}`).toBeGreaterThan(4);
      dangling.push(...danglingLinks(bucket, 'reachable').map((link) => `after run ${number}: ${link}`));
    }
    await publish(s3Deps());

    // Assess
    expect(dangling).toEqual([]);
    expect(snapshot(bucket)).toEqual(clean);
  });

  // The same with the seeds in an S3 bucket whose listings come 50 keys a page.
  it('300 articles under a budget of 250 storage calls a run: some run completes within a few', async () => {
    // Prepare
    freshBucket();
    const runs: { requests: Record<string, number>; stoppedBefore: string }[] = [];

    // Act
    for (let number = 1; number <= 6; number++) {
      const run = await budgetedS3Run(250);
      runs.push({
        requests: run.requests,
        stoppedBefore: run.error ? (STOPPED.exec(run.error.message)?.[1] ?? run.error.message) : 'completed',
      });
      if (run.summary) break;
    }

    // Assess
    expect(runs.map(({ stoppedBefore }) => stoppedBefore)).toContain('completed');
    expect(runs.length).toBeLessThanOrEqual(4);
  });
});

describe('the report of a stopped run', () => {
  it('is an error naming the step it stopped before, consistent with what it wrote; it lists its writes, and no hub hears of feeds it did not write', async () => {
    // Prepare: the changed site of the sweeps above, with a WebSub hub.
    const { before, settings } = await changedSite(settingsOf(3, { websubHub: HUB }), async () => new Response(null, { status: 204 }));
    const clean = await wholeRun(before, settings, T1);
    const problems: string[] = [];

    for (let k = 1; k < clean.calls.length; k++) {
      const bucket = cloneStorage(before);
      const pings: string[] = [];
      const hub = async (_input: string | URL | Request, init?: RequestInit) => {
        pings.push(new URLSearchParams(String(init?.body)).get('hub.url')!);
        return new Response(null, { status: 204 });
      };
      const spent = budget(k);

      // Act
      const stopped = await outcomeOf(runOn(spent.wrap(bucket), settings, T1, { signal: spent.signal }, hub));
      const pingsWhenStopped = pings.length;
      await runOn(bucket, settings, T2, {}, hub);

      // Assess
      const puts = spent.puts();
      const wroteManifest = puts.includes(MANIFEST);
      const problem = (what: string) => problems.push(`after call ${k}: ${what}`);
      if (stopped.summary) {
        // Only a run that stopped after writing its manifest completes: it notifies nobody, and the next run does.
        if (!wroteManifest) problem('completed without writing the manifest');
        if (stopped.summary.pings?.sent.length !== 0) problem('notified the hub after its deadline');
      } else {
        const step = STOPPED.exec(stopped.error.message)?.[1];
        const cause = stopped.error.cause as Error | undefined;
        if (step === undefined) problem(`message ${stopped.error.message}`);
        if (cause?.name !== 'RunStopped') problem(`cause ${cause?.name}`);
        const siteWritten = puts.some((key) => (Object.values(SITE_FILES) as string[]).includes(key));
        // Archives are written newest first; a stopped run then saves its progress in the manifest,
        // which is its last write.
        const archive = /^writing archive (\d+)$/.exec(step ?? '');
        const writtenUpTo = (to: number) => puts.some((key) => Number(/^archive\/[a-z]+-(\d+)\./.exec(key)?.[1] ?? Infinity) <= to);
        const progressOnly = puts.at(-1) === MANIFEST && puts.indexOf(MANIFEST) === puts.length - 1;
        if (wroteManifest && !progressOnly) problem(`wrote the manifest before its last write: ${puts.join(', ')}`);
        const later =
          step === undefined
            ? false
            : /^reading seeds \(\d+ of \d+ done\)$/.test(step)
              ? puts.some((key) => !key.startsWith('articles/') && key !== MANIFEST) || spent.deletes().length > 0
              : archive
                ? writtenUpTo(Number(archive[1])) || siteWritten || spent.deletes().length > 0
                : step === 'writing the index and the feeds'
                  ? siteWritten || spent.deletes().length > 0
                  : step === 'deleting unpublished pages'
                    ? spent.deletes().length > 0
                    : step !== 'writing the manifest';
        if (later) problem(`said "stopped before ${step}" after writing ${puts.join(', ')}`);
        // The report lists the site's objects, not the manifest (as a run that completes does).
        const objectPuts = puts.filter((key) => key !== MANIFEST);
        if (JSON.stringify([...(stopped.error.summary?.objects?.writtenKeys ?? [])].sort()) !== JSON.stringify([...objectPuts].sort())) {
          problem(`reported writes ${stopped.error.summary?.objects?.writtenKeys} for ${puts}`);
        }
        if (pingsWhenStopped !== 0) problem(`notified the hub of ${pings.join(', ')}`);
      }
      // Whether the stopped run or the next wrote the feeds, the hub hears of each.
      if (JSON.stringify([...new Set(pings)].sort()) !== JSON.stringify([...FEED_URLS].sort())) problem(`the hub heard of ${pings}`);
    }
    expect(problems).toEqual([]);
  });

  // The error's summary, which the Lambda handler logs with the error, counts the seeds read and
  // the pages deleted before the run stopped.
  it('counts the seeds it read and the pages it deleted before it stopped', async () => {
    // Prepare: 12 articles, no archive; one edited, one deleted.
    const settings = settingsOf(50);
    const bucket = bucketWith(articles(0, 12));
    await runOn(bucket, settings, T0);
    await bucket.put(SEEDS + fileOf(3), utf8(seed(day(3), 'Note 3, corrected', 'Paragraph 3, as it should have read.')), {
      contentType: 'text/plain',
    });
    await bucket.delete(SEEDS + fileOf(4));
    const clean = await wholeRun(bucket, settings, T1);
    const theDelete = clean.calls.findIndex(({ op }) => op === 'delete') + 1;

    // Act
    const stopped = await budgetedRun(bucket, settings, T1, theDelete);

    // Assess
    expect(stopped.error?.message).toMatch(/^stopped before writing the manifest: /);
    expect(stopped.spent.deletes()).toEqual([`articles/${day(4)}-note-4.html`]);
    expect.soft(stopped.error?.summary?.articles?.read).toBe(1);
    expect.soft(stopped.error?.summary?.articles?.unpublished).toBe(1);
    expect.soft(stopped.error?.summary?.objects?.deletedKeys).toEqual([`articles/${day(4)}-note-4.html`]);
  });
});

describe('overlapping runs', () => {
  /**
   * The storage of a run that makes its first `n` calls and holds every later one until
   * `resume()`: `paused` settles when the run asks for call `n + 1`.
   */
  function pauseAfter(storage: Storage, n: number) {
    let count = 0;
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));
    let reached!: () => void;
    const paused = new Promise<void>((resolve) => (reached = resolve));
    const before: string[] = [];
    const hold = async <T>(name: string, act: () => Promise<T>): Promise<T> => {
      if (++count > n) {
        reached();
        await gate;
      } else before.push(name);
      return act();
    };
    const held: Storage = {
      get: (key) => hold(`get ${key}`, () => storage.get(key)),
      put: (key, body, options) => hold(`put ${key}`, () => storage.put(key, body, options)),
      delete: (key) => hold(`delete ${key}`, () => storage.delete(key)),
      list: (prefix, options) => hold(`list ${prefix}`, () => storage.list(prefix, options)),
    };
    return { storage: held, paused, resume, before };
  }

  /** Run A makes `n` calls; run B then runs whole; then A goes on. */
  async function interleave(bucket: MemoryStorage, settings: PlanSettings, n: number, between?: () => Promise<void>) {
    const a = pauseAfter(bucket, n);
    const first = outcomeOf(runOn(a.storage, settings, T1));
    const overlapped = await Promise.race([a.paused.then(() => true), first.then(() => false)]);
    await between?.();
    const second = await outcomeOf(runOn(bucket, settings, T1));
    a.resume();
    return { first: await first, second, overlapped, firstReadManifest: a.before.includes(`get ${MANIFEST}`) };
  }

  it('on the same state, the second started at any point of the first: the run whose manifest is stale fails on the conditional write, no link dangles, and the next run converges', async () => {
    // Prepare
    const { before, settings } = await changedSite();
    const clean = await wholeRun(before, settings, T1);
    const problems: string[] = [];

    for (let n = 0; n <= clean.calls.length; n++) {
      const bucket = cloneStorage(before);

      // Act
      const { first, second, overlapped, firstReadManifest } = await interleave(bucket, settings, n);
      const dangling = danglingLinks(bucket.objects, 'published');
      await runOn(bucket, settings, T1);

      // Assess
      const problem = (what: string) => problems.push(`first run paused after ${n} calls: ${what}`);
      if (second.error) problem(`the second failed: ${second.error.message}`);
      if (overlapped && firstReadManifest) {
        // The first read the manifest before the second wrote it: its own write must fail.
        if (!first.error || !LOST_RACE.test(first.error.message) || !(first.error.cause instanceof PreconditionFailedError)) {
          problem(`the first did not lose the race: ${first.error?.message ?? 'it completed'}`);
        }
      } else if (first.error) problem(`the first failed: ${first.error.message}`);
      if (dangling.length > 0) problem(`dangling ${dangling.join(', ')}`);
      if (JSON.stringify(snapshot(bucket.objects)) !== JSON.stringify(snapshot(clean.bucket.objects))) problem('did not converge');
    }
    expect(problems).toEqual([]);
  });

  // The first run lists the seeds with note 11 (the newest article) among them; the seed is then
  // deleted and a second run publishes without it, deleting its page. The first run goes on and
  // writes the index and the feeds it planned, which link to that page, and only then fails on
  // its conditional manifest write: until the next run, those links lead to a 404. Nothing but
  // the manifest's If-Match tells a run of another, and the function's reserved concurrency of 1
  // keeps its own runs apart, so this takes a second writer on the bucket (README, step 6).
  it('a seed deleted between the listings of two overlapping runs: the losing run fails on its manifest, and the next run leaves no link to the page the other deleted', async () => {
    // Prepare: 12 articles, no archive; one added, so the first run has feeds to write.
    const settings = settingsOf(50);
    const before = bucketWith(articles(0, 12));
    await runOn(before, settings, T0);
    await before.put(SEEDS + fileOf(20), utf8(articles(20, 1)[fileOf(20)]!), { contentType: 'text/plain' });
    const reference = cloneStorage(before);
    await reference.delete(SEEDS + fileOf(11));
    await runOn(reference, settings, T1);
    const bucket = cloneStorage(before);
    const listings = 5;

    // Act
    const { first, second } = await interleave(bucket, settings, listings, () => bucket.delete(SEEDS + fileOf(11)));
    await runOn(bucket, settings, T1);

    // Assess
    expect(second.error).toBeUndefined();
    expect(first.error?.message).toMatch(LOST_RACE);
    expect(danglingLinks(bucket.objects, 'published')).toEqual([]);
    expect(snapshot(bucket.objects)).toEqual(snapshot(reference.objects));
  });
});

describe('a forced unpublishing larger than one run', () => {
  /** 20 articles, 5 a feed, a guard of 20 %: published, then half its seeds deleted. */
  async function halfDeleted(): Promise<{ bucket: MemoryStorage; settings: PlanSettings }> {
    const settings = { ...settingsOf(5), maxUnpublishShare: 0.2 };
    const bucket = bucketWith(articles(0, 20));
    await runOn(bucket, settings, T0);
    for (let n = 0; n < 10; n++) await bucket.delete(SEEDS + fileOf(n));
    return { bucket, settings };
  }

  /** The manifest as the bucket holds it, parsed. */
  const manifestOf = (bucket: MemoryStorage) => JSON.parse(text(bucket.objects.get(MANIFEST)!.body)) as { approvedLeaving?: string[] };

  /** The first budget under which a forced run stops before it deletes anything, having saved its progress. */
  async function forcedStoppedBeforeDeleting(bucket: MemoryStorage, settings: PlanSettings) {
    for (let limit = 8; limit < 200; limit++) {
      const attempt = cloneStorage(bucket);
      const run = await budgetedRun(attempt, settings, T1, limit, { force: true });
      if (run.error?.carriesOn && run.spent.deletes().length === 0 && run.spent.puts().includes(MANIFEST)) return { bucket: attempt, run };
    }
    throw new Error('no budget stops a forced run before its deletes');
  }

  it('is finished by the runs after it, plain ones included, as a forced run that had the time would have', async () => {
    // Prepare: the plain run is refused; the forced one stops before it unpublishes anything
    const { bucket, settings } = await halfDeleted();
    const refused = await outcomeOf(runOn(cloneStorage(bucket), settings, T1));
    expect(refused.error?.refused).toBe(true);
    const reference = cloneStorage(bucket);
    await runOn(reference, settings, T1, { force: true });
    const { bucket: stopped } = await forcedStoppedBeforeDeleting(bucket, settings);
    expect(manifestOf(stopped).approvedLeaving).toEqual(Array.from({ length: 10 }, (_, n) => fileOf(n)).sort());

    // Act: the next scheduled run, not forced
    const next = await outcomeOf(runOn(stopped, settings, T2));

    // Assess: it unpublishes the ten, drops the approval, and the site is the forced run's
    expect(next.error).toBeUndefined();
    expect(next.summary!.articles.unpublished).toBe(10);
    // Its report says why the guard let them through.
    expect(next.summary!.warnings).toContainEqual(
      expect.stringMatching(
        /^10 of the articles leaving were approved by a forced run that stopped before unpublishing them \(approvedLeaving\): 2025-01-01-n0\.txt, /,
      ),
    );
    expect(manifestOf(stopped).approvedLeaving).toBeUndefined();
    const site = (objects: Objects) =>
      Object.fromEntries(Object.entries(snapshot(objects)).filter(([key]) => !key.startsWith('_publish/')));
    expect(site(stopped.objects)).toEqual(site(reference.objects));
    expect(danglingLinks(stopped.objects, 'reachable')).toEqual([]);
  });

  it('approves only what the forced run was told to unpublish: more seeds deleted afterwards are guarded as ever', async () => {
    // Prepare
    const { bucket, settings } = await halfDeleted();
    const { bucket: stopped } = await forcedStoppedBeforeDeleting(bucket, settings);

    // Act: five more seeds deleted (25 % of the 20 published), then a plain run
    for (let n = 10; n < 15; n++) await stopped.delete(SEEDS + fileOf(n));
    const next = await outcomeOf(runOn(stopped, settings, T2));

    // Assess: refused for the five, not for the ten approved; the approval is kept for the run that goes through
    expect(next.error?.refused).toBe(true);
    expect(next.error?.message).toMatch(/would unpublish 5 of 20 published articles/);
    expect(manifestOf(stopped).approvedLeaving).toHaveLength(10);
  });

  it('leaves no approval behind when it completes in one run', async () => {
    // Prepare
    const { bucket, settings } = await halfDeleted();

    // Act
    await runOn(bucket, settings, T1, { force: true });

    // Assess
    expect(manifestOf(bucket).approvedLeaving).toBeUndefined();
    const after = await runOn(bucket, settings, T2);
    expect(after.warnings.filter((warning) => warning.includes('approvedLeaving'))).toEqual([]);
  });
});
