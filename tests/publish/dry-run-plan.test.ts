/**
 * "A dry run is the plan printed". For each state a site can be in (first publish into an
 * empty or missing folder, settled, one article added, edited or deleted, deletions over the
 * unpublish guard's share with and without force, drift behind the publisher's back, a lost
 * manifest, a seed that became unparseable, a held article whose day came, a folder copied
 * elsewhere, an approval left by a stopped forced run, a WebSub hub), a dry run on one copy of
 * the state is compared with a real run on an identical copy:
 *  1. the dry run writes, deletes and creates nothing (no put, no delete, no file, no folder,
 *     no temp file, no manifest) and sends no ping;
 *  2. it reports exactly the keys the real run then writes and deletes, the same counts, the same
 *     published / rejected / held / unpublished articles, the same warnings, the same refusal;
 *  3. the real run that follows it behaves as if the dry run had never happened.
 * Memory buckets (seeds under `seeds/`) for the planner's states; real folders and the CLI for
 * the folder's own behaviour (inodes, temp files, a missing output folder).
 */
import { cp, mkdir, readdir, lstat, rm, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../handlers/publish.js';
import { runCli } from '../../src/cli.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { publish, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import type { Storage } from '../../src/storage/storage.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import { fakeIo, lines } from '../helpers/cli-io.js';
import type { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, tempDir, testFeedConfig, text, utf8, writeSeeds, type TempDir } from './support.js';
import { cloneStorage, MANIFEST, under } from './support-site.js';
import {
  budget,
  budgetedRun,
  bucketState as stateOf,
  noteContent as contentOf,
  noteFile as fileOf,
  notesBucket as bucketWith,
  outcomeOf,
  runOn,
  SEEDS,
  type Outcome,
} from './support-runs.js';

// ---------------------------------------------------------------------------------------------
// Clocks, seeds and settings

const T0 = new Date('2026-03-01T06:00:00.000Z');
const T1 = new Date('2026-03-02T06:00:00.000Z');
const T2 = new Date('2026-03-03T06:00:00.000Z');
const HUB = 'https://hub.example.org/';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** itemLimit 5, so that twelve articles make archives; the guard at its default 20 %. */
function settingsOf(extra: Record<string, unknown> = {}, itemLimit = 5): PlanSettings {
  return { config: testFeedConfig({ itemLimit, ...extra }), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
}

async function putSeed(bucket: Storage, n: number, content = contentOf(n)): Promise<void> {
  await bucket.put(SEEDS + fileOf(n), utf8(content), { contentType: 'text/plain' });
}

/** Twelve articles published at T0 (itemLimit 5: the feeds and two archive pages). */
async function published(settings = settingsOf()): Promise<MemoryStorage> {
  const bucket = bucketWith(0, 12);
  const first = await outcomeOf(runOn(bucket, settings, T0));
  if (!first.summary) throw first.error;
  return bucket;
}

// ---------------------------------------------------------------------------------------------
// The comparison

/** What a dry run and a real run of the same state have to agree on. */
function planOf(outcome: Outcome) {
  if (outcome.error) {
    const summary = outcome.error.summary;
    return {
      error: outcome.error.message,
      refused: outcome.error.refused,
      carriesOn: outcome.error.carriesOn,
      warnings: summary?.warnings ?? [],
      rejected: summary?.rejected ?? [],
      articles: summary?.articles,
      writtenKeys: [...(summary?.objects?.writtenKeys ?? [])].sort(),
      deletedKeys: [...(summary?.objects?.deletedKeys ?? [])].sort(),
    };
  }
  const { durationMs: _d, dryRun: _dry, pings: _pings, objects, ...rest } = outcome.summary;
  return {
    ...rest,
    objects: { ...objects, writtenKeys: [...objects.writtenKeys].sort(), deletedKeys: [...objects.deletedKeys].sort() },
  };
}

interface Compared {
  dry: Outcome;
  real: Outcome;
  /** What the real run sent to the storage, the manifest left out. */
  realPuts: string[];
  realDeletes: string[];
  /** What the dry run sent to the storage (puts and deletes), seeds included. */
  dryWrites: string[];
  dryBefore: Record<string, string>;
  dryAfter: Record<string, string>;
  /** The real run on the copy the dry run saw, and the final states of the two copies. */
  afterDry: Outcome;
  afterDryState: Record<string, string>;
  realState: Record<string, string>;
  dryPings: number;
  realPings: number;
}

/** A hub that accepts every notification, counting them. */
function countingHub() {
  const calls: string[] = [];
  const hubFetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push(`${String(url)} ${String(init?.body ?? '')}`);
    return new Response(null, { status: 204 });
  }) as typeof fetch;
  return { calls, fetch: hubFetch };
}

