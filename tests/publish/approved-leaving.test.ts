/**
 * The approval a forced run that stops or fails leaves behind (`approvedLeaving` in the
 * manifest): what it approves, how long it lasts, and what the runs that carry on from it do
 * with it. The seeds are kept in the bucket under `seeds/`, as SEEDS_SOURCE=bucket has them.
 */
import { describe, expect, it } from 'vitest';
import type { PublishRequest } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { SITE_FILES } from '../../src/site-files.js';
import type { Storage } from '../../src/storage/storage.js';
import type { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, testFeedConfig, text, utf8 } from './support.js';
import { cloneStorage, MANIFEST } from './support-site.js';
import { linksOf } from './site-links.js';
import { budgetedRun, noteContent as contentOf, noteFile as fileOf, notesBucket, outcomeOf, runOn, SEEDS } from './support-runs.js';

/** The first publish, the forced run (stopped), and the runs after it. All after every article's day. */
const T0 = new Date('2026-03-01T06:00:00.000Z');
const T1 = new Date('2026-03-02T06:00:00.000Z');
const T2 = new Date('2026-03-03T06:00:00.000Z');
const T3 = new Date('2026-03-04T06:00:00.000Z');
/** A day after all of them: a seed moved to it leaves the site (held until then). */
const LATER = '2026-12-01';
const HUB = 'https://hub.example.org/';

// ---------------------------------------------------------------------------------------------
// Seeds and the bucket

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** A bucket with notes `from`..`from + count - 1` under `seeds/`. */
const bucketWith = (from: number, count: number): MemoryStorage => notesBucket(from, from + count);

async function putSeed(bucket: Storage, n: number, content = contentOf(n)): Promise<void> {
  await bucket.put(SEEDS + fileOf(n), utf8(content), { contentType: 'text/plain' });
}