/**
 * A dry run on one copy of `bucket`, a real run on another; then a real run on the copy the dry
 * run saw, which must do what the first real run did.
 */
async function dryAgainstReal(bucket: MemoryStorage, settings: PlanSettings, now: Date, request: PublishRequest = {}): Promise<Compared> {
  const dryCopy = cloneStorage(bucket);
  const realCopy = cloneStorage(bucket);
  const dryBefore = stateOf(dryCopy);
  const dryHub = countingHub();
  const realHub = countingHub();
  const dryCalls = budget(Number.MAX_SAFE_INTEGER);
  const dry = await outcomeOf(runOn(dryCalls.wrap(dryCopy), settings, now, { ...request, dryRun: true }, dryHub.fetch));
  const dryAfter = stateOf(dryCopy);
  const realCalls = budget(Number.MAX_SAFE_INTEGER);
  const real = await outcomeOf(runOn(realCalls.wrap(realCopy), settings, now, request, realHub.fetch));
  const afterDry = await outcomeOf(runOn(dryCopy, settings, now, request, countingHub().fetch));
  return {
    dry,
    real,
    realPuts: realCalls
      .puts()
      .filter((key) => key !== MANIFEST)
      .sort(),
    realDeletes: realCalls.deletes().sort(),
    dryWrites: [...dryCalls.puts(), ...dryCalls.deletes()],
    dryBefore,
    dryAfter,
    afterDry,
    afterDryState: stateOf(dryCopy),
    realState: stateOf(realCopy),
    dryPings: dryHub.calls.length,
    realPings: realHub.calls.length,
  };
}

/** The three promises, asserted together. */
function expectDryRunIsThePlan(c: Compared): void {
  // (1) nothing written, deleted or sent
  expect(c.dryWrites).toEqual([]);
  expect(c.dryAfter).toEqual(c.dryBefore);
  expect(c.dryPings).toBe(0);
  // (2) the same plan as the real run's, and the keys the real run then wrote and deleted
  expect(planOf(c.dry)).toEqual(planOf(c.real));
  if (c.dry.summary) {
    expect(c.dry.summary.dryRun).toBe(true);
    expect([...c.dry.summary.objects.writtenKeys].sort()).toEqual(c.realPuts);
    expect([...c.dry.summary.objects.deletedKeys].sort()).toEqual(c.realDeletes);
  }
  // (3) the real run after the dry run does what the real run without it did
  expect(planOf(c.afterDry)).toEqual(planOf(c.real));
  expect(c.afterDryState).toEqual(c.realState);
}

// ---------------------------------------------------------------------------------------------

describe('a dry run against a real run of the same bucket state', () => {
  it('first publish into an empty bucket: the dry run lists every object the real run writes', async () => {
    // Prepare
    const bucket = bucketWith(0, 12);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T0);

    // Assess
    expect(c.real.summary?.objects.written).toBeGreaterThan(12);
    expectDryRunIsThePlan(c);
  });

  it('nothing changed (settled): the dry run reports the settled run and writes nothing', async () => {
    // Prepare
    const bucket = await published();
    await runOn(bucket, settingsOf(), T0);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.objects.written).toBe(0);
    expectDryRunIsThePlan(c);
  });

  it('one article added', async () => {
    // Prepare
    const bucket = await published();
    await putSeed(bucket, 20);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.objects.writtenKeys).toContain('articles/2025-01-21-note-20.html');
    expectDryRunIsThePlan(c);
  });

  it('one article added that opens a new archive page', async () => {
    // Prepare: 15 published with itemLimit 5, then a sixteenth
    const bucket = bucketWith(0, 15);
    await runOn(bucket, settingsOf(), T0);
    await putSeed(bucket, 20);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.objects.writtenKeys.some((key) => key.startsWith('archive/'))).toBe(true);
    expectDryRunIsThePlan(c);
  });

  it('one article edited', async () => {
    // Prepare
    const bucket = await published();
    await putSeed(bucket, 11, contentOf(11, ' Corrected.'));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.articles.read).toBe(1);
    expectDryRunIsThePlan(c);
  });

  it('an archived article edited', async () => {
    // Prepare
    const bucket = await published();
    await putSeed(bucket, 1, contentOf(1, ' Corrected.'));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expectDryRunIsThePlan(c);
  });

  it('one article deleted from the feeds (an older one enters them)', async () => {
    // Prepare
    const bucket = await published();
    await bucket.delete(SEEDS + fileOf(11));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.articles.unpublished).toBe(1);
    expectDryRunIsThePlan(c);
  });

  it('one archived article deleted', async () => {
    // Prepare
    const bucket = await published();
    await bucket.delete(SEEDS + fileOf(0));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.objects.deletedKeys).toContain('articles/2025-01-01-note-0.html');
    expectDryRunIsThePlan(c);
  });

  it('deletions over the guard share: both refused with the same message, nothing written', async () => {
    // Prepare: 4 of 12 gone, 20 % allows 2
    const bucket = await published();
    for (const n of [0, 3, 6, 9]) await bucket.delete(SEEDS + fileOf(n));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.error?.refused).toBe(true);
    expect(c.dry.error?.refused).toBe(true);
    expectDryRunIsThePlan(c);
  });

  it('deletions over the guard share, forced: the dry run lists the deletions the forced run makes', async () => {
    // Prepare
    const bucket = await published();
    for (const n of [0, 3, 6, 9]) await bucket.delete(SEEDS + fileOf(n));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1, { force: true });

    // Assess
    expect(c.real.summary?.articles.unpublished).toBe(4);
    expectDryRunIsThePlan(c);
  });

  it('seeds dated later by mistake (refused after the reads): both refused, the dry run writes no page', async () => {
    // Prepare: four published articles moved to a day after the clock
    const bucket = await published();
    for (const n of [2, 5, 8, 11]) await putSeed(bucket, n, seed('2026-12-01', `Note ${n}`, 'Moved.'));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.error?.refused).toBe(true);
    expectDryRunIsThePlan(c);
  });

  it('a new article and deletions over the share after the reads: the dry run writes no page either', async () => {
    // Prepare: three moved later (25 % of 12) and one new article whose page a real run writes first
    const bucket = await published();
    for (const n of [2, 5, 8]) await putSeed(bucket, n, seed('2026-12-01', `Note ${n}`, 'Moved.'));
    await putSeed(bucket, 30);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.error?.refused).toBe(true);
    expectDryRunIsThePlan(c);
  });
});