/** The guard of the brief: 20 % (UNPUBLISH_MAX_SHARE's default). */
function settingsOf(itemLimit: number, extra: Record<string, unknown> = {}): PlanSettings {
  return { config: testFeedConfig({ itemLimit, ...extra }), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
}

/** The manifest as the bucket holds it, parsed. */
const manifestOf = (bucket: MemoryStorage) =>
  JSON.parse(text(bucket.objects.get(MANIFEST)!.body)) as { approvedLeaving?: string[]; pendingPings?: string[]; settled?: unknown };

const pageKeys = (bucket: MemoryStorage) => [...bucket.objects.keys()].filter((key) => key.startsWith('articles/')).sort();

type Stopped = Awaited<ReturnType<typeof budgetedRun>>;

/** The first budget under which a run on a copy of `bucket` stops as `wanted` says; the copy and the run. */
async function firstStop(
  bucket: MemoryStorage,
  settings: PlanSettings,
  now: Date,
  request: PublishRequest,
  wanted: (run: Stopped) => boolean,
  fetch?: typeof globalThis.fetch,
): Promise<{ bucket: MemoryStorage; run: Stopped }> {
  for (let limit = 5; limit < 400; limit++) {
    const attempt = cloneStorage(bucket);
    const run = await budgetedRun(attempt, settings, now, limit, request, fetch);
    if (run.summary) break;
    if (run.error.carriesOn && run.spent.puts().includes(MANIFEST) && wanted(run)) return { bucket: attempt, run };
  }
  throw new Error('no budget stops the run that way');
}

/**
 * Every stop of a forced run at T1 on a copy of `bucket` that saves its progress (one per budget
 * of storage calls, until a budget lets it finish), each with the plain run at T2 after it.
 */
async function* forcedStopsThenPlainRun(bucket: MemoryStorage, settings: PlanSettings) {
  for (let limit = 5; limit < 200; limit++) {
    const attempt = cloneStorage(bucket);
    const run = await budgetedRun(attempt, settings, T1, limit, { force: true });
    if (run.summary) return;
    if (!run.error.carriesOn) continue;
    yield { limit, attempt, run, next: await outcomeOf(runOn(attempt, settings, T2)) };
  }
}

/** A forced run stopped before it deletes anything, having saved its progress. */
const beforeDeleting = (run: Stopped) => run.spent.deletes().length === 0;

// ---------------------------------------------------------------------------------------------
// Where the site's links lead

/** Links from the index, the feeds and the archives to objects that are not there. */
function danglingLinks(bucket: MemoryStorage): string[] {
  const missing: string[] = [];
  const documents: string[] = [SITE_FILES.index, SITE_FILES.rss, SITE_FILES.atom, SITE_FILES.json];
  documents.push(...[...bucket.objects.keys()].filter((key) => key.startsWith('archive/')));
  for (const key of documents.filter((document) => bucket.objects.has(document))) {
    for (const target of linksOf(key, text(bucket.objects.get(key)!.body)))
      if (!bucket.objects.has(target)) missing.push(`${key} → ${target}`);
  }
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** `count` articles, 5 a feed, published at T0; then the seeds of articles `gone` deleted. */
async function publishedThenDeleted(count: number, gone: readonly number[], settings = settingsOf(5)) {
  const bucket = bucketWith(0, count);
  await runOn(bucket, settings, T0);
  for (const n of gone) await bucket.delete(SEEDS + fileOf(n));
  return { bucket, settings };
}

describe('what a stopped forced run approves', () => {
  // 80 articles: the first batch of 64 seeds holds the twenty moved to a later day. A forced run on
  // a site too large for one run (the case the approval is for) stops while it reads: here at
  // the second batch, after it read all twenty and found them leaving.
  it('articles moved to a later day, read by a forced run that stopped before reading every seed, are unpublished by the next plain run', async () => {
    // Prepare: twenty of eighty moved to a later day; the plain run is refused after its reads
    const settings = settingsOf(5);
    const bucket = bucketWith(0, 80);
    await runOn(bucket, settings, T0);
    for (const n of range(0, 20)) await putSeed(bucket, n, seed(LATER, `Note ${n}`, `Paragraph ${n}, moved.`));
    const refused = await outcomeOf(runOn(cloneStorage(bucket), settings, T1));
    expect(refused.error?.refused).toBe(true);
    const { bucket: stopped, run } = await firstStop(
      bucket,
      settings,
      T1,
      { force: true },
      (attempt) => attempt.spent.seedGets() >= 64 && !attempt.spent.puts().includes(SITE_FILES.rss),
    );
    // Stopped while writing the pages of the first batch: all twenty were read and planned.
    expect(run.error?.message).toMatch(/^stopped before reading seeds/);

    // Act: the next scheduled run, not forced
    const next = await outcomeOf(runOn(stopped, settings, T2));

    // Assess: it finishes what the forced run was told to do
    expect(next.error?.message).toBeUndefined();
    expect(next.summary?.articles.unpublished).toBe(20);
    expect(next.summary?.held).toHaveLength(20);
  });

  it('articles moved to a later day, found by a forced run that stopped after its reads, are unpublished by the next plain run', async () => {
    // Prepare: five of twenty moved to a later day (over the four the guard allows)
    const settings = settingsOf(5);
    const bucket = bucketWith(0, 20);
    await runOn(bucket, settings, T0);
    for (const n of range(0, 5)) await putSeed(bucket, n, seed(LATER, `Note ${n}`, `Paragraph ${n}, moved.`));
    const { bucket: stopped } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    expect(manifestOf(stopped).approvedLeaving).toEqual(range(0, 5).map(fileOf));

    // Act
    const next = await outcomeOf(runOn(stopped, settings, T2));

    // Assess
    expect(next.error?.message).toBeUndefined();
    expect(next.summary?.articles.unpublished).toBe(5);
    expect(manifestOf(stopped).approvedLeaving).toBeUndefined();
    expect(danglingLinks(stopped)).toEqual([]);
  });

  it('at every point a forced run can stop with its progress saved, the next plain run completes what it was told, and the site is the forced run’s', async () => {
    // Prepare: twenty published, ten of their seeds deleted; the forced run that had the time
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const reference = cloneStorage(bucket);
    await runOn(reference, settings, T1, { force: true });
    const site = (storage: MemoryStorage) =>
      [...storage.objects].filter(([key]) => !key.startsWith('_publish/')).map(([key, object]) => [key, text(object.body)]);
    const problems: string[] = [];
    let stops = 0;

    // Act: each stop, then the next plain run
    for await (const { limit, attempt, run, next } of forcedStopsThenPlainRun(bucket, settings)) {
      stops++;

      // Assess
      if (next.error) problems.push(`stopped at ${limit} (${run.error!.message}): ${next.error.message}`);
      else if (JSON.stringify(site(attempt)) !== JSON.stringify(site(reference))) problems.push(`stopped at ${limit}: another site`);
      else if (manifestOf(attempt).approvedLeaving !== undefined) problems.push(`stopped at ${limit}: the approval is left`);
    }
    expect(stops).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});

describe('what a run that leaves an approval says', () => {
  it('the stopped forced run, and a plain run that stops before finishing it, each say which articles the next runs unpublish without force', async () => {
    // Prepare: ten of twenty seeds deleted (over the four the guard allows)
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const approved = range(0, 10).map(fileOf);
    const said =
      /^the runs that carry on unpublish, without force, the 10 articles a forced run was told to unpublish \(approvedLeaving\): /;

    // Act: the forced run stops as soon as it has read; a plain run then stops before the feeds
    const forced = await budgetedRun(bucket, settings, T1, 5, { force: true });
    const carried = await budgetedRun(bucket, settings, T2, 5);

    // Assess
    expect(forced.error?.carriesOn).toBe(true);
    expect(carried.error?.message).toMatch(/^stopped before writing archive/);
    for (const run of [forced, carried]) {
      const warning = run.error?.summary?.warnings?.find((line) => said.test(line));
      expect(warning).toBeDefined();
      expect(warning).toContain(approved[0]);
    }
    expect(manifestOf(bucket).approvedLeaving).toEqual(approved);
  });

  it('a forced run with nothing to unpublish that stops says nothing of an approval', async () => {
    // Prepare: nothing deleted
    const { bucket, settings } = await publishedThenDeleted(20, []);

    // Act
    const forced = await budgetedRun(bucket, settings, T1, 5, { force: true });

    // Assess
    expect(forced.error?.message).toMatch(/^stopped before reading seeds/);
    expect(forced.error?.summary?.warnings ?? []).not.toContainEqual(expect.stringMatching(/approvedLeaving/));
  });
});

describe('a forced run that stops or fails early', () => {
  // The deadline fires before the forced run has finished its first batch (a slow listing of a
  // large bucket, a slow store): it has written nothing, and says the next run carries on.
  it('stopped before its first batch is done: the next plain run carries on with what it was told to unpublish', async () => {
    // Prepare
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));

    // Act: stopped as soon as the listings and the manifest are read
    const stopped = await budgetedRun(bucket, settings, T1, 5, { force: true });
    const next = await outcomeOf(runOn(bucket, settings, T2));

    // Assess
    expect(stopped.error?.message).toMatch(/^stopped before reading seeds \(0 of 10 done\): .*the next run carries on$/);
    expect(next.error?.message).toBeUndefined();
    expect(next.summary?.articles.unpublished).toBe(10);
  });

  it('failing at any one write: once it saved its progress, the next plain run completes what it was told', async () => {
    // Prepare
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const problems: string[] = [];
    let saved = 0;

    for (let n = 1; n <= 40; n++) {
      const attempt = cloneStorage(bucket);
      let count = 0;
      let failedOn: string | undefined;
      // Fails the n-th write alone, as a store that refuses one request does; never the manifest.
      const failingOnce: Storage = {
        get: (key) => attempt.get(key),
        list: (prefix, options) => attempt.list(prefix, options),
        put: async (key, body, options) => {
          if (key !== MANIFEST && ++count === n) {
            failedOn = key;
            throw new Error(`injected failure of put ${key}`);
          }
          return attempt.put(key, body, options);
        },
        delete: async (key) => {
          if (++count === n) {
            failedOn = key;
            throw new Error(`injected failure of delete ${key}`);
          }
          return attempt.delete(key);
        },
      };

      // Act
      await outcomeOf(runOn(failingOnce, settings, T1, { force: true }));
      // Past the last write; a failed deletion is after the feeds, so the others are left to the next run too.
      if (failedOn === undefined) break;
      if (manifestOf(attempt).approvedLeaving === undefined) continue;
      saved++;
      const next = await outcomeOf(runOn(attempt, settings, T2));

      // Assess
      if (next.error) problems.push(`failed on ${failedOn}: ${next.error.message}`);
      else if (pageKeys(attempt).length !== 10) problems.push(`failed on ${failedOn}: ${pageKeys(attempt).length} pages left`);
    }
    expect(saved).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });
});

describe('how long an approval lasts', () => {
  it('a carry-on run that stops too keeps it, and the run that completes drops it', async () => {
    // Prepare: the forced run stopped; three new articles give the next run work to stop in
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const { bucket: stopped } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    for (const n of range(30, 33)) await putSeed(stopped, n);
    const { bucket: again } = await firstStop(stopped, settings, T2, {}, () => true);
    expect(manifestOf(again).approvedLeaving).toEqual(range(0, 10).map(fileOf));

    // Act
    const last = await outcomeOf(runOn(again, settings, T3));

    // Assess
    expect(last.error?.message).toBeUndefined();
    expect(last.summary?.articles.unpublished).toBe(10);
    expect(manifestOf(again).approvedLeaving).toBeUndefined();
    expect(pageKeys(again)).toHaveLength(13);
    expect(danglingLinks(again)).toEqual([]);
  });

  it('a carry-on run refused after its reads for articles of its own keeps the approval for the run after', async () => {
    // Prepare: the forced run stopped; then five more articles are moved to a later day and one is added
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const { bucket: stopped } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    for (const n of range(10, 15)) await putSeed(stopped, n, seed(LATER, `Note ${n}`, 'Moved.'));
    await putSeed(stopped, 30);

    // Act: refused after its reads; the dates are put back, and the next run goes through
    const refused = await outcomeOf(runOn(stopped, settings, T2));
    const approvalAfterRefusal = manifestOf(stopped).approvedLeaving;
    for (const n of range(10, 15)) await putSeed(stopped, n);
    const next = await outcomeOf(runOn(stopped, settings, T3));

    // Assess
    expect(refused.error?.refused).toBe(true);
    expect(refused.error?.message).toMatch(/would unpublish 5 of 20 published articles/);
    expect(approvalAfterRefusal).toEqual(range(0, 10).map(fileOf));
    expect(next.error?.message).toBeUndefined();
    expect(next.summary?.articles.unpublished).toBe(10);
  });

  it('seeds put back before the next run: nothing is unpublished, the approval is dropped, and the run after is settled', async () => {
    // Prepare
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const { bucket: stopped } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    for (const n of range(0, 10)) await putSeed(stopped, n);

    // Act
    const next = await outcomeOf(runOn(stopped, settings, T2));
    const written = Buffer.from(stopped.objects.get(MANIFEST)!.body);
    const after = await outcomeOf(runOn(stopped, settings, T3));

    // Assess
    expect(next.error?.message).toBeUndefined();
    expect(next.summary?.articles.unpublished).toBe(0);
    expect(pageKeys(stopped)).toHaveLength(20);
    expect(manifestOf(stopped).approvedLeaving).toBeUndefined();
    expect(after.summary?.articles.read).toBe(0);
    expect(after.summary?.objects.written).toBe(0);
    expect(Buffer.compare(Buffer.from(stopped.objects.get(MANIFEST)!.body), written)).toBe(0);
    expect(danglingLinks(stopped)).toEqual([]);
  });

  it('a dry run after the stop says what the next run will unpublish and leaves the approval', async () => {
    // Prepare
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const { bucket: stopped } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    const before = Buffer.from(stopped.objects.get(MANIFEST)!.body);

    // Act
    const dry = await outcomeOf(runOn(stopped, settings, T2, { dryRun: true }));

    // Assess
    expect(dry.error?.message).toBeUndefined();
    expect(dry.summary?.articles.unpublished).toBe(10);
    expect(dry.summary?.objects.deletedKeys.filter((key) => key.startsWith('articles/'))).toHaveLength(10);
    expect(Buffer.compare(Buffer.from(stopped.objects.get(MANIFEST)!.body), before)).toBe(0);
  });

  // The forced run was told to unpublish the ten; the user then puts their seeds back (the
  // articles stay), and the run after that stops (three new articles to publish). Later the
  // ten seeds are deleted again by mistake: nothing approved that.
  it('an article whose seed is put back is guarded again: deleted once more later, the guard refuses the run', async () => {
    // Prepare
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const { bucket: stopped } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    for (const n of range(0, 10)) await putSeed(stopped, n);
    for (const n of range(30, 33)) await putSeed(stopped, n);
    const { bucket: again } = await firstStop(stopped, settings, T2, {}, () => true);
    for (const n of range(0, 10)) await again.delete(SEEDS + fileOf(n));
    const pagesBefore = pageKeys(again);

    // Act
    const later = await outcomeOf(runOn(again, settings, T3));

    // Assess: refused as any deletion of ten of the published is; the pages are still there
    expect(later.summary?.articles.unpublished).toBeUndefined();
    expect(later.error?.refused).toBe(true);
    expect(pageKeys(again)).toEqual(pagesBefore);
    expect(pagesBefore).toHaveLength(20);
  });

  it('a second forced run that stops approves what it was told to unpublish, not what the first was told', async () => {
    // Prepare: the first forced run stopped; five of the ten seeds are put back; a second forced run stops
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const { bucket: first } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    for (const n of range(0, 5)) await putSeed(first, n);
    const { bucket: second } = await firstStop(first, settings, T2, { force: true }, beforeDeleting);

    // Act: the five put back are deleted again (five of twenty: over the four allowed)
    const approval = manifestOf(second).approvedLeaving;
    for (const n of range(0, 5)) await second.delete(SEEDS + fileOf(n));
    const next = await outcomeOf(runOn(second, settings, T3));

    // Assess
    expect(approval).toEqual(range(5, 10).map(fileOf));
    expect(next.error?.refused).toBe(true);
  });
});

describe('the approval beside the rest of the manifest', () => {
  it('with the manifest lost, or articles moved to a later day: at every point a forced run stops with its progress saved, the next plain run completes it', async () => {
    // Prepare: two sites the plain run refuses
    const lost = await publishedThenDeleted(20, range(0, 10));
    await lost.bucket.delete(MANIFEST);
    const moved = await publishedThenDeleted(20, []);
    for (const n of range(0, 5)) await putSeed(moved.bucket, n, seed(LATER, `Note ${n}`, 'Moved.'));
    const problems: string[] = [];
    let stops = 0;

    for (const [name, { bucket, settings }, left] of [
      ['manifest lost', lost, 10],
      ['moved later', moved, 15],
    ] as const) {
      // Act: each stop, then the next plain run
      for await (const { limit, attempt, next } of forcedStopsThenPlainRun(bucket, settings)) {
        stops++;

        // Assess
        if (next.error) problems.push(`${name}, stopped at ${limit}: ${next.error.message}`);
        else if (pageKeys(attempt).length !== left) problems.push(`${name}, stopped at ${limit}: ${pageKeys(attempt).length} pages left`);
        else if (danglingLinks(attempt).length > 0) problems.push(`${name}, stopped at ${limit}: ${danglingLinks(attempt).join(', ')}`);
      }
    }
    expect(stops).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it('a malformed approval is not trusted: the run says so and the guard counts every article leaving', async () => {
    // Prepare: the stopped forced run's manifest, its approval edited into a list of numbers
    const { bucket, settings } = await publishedThenDeleted(20, range(0, 10));
    const { bucket: stopped } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    const edited = text(stopped.objects.get(MANIFEST)!.body).replace(/"approvedLeaving": \[[^\]]*\]/, '"approvedLeaving": [1, 2]');
    await stopped.put(MANIFEST, utf8(edited), { contentType: 'application/json' });

    // Act
    const next = await outcomeOf(runOn(stopped, settings, T2));

    // Assess
    expect(next.error?.refused).toBe(true);
    expect(next.error?.summary?.warnings?.join('\n')).toMatch(/malformed "approvedLeaving"/);
    expect(pageKeys(stopped)).toHaveLength(20);
  });

  it('two forced runs stopped at the same point write the same manifest bytes, its approval sorted', async () => {
    // Prepare
    const { bucket, settings } = await publishedThenDeleted(20, [9, 3, 7, 0, 5]);
    const { run } = await firstStop(bucket, settings, T1, { force: true }, beforeDeleting);
    const limit = run.spent.calls.length;

    // Act
    const one = cloneStorage(bucket);
    const two = cloneStorage(bucket);
    await budgetedRun(one, settings, T1, limit, { force: true });
    await budgetedRun(two, settings, T1, limit, { force: true });

    // Assess
    expect(text(one.objects.get(MANIFEST)!.body)).toBe(text(two.objects.get(MANIFEST)!.body));
    expect(manifestOf(one).approvedLeaving).toEqual([0, 3, 5, 7, 9].map(fileOf));
  });

  it('with a WebSub hub: a forced run stopped after the feeds, before deleting, leaves pings and approval; the next run sends them and drops both', async () => {
    // Prepare
    const settings = settingsOf(5, { websubHub: HUB });
    const pings: string[] = [];
    const hub = async (_input: string | URL | Request, init?: RequestInit) => {
      pings.push(new URLSearchParams(String(init?.body)).get('hub.url')!);
      return new Response(null, { status: 204 });
    };
    const bucket = bucketWith(0, 20);
    await runOn(bucket, settings, T0, {}, hub);
    for (const n of range(0, 10)) await bucket.delete(SEEDS + fileOf(n));
    pings.length = 0;
    const { bucket: stopped } = await firstStop(
      bucket,
      settings,
      T1,
      { force: true },
      (run) => beforeDeleting(run) && run.spent.puts().includes(SITE_FILES.rss),
      hub,
    );
    const left = manifestOf(stopped);
    expect(left.pendingPings).toHaveLength(3);
    expect(left.approvedLeaving).toHaveLength(10);

    // Act
    const next = await outcomeOf(runOn(stopped, settings, T2, {}, hub));

    // Assess
    expect(next.error?.message).toBeUndefined();
    expect(next.summary?.articles.unpublished).toBe(10);
    expect(pings).toHaveLength(3);
    expect(manifestOf(stopped).pendingPings).toBeUndefined();
    expect(manifestOf(stopped).approvedLeaving).toBeUndefined();
  });
});