describe('a dry run against a real run: drift, loss and damage', () => {
  it('a page deleted behind the publisher’s back', async () => {
    // Prepare
    const bucket = await published();
    await bucket.delete('articles/2025-01-06-note-5.html');

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.objects.writtenKeys).toEqual(['articles/2025-01-06-note-5.html']);
    expectDryRunIsThePlan(c);
  });

  it('a page and a feed altered behind the publisher’s back', async () => {
    // Prepare
    const bucket = await published();
    await bucket.put('articles/2025-01-11-note-10.html', utf8('<p>defaced</p>'), { contentType: 'text/html' });
    await bucket.put('rss.xml', utf8('<rss/>'), { contentType: 'application/xml' });

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.objects.writtenKeys).toEqual(expect.arrayContaining(['articles/2025-01-11-note-10.html', 'rss.xml']));
    expectDryRunIsThePlan(c);
  });

  it('an archive document deleted and a stray archive beyond the archive', async () => {
    // Prepare
    const bucket = await published();
    const archiveKeys = [...bucket.objects.keys()].filter((key) => key.startsWith('archive/'));
    await bucket.delete(archiveKeys[0]!);
    await bucket.put('archive/9.xml', utf8('<rss/>'), { contentType: 'application/xml' });

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expectDryRunIsThePlan(c);
  });

  it('a lost manifest: recovered from the published feeds, with the same warning', async () => {
    // Prepare
    const bucket = await published();
    await bucket.delete(MANIFEST);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.warnings.join('\n')).toMatch(/missing/);
    expectDryRunIsThePlan(c);
  });

  it('a lost manifest and one seed deleted meanwhile', async () => {
    // Prepare
    const bucket = await published();
    await bucket.delete(MANIFEST);
    await bucket.delete(SEEDS + fileOf(10));

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.articles.unpublished).toBe(1);
    expectDryRunIsThePlan(c);
  });

  it('a damaged manifest', async () => {
    // Prepare
    const bucket = await published();
    await bucket.put(MANIFEST, utf8('{"version": 99'), { contentType: 'application/json' });

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expectDryRunIsThePlan(c);
  });

  it('a published seed that became unparseable: rejected, its last good version kept', async () => {
    // Prepare
    const bucket = await published();
    await putSeed(bucket, 7, 'no header here\n');

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.rejected).toEqual([expect.objectContaining({ file: fileOf(7), keptPublished: true })]);
    expectDryRunIsThePlan(c);
  });

  it('a held article whose day has come', async () => {
    // Prepare: one article dated T1, published at T0 as held
    const bucket = await published();
    await bucket.put(`${SEEDS}2026-03-02-due.txt`, utf8(seed('2026-03-02', 'Due Tomorrow', 'Soon.')), { contentType: 'text/plain' });
    await runOn(bucket, settingsOf(), T0);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.articles.published).toBe(13);
    expectDryRunIsThePlan(c);
  });

  it('a changed page setting rewrites every page: the dry run lists them all', async () => {
    // Prepare
    const bucket = await published();

    // Act
    const c = await dryAgainstReal(bucket, settingsOf({ title: 'Example News, renamed' }), T1);

    // Assess
    expectDryRunIsThePlan(c);
  });
});

describe('a dry run against a real run: less common states', () => {
  it('a manifest of the first version (legacy): every seed read once to rebuild it', async () => {
    // Prepare
    const bucket = await published();
    const v1 = { version: 1, objects: {}, articles: { 'tag:news.example.org,2026:articles/2025-01-01-n0': { hash: 'an older text' } } };
    await bucket.put(MANIFEST, utf8(JSON.stringify(v1)), { contentType: 'application/json' });

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.warnings.join('\n')).toMatch(/earlier version/);
    expectDryRunIsThePlan(c);
  });

  it('two seeds whose ids collide: the newcomer refused in both', async () => {
    // Prepare
    const bucket = await published();
    await bucket.put(SEEDS + fileOf(4).replace('.txt', '.TXT'), utf8(contentOf(4, ' Twin.')), { contentType: 'text/plain' });

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expect(c.real.summary?.rejected).toHaveLength(1);
    expectDryRunIsThePlan(c);
  });

  it('a seed over MAX_SEED_BYTES: refused from its listing in both', async () => {
    // Prepare
    const settings: PlanSettings = { ...settingsOf(), limits: { seedBytes: 1024, feedBytes: 1024 * 1024 } };
    const bucket = bucketWith(0, 12);
    await runOn(bucket, settings, T0);
    await putSeed(bucket, 6, contentOf(6, ' padding'.repeat(200)));
    await putSeed(bucket, 21, contentOf(21, ' padding'.repeat(200)));

    // Act
    const c = await dryAgainstReal(bucket, settings, T1);

    // Assess
    expect(c.real.summary?.rejected.map((entry) => entry.keptPublished)).toEqual([true, false]);
    expectDryRunIsThePlan(c);
  });

  it('the clock set back before the last run', async () => {
    // Prepare
    const bucket = await published();
    await runOn(bucket, settingsOf(), T2);

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1);

    // Assess
    expectDryRunIsThePlan(c);
  });

  it('forced on a settled site: the dry run lists every object the forced run rewrites', async () => {
    // Prepare
    const bucket = await published();

    // Act
    const c = await dryAgainstReal(bucket, settingsOf(), T1, { force: true });

    // Assess
    expect(c.real.summary?.objects.written).toBeGreaterThan(12);
    expectDryRunIsThePlan(c);
  });

  it('after a first publish stopped part way: the dry run lists what the run carrying on writes', async () => {
    // Prepare: 80 articles, a first publish stopped after its first batch saved progress
    const settings = settingsOf();
    let stopped: MemoryStorage | undefined;
    for (let limit = 70; limit < 400 && !stopped; limit++) {
      const attempt = bucketWith(0, 80);
      const run = await budgetedRun(attempt, settings, T0, limit);
      if (run.error?.carriesOn && run.spent.puts().includes(MANIFEST)) stopped = attempt;
    }
    if (!stopped) throw new Error('no budget stops the first publish');

    // Act
    const c = await dryAgainstReal(stopped, settings, T1);

    // Assess
    expect(c.real.summary?.objects.written).toBeGreaterThan(0);
    expectDryRunIsThePlan(c);
  });
});

describe('a dry run against a real run: an approval left by a stopped forced run', () => {
  /** Twenty published, ten seeds deleted, a forced run stopped before its deletions. */
  async function stoppedForcedRun(): Promise<{ bucket: MemoryStorage; settings: PlanSettings }> {
    const settings = settingsOf();
    const bucket = bucketWith(0, 20);
    await runOn(bucket, settings, T0);
    for (const n of range(0, 10)) await bucket.delete(SEEDS + fileOf(n));
    for (let limit = 5; limit < 400; limit++) {
      const attempt = cloneStorage(bucket);
      const run = await budgetedRun(attempt, settings, T1, limit, { force: true });
      if (run.summary) break;
      if (run.error.carriesOn && run.spent.puts().includes(MANIFEST) && run.spent.deletes().length === 0) {
        const manifest = JSON.parse(text(attempt.objects.get(MANIFEST)!.body)) as { approvedLeaving?: string[] };
        if (manifest.approvedLeaving?.length === 10) return { bucket: attempt, settings };
      }
    }
    throw new Error('no budget stops the forced run before its deletions');
  }

  it('the plain dry run lists the approved deletions the plain real run makes, and keeps the approval', async () => {
    // Prepare
    const { bucket, settings } = await stoppedForcedRun();

    // Act
    const c = await dryAgainstReal(bucket, settings, T2);

    // Assess
    expect(c.real.summary?.articles.unpublished).toBe(10);
    expectDryRunIsThePlan(c);
  });

  it('with two of the approved seeds put back and two other seeds deleted', async () => {
    // Prepare
    const { bucket, settings } = await stoppedForcedRun();
    await putSeed(bucket, 0);
    await putSeed(bucket, 1);
    await bucket.delete(SEEDS + fileOf(15));

    // Act
    const c = await dryAgainstReal(bucket, settings, T2);

    // Assess
    expectDryRunIsThePlan(c);
  });
});

describe('a dry run with a WebSub hub', () => {
  it('sends no ping where the real run notifies the hub, and leaves the notification for the real run', async () => {
    // Prepare
    const settings = settingsOf({ websubHub: HUB });
    const bucket = bucketWith(0, 12);
    await runOn(bucket, settings, T0, {}, countingHub().fetch);
    await putSeed(bucket, 20);

    // Act
    const c = await dryAgainstReal(bucket, settings, T1);

    // Assess
    expect(c.realPings).toBeGreaterThan(0);
    expect(c.real.summary?.pings?.sent.length).toBeGreaterThan(0);
    expect(c.dry.summary?.pings).toBeUndefined();
    expectDryRunIsThePlan(c);
  });

  it('with a notification left pending by a hub that failed: no ping from the dry run', async () => {
    // Prepare
    const settings = settingsOf({ websubHub: HUB });
    const bucket = bucketWith(0, 12);
    const failing = (async () => new Response('busy', { status: 503 })) as typeof fetch;
    await runOn(bucket, settings, T0, {}, failing);

    // Act
    const c = await dryAgainstReal(bucket, settings, T1);

    // Assess
    expect(c.realPings).toBeGreaterThan(0);
    expectDryRunIsThePlan(c);
  });
});

// ---------------------------------------------------------------------------------------------
// Folders: the CLI's `build`, and the folder storage's own behaviour

/** Every entry under `root` (folders too) with inode, times and size: any write, rename or new entry shows. */
async function treeOf(root: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const walk = async (folder: string, prefix: string) => {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(folder, name);
      const info = await lstat(path);
      entries[prefix + name] = `${info.isDirectory() ? 'd' : 'f'} ${info.ino} ${info.mtimeMs} ${info.ctimeMs} ${info.size}`;
      if (info.isDirectory()) await walk(path, `${prefix}${name}/`);
    }
  };
  const top = await lstat(root).catch(() => undefined);
  if (top === undefined) return {};
  entries['.'] = `d ${top.ino} ${top.mtimeMs} ${top.ctimeMs}`;
  await walk(root, '');
  return entries;
}

/** The site's files (not the manifest's folder), as keys. */
const siteFilesOf = async (root: string) =>
  Object.keys(await treeOf(root))
    .filter((key) => key !== '.' && !key.startsWith('_publish') && /\.[a-z]+$/.test(key))
    .sort();

let dir: TempDir;
let seedsDir: string;
let configFile: string;

beforeEach(async () => {
  dir = await tempDir('dry-run-');
  seedsDir = join(dir.path, 'seeds');
  await writeSeeds(seedsDir, Object.fromEntries(range(0, 12).map((n) => [fileOf(n), contentOf(n)])));
  configFile = join(dir.path, 'feed.config.json');
  await writeFile(
    configFile,
    JSON.stringify({
      title: 'Example News',
      description: 'Reports from an example newsroom.',
      siteUrl: 'https://news.example.org/',
      language: 'en',
      author: { name: 'News Desk', email: 'desk@example.org' },
      idPrefix: 'tag:news.example.org,2026:',
      publishTime: '00:00',
      timeZone: 'UTC',
      itemLimit: 5,
      ttlMinutes: 60,
    }),
  );
});

afterEach(async () => {
  await dir.remove();
});

/** `build` through the CLI, in-process; exit code and what it printed. */
async function cliBuild(out: string, ...extra: string[]) {
  const io = fakeIo(dir.path, { now: T1.toISOString() });
  const code = await runCli(['build', '--seeds', seedsDir, '--out', out, '--config', configFile, ...extra], io);
  return { code, out: lines(io.out), err: lines(io.err) };
}

/** The keys a CLI dry run says it would write and delete. */
const wouldOf = (printed: readonly string[], verb: 'write' | 'delete') =>
  printed
    .filter((line) => line.startsWith(`would ${verb} `))
    .map((line) => line.slice(`would ${verb} `.length))
    .sort();

/** A publish run into a folder, as the CLI makes it, returning its summary. */
function folderRun(out: string, request: PublishRequest = {}, now = T1): Promise<PublishSummary> {
  return publish(
    folderPublishDependencies({
      outDir: out,
      seedsDir,
      feed: settingsOf().config,
      cacheControl: 'max-age=300',
      maxUnpublishShare: 0.2,
      now: () => now,
    }),
    request,
  );
}

describe('a dry run of the CLI build into a folder', () => {
  it('into a missing folder: creates no folder, and lists the files the real build then writes', async () => {
    // Prepare
    const out = join(dir.path, 'public');
    const seedsBefore = await treeOf(seedsDir);
    const parentBefore = await readdir(dir.path);

    // Act
    const dry = await cliBuild(out, '--dry-run');
    const afterDry = { parent: await readdir(dir.path), seeds: await treeOf(seedsDir) };
    const real = await cliBuild(out);

    // Assess
    expect(dry.code).toBe(0);
    expect(afterDry.parent).toEqual(parentBefore);
    expect(afterDry.seeds).toEqual(seedsBefore);
    expect(real.code).toBe(0);
    expect(wouldOf(dry.out, 'write')).toEqual(await siteFilesOf(out));
    expect(wouldOf(dry.out, 'delete')).toEqual([]);
  });

  it('into an empty folder: the folder stays empty', async () => {
    // Prepare
    const out = join(dir.path, 'public');
    await mkdir(out);
    const before = await treeOf(out);

    // Act
    const dry = await cliBuild(out, '--dry-run');

    // Assess
    expect(dry.code).toBe(0);
    expect(await treeOf(out)).toEqual(before);
    expect(dry.out.at(-1)).toMatch(/^dry run, nothing written: 12 articles published/);
  });

  it('after an edit, an addition and a deletion: touches nothing, and lists what the real build writes and deletes', async () => {
    // Prepare
    const out = join(dir.path, 'public');
    await cliBuild(out);
    await writeFile(join(seedsDir, fileOf(11)), contentOf(11, ' Corrected.'));
    await writeFile(join(seedsDir, fileOf(20)), contentOf(20));
    await rm(join(seedsDir, fileOf(0)));
    const before = { out: await treeOf(out), seeds: await treeOf(seedsDir) };

    // Act
    const dry = await cliBuild(out, '--dry-run');
    const afterDry = { out: await treeOf(out), seeds: await treeOf(seedsDir) };
    const real = await folderRun(out);

    // Assess
    expect(dry.code).toBe(0);
    expect(afterDry).toEqual(before);
    expect(wouldOf(dry.out, 'write')).toEqual([...real.objects.writtenKeys].sort());
    expect(wouldOf(dry.out, 'delete')).toEqual([...real.objects.deletedKeys].sort());
    expect(real.objects.deletedKeys).toEqual(['articles/2025-01-01-note-0.html']);
    expect(dry.out.at(-1)).toContain(
      `${real.objects.written} files to write, ${real.objects.unchanged} unchanged, ${real.objects.deleted} to delete`,
    );
  });

  it('deletions over the share: refused as the real build is, with the same message, and nothing touched', async () => {
    // Prepare
    const out = join(dir.path, 'public');
    await cliBuild(out);
    for (const n of [0, 3, 6, 9]) await rm(join(seedsDir, fileOf(n)));
    const before = await treeOf(out);

    // Act
    const dry = await cliBuild(out, '--dry-run');
    const afterDry = await treeOf(out);
    const real = await cliBuild(out);

    // Assess
    expect(dry.code).toBe(1);
    expect(afterDry).toEqual(before);
    // The same refusal; the hint after it differs: a dry run says how to list every page too.
    expect(dry.err.slice(0, -1)).toEqual(real.err.slice(0, -1));
    expect(dry.err.at(-1)).toMatch(/--dry-run --force/);
    expect(real.code).toBe(1);
  });

  it('a temp file left by a killed build is left where it is by a dry run', async () => {
    // Prepare: a build, then a temp file as a build killed part way leaves one, old enough to tidy
    const out = join(dir.path, 'public');
    await cliBuild(out);
    const temp = join(out, 'articles', '.~tmp-left-behind');
    await writeFile(temp, 'partial');
    const old = new Date(Date.now() - 60_000);
    await utimes(temp, old, old);
    const before = await treeOf(out);

    // Act
    const dry = await cliBuild(out, '--dry-run');

    // Assess
    expect(dry.code).toBe(0);
    expect(await treeOf(out)).toEqual(before);
  });

  it('a lost manifest: the dry run writes no manifest and reports what the real build does', async () => {
    // Prepare
    const out = join(dir.path, 'public');
    await cliBuild(out);
    await rm(join(out, MANIFEST));
    await rm(join(out, 'articles', '2025-01-08-note-7.html'));
    const before = await treeOf(out);

    // Act
    const dry = await folderRun(out, { dryRun: true });
    const afterDry = await treeOf(out);
    const real = await folderRun(out);

    // Assess
    expect(afterDry).toEqual(before);
    expect(planOf({ summary: dry })).toEqual(planOf({ summary: real }));
    expect(real.objects.writtenKeys).toEqual(['articles/2025-01-08-note-7.html']);
  });
});

describe('a dry run in a site folder copied elsewhere (new inodes, same bytes)', () => {
  it('reports the files kept, not written, as the real run keeps them', async () => {
    // Prepare
    const out = join(dir.path, 'public');
    await cliBuild(out);
    const copy = join(dir.path, 'copy');
    await cp(out, copy, { recursive: true });
    const before = await treeOf(copy);

    // Act
    const dry = await folderRun(copy, { dryRun: true });
    const afterDry = await treeOf(copy);
    const real = await folderRun(copy);
    const afterReal = await treeOf(copy);

    // Assess
    expect(afterDry).toEqual(before);
    expect(planOf({ summary: dry })).toEqual(planOf({ summary: real }));
    expect(real.objects.writtenKeys).toEqual([]);
    const sameInodes = (tree: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(tree)
          .filter(([key]) => key.startsWith('articles/') || key === 'rss.xml')
          .map(([key, entry]) => [key, entry.split(' ')[1]]),
      );
    expect(sameInodes(afterReal)).toEqual(sameInodes(before));
  });

  it('with one seed edited meanwhile: lists only that page and the site files that change', async () => {
    // Prepare
    const out = join(dir.path, 'public');
    await cliBuild(out);
    const copy = join(dir.path, 'copy');
    await cp(out, copy, { recursive: true });
    await writeFile(join(seedsDir, fileOf(11)), contentOf(11, ' Corrected.'));
    const before = await treeOf(copy);

    // Act
    const dry = await folderRun(copy, { dryRun: true });
    const afterDry = await treeOf(copy);
    const real = await folderRun(copy);

    // Assess
    expect(afterDry).toEqual(before);
    expect(planOf({ summary: dry })).toEqual(planOf({ summary: real }));
  });
});

describe('a dry run stopped by its deadline', () => {
  /** The bucket's storage, its signal fired as the seed `fileName` is read (the Lambda's deadline, at a fixed point of the run). */
  function stoppingAt(bucket: MemoryStorage, fileName: string): { storage: Storage; signal: AbortSignal } {
    const controller = new AbortController();
    return {
      signal: controller.signal,
      storage: {
        get: async (key) => {
          if (key === SEEDS + fileName) controller.abort(new Error('the deadline came'));
          return bucket.get(key);
        },
        put: (key, body, options) => bucket.put(key, body, options),
        delete: (key) => bucket.delete(key),
        list: (prefix, options) => bucket.list(prefix, options),
      },
    };
  }

  it('stops as the real run stops at the same point: a stop that carries on, naming what it would have written', async () => {
    // Prepare: a first publish of 80 articles, the deadline reached as the 66th seed is read (second batch)
    const settings = settingsOf();
    const dryBucket = bucketWith(0, 80);
    const realBucket = cloneStorage(dryBucket);
    const before = stateOf(dryBucket);
    const dryStop = stoppingAt(dryBucket, fileOf(65));
    const realStop = stoppingAt(realBucket, fileOf(65));

    // Act
    const dry = await outcomeOf(runOn(dryStop.storage, settings, T0, { dryRun: true, signal: dryStop.signal }));
    const real = await outcomeOf(runOn(realStop.storage, settings, T0, { signal: realStop.signal }));

    // Assess
    expect(stateOf(dryBucket)).toEqual(before);
    expect(real.error?.carriesOn).toBe(true);
    expect(dry.error?.summary?.objects?.writtenKeys).toEqual(real.error?.summary?.objects?.writtenKeys);
    expect(dry.error?.carriesOn).toBe(true);
    expect(dry.error?.message).not.toMatch(/what was written/);
  });
});

describe('the Lambda handler asked for a dry run', () => {
  it('{"dryRun":true} writes nothing and returns the plan the next manual run carries out', async () => {
    // Prepare: a published bucket, one article added, one deleted
    const settings = settingsOf();
    const bucket = await published(settings);
    await putSeed(bucket, 20);
    await bucket.delete(SEEDS + fileOf(11));
    const dryCopy = cloneStorage(bucket);
    const realCopy = cloneStorage(bucket);
    const before = stateOf(dryCopy);
    const handlerOn = (copy: MemoryStorage) =>
      createHandler(
        { FEED_BUCKET: 'feeds-bucket', SITE_URL: 'https://news.example.org/', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
        { storage: copy, seeds: under(copy, SEEDS), settings, now: () => T1 },
      );

    // Act
    const dry = (await handlerOn(dryCopy)({ dryRun: true })) as PublishSummary;
    const real = (await handlerOn(realCopy)({})) as PublishSummary;

    // Assess
    expect(stateOf(dryCopy)).toEqual(before);
    expect(dry.dryRun).toBe(true);
    expect(planOf({ summary: dry })).toEqual(planOf({ summary: real }));
    expect(real.objects.deletedKeys).toEqual(['articles/2025-01-12-note-11.html']);
  });
});
