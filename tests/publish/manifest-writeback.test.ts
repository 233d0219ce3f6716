/**
 * The manifest a run writes back (serializeManifest with the manifest it read as `basis`, whose
 * unchanged records are copied as the lines they were read from) and the runs that depend on it:
 * the settled shortcut, saveProgress of a stopped or failing run, the second write after a WebSub
 * notification. Differential: every history is replayed in three buckets that share the seeds,
 * the settings and the clock:
 *
 *  - `main`: the history as given (stops, failures, dry runs, hand edits of the manifest);
 *  - `fresh`: the same history, but before every run its manifest loses the digest of its records,
 *    so that no line is ever copied and no run stops at the settled state: what a run that writes
 *    every record afresh and reads every record does;
 *  - `clean`: the same seeds, settings, clock and forced runs, without stops, failures, dry runs
 *    or hand edits.
 *
 * After every run the stored manifest must be canonical (the bytes serializeManifest gives for
 * what parseManifest reads from them), `main` must hold what `fresh` holds, and after the plain
 * run that follows each step `main` must hold the objects of `clean`, and what a from-scratch
 * publish of the same seeds at the same clock records for them.
 */
import { describe, expect, it, vi } from 'vitest';
import * as manifestModule from '../../src/publish/manifest.js';
import { MANIFEST_KEY, parseManifest, readManifestHead, serializeManifest, type Manifest } from '../../src/publish/manifest.js';
import { publish, PublishError, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import type { Storage } from '../../src/storage/storage.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { mulberry32 } from '../helpers/prng.js';
import { seed, testFeedConfig, text, THREE_SEEDS, utf8 } from './support.js';
import { cloneStorage, failingFrom, linkedKeys, memorySite } from './support-site.js';

vi.mock('../../src/publish/manifest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/publish/manifest.js')>();
  return { ...original, parseManifest: vi.fn(original.parseManifest) };
});

const START = new Date('2026-03-01T06:00:00.000Z');
const DAY_MS = 86_400_000;
const HUB = 'https://hub.example.org/';
const FAR_FUTURE = new Date('2200-01-01T00:00:00.000Z');
/** Whether the last run read the records (did not stop at the settled state). */
const recordsRead = () => vi.mocked(manifestModule.parseManifest).mock.calls.length > 0;

// ---------------------------------------------------------------------------------------------
// Buckets, runs and what is compared

interface Env {
  settings: PlanSettings;
  now: Date;
  /** Whether the hub accepts notifications. */
  hubAccepts: boolean;
}

const hubFetch =
  (env: Env): typeof fetch =>
  async () =>
    new Response(null, { status: env.hubAccepts ? 204 : 503 });

type Outcome = { summary: PublishSummary; error?: undefined } | { summary?: undefined; error: PublishError };

async function runOn(storage: Storage, seeds: Storage, env: Env, request: PublishRequest = {}): Promise<Outcome> {
  try {
    return { summary: await publish({ storage, seeds, settings: env.settings, now: () => env.now, fetch: hubFetch(env) }, request) };
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    return { error };
  }
}

/** The storage, counting its calls. */
function counting(storage: Storage): { storage: Storage; calls: () => number } {
  let calls = 0;
  const count = <T>(act: () => Promise<T>): Promise<T> => {
    calls++;
    return act();
  };
  return {
    calls: () => calls,
    storage: {
      get: (key, options) => count(() => storage.get(key, options)),
      put: (key, body, options) => count(() => storage.put(key, body, options)),
      delete: (key) => count(() => storage.delete(key)),
      list: (prefix, options) => count(() => storage.list(prefix, options)),
    },
  };
}

/** The storage, with a signal aborted as its `limit`-th call returns: the run stops at its next check. */
function stoppedAfter(storage: Storage, limit: number): { storage: Storage; signal: AbortSignal } {
  const controller = new AbortController();
  let calls = 0;
  const count = async <T>(act: () => Promise<T>): Promise<T> => {
    const number = ++calls;
    try {
      return await act();
    } finally {
      if (number === limit) controller.abort(new Error('the deadline'));
    }
  };
  return {
    signal: controller.signal,
    storage: {
      get: (key, options) => count(() => storage.get(key, options)),
      put: (key, body, options) => count(() => storage.put(key, body, options)),
      delete: (key) => count(() => storage.delete(key)),
      list: (prefix, options) => count(() => storage.list(prefix, options)),
    },
  };
}

const manifestBytes = (storage: MemoryStorage): Uint8Array | undefined => storage.objects.get(MANIFEST_KEY)?.body;

/** Whether the bytes are those serializeManifest writes for what parseManifest reads from them. */
function isCanonical(bytes: Uint8Array): boolean {
  const read = parseManifest(bytes, FAR_FUTURE);
  return read.problem === undefined && Buffer.from(serializeManifest(read.manifest)).equals(Buffer.from(bytes));
}

/** A value with every object's keys sorted: records equal whatever order their fields were set in. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, sortedKeys(record[key])]),
  );
}

/** The stored manifest as read, without the clock of its settled state (a run that changes nothing keeps the older one). */
function readBack(storage: MemoryStorage): unknown {
  const bytes = manifestBytes(storage);
  if (bytes === undefined) return undefined;
  const { settled, ...rest } = parseManifest(bytes, FAR_FUTURE).manifest;
  return sortedKeys({ ...rest, ...(settled ? { settled: { ...settled, from: 'any' } } : {}) });
}

/** Every object but the manifest, with the headers it is served with. */
function objectsOf(storage: MemoryStorage): Record<string, string> {
  return Object.fromEntries(
    [...storage.objects]
      .filter(([key]) => key !== MANIFEST_KEY)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, object]) => [key, `${object.contentType} | ${object.cacheControl} | ${text(object.body)}`]),
  );
}

/** The first paths at which two values differ, to say where a comparison failed. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) =>
      differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}/${key}`),
    );
  }
  return [`${path}: ${JSON.stringify(a)?.slice(0, 160)} ≠ ${JSON.stringify(b)?.slice(0, 160)}`];
}

/** The manifest as an earlier version wrote it, without the digest of its records: read whole, every record written afresh. */
async function withoutRecordsDigest(storage: MemoryStorage): Promise<void> {
  const bytes = manifestBytes(storage);
  if (bytes === undefined) return;
  const stripped = text(bytes).replace(/\n "records": "[0-9a-f]+",/, '');
  if (stripped !== text(bytes)) await storage.put(MANIFEST_KEY, utf8(stripped), { contentType: 'application/json' });
}

/** Names of records added by hand, never seeds: a number, a number with a leading zero, and JSON's hard cases. */
const HAND_NAMES = ['12', '007', 'q"uote\\back\u2028sep🎉', `${'long-'.repeat(80)}end`];

/** What a from-scratch publish records for each listed seed, and the ids of the feeds' items. */
function essentials(storage: MemoryStorage, names: readonly string[]) {
  const manifest = parseManifest(manifestBytes(storage)!, FAR_FUTURE).manifest;
  const articles = Object.fromEntries(
    names.map((name) => {
      const record = manifest.articles[name];
      return [
        name,
        record?.rejected
          ? { seed: record.seed, rejected: record.rejected }
          : { seed: record?.seed, hash: record?.hash, day: record?.day, published: record?.page !== undefined },
      ];
    }),
  );
  const feed = storage.objects.get('feed.json');
  const items = feed ? (JSON.parse(text(feed.body)) as { items: { id: string; title: string }[] }).items : [];
  const { held, rejected, seeds } = manifest.settled?.summary ?? { held: [], rejected: [], seeds: 0 };
  return {
    articles,
    items: items.map(({ id, title }) => `${id} ${title}`),
    settled: { seeds, held, rejected: rejected.map(({ file, line, reason }) => ({ file, line, reason })) },
  };
}

// ---------------------------------------------------------------------------------------------
// Seeded random histories

/** Seed file names JSON and byte order make hard: numbers, quotes, a backslash, U+2028, an emoji, full-width and long names. */
const FILE_NAMES = [
  'a.txt',
  'b.txt',
  '12.txt',
  '007.txt',
  'say "hi".txt',
  'back\\slash.txt',
  'line\u2028sep.txt',
  'emoji 🎉.txt',
  'Ωmega.txt',
  'ｆｕｌｌ.txt',
  `${'long'.repeat(60)}.txt`,
  'zeta.txt',
];
const TITLES = ['Harbour news', 'Council vote', 'Bridge opens', 'Market report', 'Weather warning'];

const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);

async function history(seedValue: number, steps: number): Promise<string[]> {
  const random = mulberry32(seedValue);
  const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const pick = <T>(values: readonly T[]) => values[int(0, values.length - 1)]!;
  const env: Env = {
    settings: { config: testFeedConfig({ itemLimit: int(2, 3) }), cacheControl: 'max-age=300', maxUnpublishShare: 1 },
    now: START,
    hubAccepts: true,
  };
  const seeds = new MemoryStorage();
  const main = new MemoryStorage();
  const fresh = new MemoryStorage();
  const clean = new MemoryStorage();
  const problems: string[] = [];
  const done: string[] = [];
  const where = () => `seed ${seedValue}, after [${done.slice(-5).join(' | ')}]`;

  // Days only move forward, each write a day after every article already due, so no article is
  // backdated into a closed archive page (see the archive layout tests below for that).
  let lastDay = START.getTime() - 20 * DAY_MS;
  const written: number[] = [];
  let version = 0;
  const writeSeed = async (name: string) => {
    const ahead = random() < 0.15 ? int(3, 8) * DAY_MS : 0;
    const due = Math.max(lastDay, ...written.filter((day) => day <= env.now.getTime()));
    const day = due + DAY_MS + ahead;
    if (ahead === 0) lastDay = day;
    written.push(day);
    await seeds.put(name, utf8(seed(dayOf(day), `${pick(TITLES)} ${int(1, 3)}`, `Paragraph ${++version} of ${name}.`)), {
      contentType: 'text/plain',
    });
  };
  const breakSeed = async (name: string) => {
    await seeds.put(name, utf8(`no header here ${++version}\n`), { contentType: 'text/plain' });
  };
  for (let i = 0; i < 6; i++) await writeSeed(pick(FILE_NAMES));

  /** The hand-edited bytes of `main`, while no run has written the manifest since. */
  let handEdited: Uint8Array | undefined;
  const checkCanonical = (when: string) => {
    const bytes = manifestBytes(main);
    if (handEdited !== undefined && bytes !== handEdited) handEdited = undefined;
    if (bytes !== undefined && handEdited === undefined && !isCanonical(bytes))
      problems.push(`${where()} ${when}: the manifest is not canonical`);
  };
  const checkAgainstFresh = (when: string) => {
    const diff = differences(readBack(main), readBack(fresh));
    if (diff.length > 0) problems.push(`${where()} ${when}: the manifest differs from one written afresh: ${diff.slice(0, 4).join('; ')}`);
    if (JSON.stringify(objectsOf(main)) !== JSON.stringify(objectsOf(fresh)))
      problems.push(`${where()} ${when}: the objects differ from those of a run that reads every record`);
  };
  /**
   * `main` and `fresh` alike: `fresh` first loses its records' digest. Both end alike, but when
   * stopped by a signal: a run that stops at the settled state checks no signal after its listings.
   */
  const runBoth = async (request: PublishRequest = {}, wrap?: (storage: Storage) => { storage: Storage; signal?: AbortSignal }) => {
    await withoutRecordsDigest(fresh);
    const outcomes: Outcome[] = [];
    for (const storage of [main, fresh]) {
      const wrapped: { storage: Storage; signal?: AbortSignal } = wrap ? wrap(storage) : { storage };
      outcomes.push(await runOn(wrapped.storage, seeds, env, { ...request, ...(wrapped.signal ? { signal: wrapped.signal } : {}) }));
    }
    const [ofMain, ofFresh] = outcomes.map((outcome) => outcome.error?.message ?? 'completed');
    const oneStopped =
      [ofMain, ofFresh].includes('completed') && [ofMain, ofFresh].some((outcome) => outcome?.startsWith('stopped before '));
    // `fresh` never holds a manifest as this version writes it, so it always writes one afresh, and
    // with writes failing that write alone may fail where `main` had nothing to write.
    const onlyFreshWroteManifest = ofMain === 'completed' && ofFresh?.endsWith(`put ${MANIFEST_KEY}`);
    if (ofMain !== ofFresh && !oneStopped && !onlyFreshWroteManifest)
      problems.push(`${where()}: the run ${ofMain}, the run reading every record ${ofFresh}`);
    return outcomes[0]!;
  };

  const plainRun = async () => {
    const outcome = await runBoth();
    const ofClean = await runOn(clean, seeds, env);
    checkCanonical('a plain run');
    checkAgainstFresh('a plain run');
    if (outcome.error !== undefined || ofClean.error !== undefined) return;
    // The clean history: the same objects; the same records but for the ones added by hand.
    if (JSON.stringify(objectsOf(main)) !== JSON.stringify(objectsOf(clean)))
      problems.push(`${where()}: the objects differ from those of the history without stops, failures or hand edits`);
    const withoutHandRecords = (value: unknown) => {
      const read = value as Manifest | undefined;
      if (!read) return read;
      const { siteInput: _siteInput, ...rest } = read;
      return { ...rest, articles: Object.fromEntries(Object.entries(read.articles).filter(([name]) => !HAND_NAMES.includes(name))) };
    };
    const diff = differences(withoutHandRecords(readBack(main)), withoutHandRecords(readBack(clean)));
    if (diff.length > 0) problems.push(`${where()}: the manifest differs from the clean history's: ${diff.slice(0, 4).join('; ')}`);
    // Nothing stays pending once the hub accepts, nor without a hub.
    const pending = parseManifest(manifestBytes(main)!, FAR_FUTURE).manifest.pendingPings;
    if (pending !== undefined && (env.hubAccepts || env.settings.config.websubHub === undefined))
      problems.push(`${where()}: ${pending.join(', ')} still pending`);
    // A seed that is gone leaves a tombstone: its day, hash, slug and edit date, nothing a page or feed is made from.
    const listed = new Set(seeds.objects.keys());
    for (const [name, record] of Object.entries(parseManifest(manifestBytes(main)!, FAR_FUTURE).manifest.articles)) {
      const extra = Object.keys(record).filter((field) => !['hash', 'day', 'slug', 'updated'].includes(field));
      if (!listed.has(name) && !HAND_NAMES.includes(name) && extra.length > 0)
        problems.push(`${where()}: the record of ${name}, whose seed is gone, keeps ${extra.join(', ')}`);
    }
    // A from-scratch publish of the same seeds at the same clock: the same seeds, hashes, days, publication and feed items.
    const scratch = new MemoryStorage();
    const ofScratch = await runOn(scratch, seeds, env);
    const keptPublished = Object.values(parseManifest(manifestBytes(main)!, FAR_FUTURE).manifest.articles).some(
      (record) => record.rejected !== undefined && record.page !== undefined,
    );
    if (ofScratch.error === undefined && !keptPublished) {
      const names = [...seeds.objects.keys()];
      const scratchDiff = differences(essentials(main, names), essentials(scratch, names));
      if (scratchDiff.length > 0)
        problems.push(`${where()}: the records differ from a from-scratch publish's: ${scratchDiff.slice(0, 4).join('; ')}`);
    }
  };

  await plainRun();
  for (let step = 0; step < steps && problems.length === 0; step++) {
    const roll = random();
    if (roll < 0.18) {
      const name = pick(FILE_NAMES);
      await writeSeed(name);
      done.push(`write ${name}`);
    } else if (roll < 0.24) {
      const name = pick(FILE_NAMES);
      await breakSeed(name);
      done.push(`break ${name}`);
    } else if (roll < 0.3) {
      const names = [...seeds.objects.keys()];
      if (names.length > 2) {
        const name = pick(names);
        await seeds.delete(name);
        done.push(`delete ${name}`);
      }
    } else if (roll < 0.38) {
      // Backwards only as far as no article's day is crossed: a page published at a later clock stays published.
      const wanted = env.now.getTime() + int(-3, 5) * DAY_MS;
      const floor = Math.max(START.getTime() - 5 * DAY_MS, ...written.filter((day) => day <= env.now.getTime()));
      env.now = new Date(Math.max(wanted, floor));
      done.push(`clock ${env.now.toISOString()}`);
    } else if (roll < 0.43) {
      const hub = env.settings.config.websubHub;
      env.settings = { ...env.settings, config: testFeedConfig({ itemLimit: int(2, 4), ...(hub ? { websubHub: hub } : {}) }) };
      done.push(`itemLimit ${env.settings.config.itemLimit}`);
    } else if (roll < 0.47) {
      env.settings = { ...env.settings, cacheControl: pick(['max-age=300', 'max-age=60', 'no-cache']) };
      done.push(`Cache-Control ${env.settings.cacheControl}`);
    } else if (roll < 0.52) {
      const on = env.settings.config.websubHub === undefined;
      env.settings = {
        ...env.settings,
        config: testFeedConfig({ itemLimit: env.settings.config.itemLimit, ...(on ? { websubHub: HUB } : {}) }),
      };
      done.push(on ? 'hub set' : 'hub removed');
    } else if (roll < 0.57) {
      env.hubAccepts = !env.hubAccepts;
      done.push(env.hubAccepts ? 'hub accepts' : 'hub fails');
    } else if (roll < 0.71) {
      const limit = int(1, 40);
      const outcome = await runBoth({}, (storage) => stoppedAfter(storage, limit));
      done.push(`stopped after call ${limit} (${outcome.error ? 'stopped' : 'completed'})`);
      checkCanonical('the stopped run');
      checkAgainstFresh('the stopped run');
    } else if (roll < 0.79) {
      const from = int(1, 14);
      const outcome = await runBoth({}, (storage) => failingFrom(storage, from));
      done.push(`writes failing from ${from} (${outcome.error ? 'failed' : 'completed'})`);
      checkCanonical('the failing run');
      checkAgainstFresh('the failing run');
    } else if (roll < 0.84) {
      const before = { objects: objectsOf(main), manifest: manifestBytes(main) };
      const force = random() < 0.5;
      await runOn(main, seeds, env, { dryRun: true, force });
      done.push(`dry run${force ? ', forced' : ''}`);
      if (JSON.stringify(objectsOf(main)) !== JSON.stringify(before.objects) || manifestBytes(main) !== before.manifest)
        problems.push(`${where()}: a dry run changed the bucket`);
    } else if (roll < 0.89) {
      await runBoth({ force: true });
      await runOn(clean, seeds, env, { force: true });
      done.push('forced run');
      checkCanonical('the forced run');
      checkAgainstFresh('the forced run');
    } else {
      const kind = int(0, 4);
      const at = random();
      for (const storage of [main, fresh]) {
        const bytes = manifestBytes(storage);
        if (bytes === undefined) continue;
        const before = text(bytes);
        const manifest = JSON.parse(before) as { articles: Record<string, Record<string, unknown>>; settled?: unknown };
        const names = Object.keys(manifest.articles).sort();
        const name = names[Math.floor(at * names.length)];
        const record = name === undefined ? undefined : manifest.articles[name];
        let after = before;
        if (kind === 0 && record?.seed !== undefined) {
          // A record's seed signature changed in its line: the seed is read again.
          after = before.replace(`"seed":${JSON.stringify(record.seed)}`, '"seed":"\\"by hand\\""');
        } else if (kind === 1 && record?.page !== undefined && record.rejected === undefined) {
          // A page's ETag changed in its line: the page is written again.
          const { etag } = record.page as { etag: string };
          after = before.replace(`"etag":${JSON.stringify(etag)}`, '"etag":"\\"by hand\\""');
        } else if (kind === 2) {
          // Records added by hand, where they sort, with slugs no article will ask for.
          const lines = HAND_NAMES.map((hand) => `  ${JSON.stringify(hand)}: ${JSON.stringify({ slug: `by-hand-${hand.length}` })},`);
          after = before.replace('\n "articles": {\n', `\n "articles": {\n${lines.join('\n')}\n`);
        } else if (kind === 3) {
          // The settled state removed.
          // Not `.*`: a file name may hold U+2028, which `.` does not match.
          after = before.replace(/\n "settled": [^\n]*,/, '');
        } else {
          // Spaces added to the head, the records untouched.
          after = before.replace('"version": 2,', '"version":   2,');
        }
        if (storage === main) done.push(`hand edit ${kind}${name === undefined ? '' : ` of ${name.slice(0, 20)}`}`);
        if (after !== before) await storage.put(MANIFEST_KEY, utf8(after), { contentType: 'application/json' });
        if (storage === main && after !== before) handEdited = manifestBytes(main);
      }
    }
    await plainRun();
  }
  return problems;
}

describe('the manifest written back over seeded random histories of runs', () => {
  const SEEDS = Array.from({ length: 16 }, (_, index) => 5000 + 7919 * index);
  it.each(SEEDS)(
    'stays canonical, holds what a run writing every record afresh holds, and converges to a clean history (seed %i)',
    async (seedValue) => {
      // Prepare, Act: 40 random steps, each followed by a plain run (history checks after every run).
      const problems = await history(seedValue, 40);

      // Assess
      expect(problems).toEqual([]);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Focused cases

/** A seed per file name that JSON or byte order makes hard, a day apart. */
function awkwardSeeds(): Record<string, string> {
  return Object.fromEntries(
    FILE_NAMES.map((name, index) => [name, seed(dayOf(Date.UTC(2026, 1, 1 + index)), `Note ${index}`, `Text of ${name}.`)]),
  );
}

describe('the manifest written back: names JSON and byte order make hard', () => {
  it('is canonical after each run that edits, adds and deletes seeds named with quotes, backslashes, U+2028, emoji, numbers and 240 characters', async () => {
    // Prepare
    const site = memorySite(awkwardSeeds(), { now: START, config: testFeedConfig({ itemLimit: 3 }), maxUnpublishShare: 0.5 });
    const canonical: boolean[] = [];

    // Act
    await site.run();
    canonical.push(isCanonical(manifestBytes(site.site)!));
    for (const name of ['say "hi".txt', 'line\u2028sep.txt', '007.txt']) {
      await site.writeSeed(name, seed('2026-02-20', `Edited ${name}`, 'Edited text.'));
      await site.run();
      canonical.push(isCanonical(manifestBytes(site.site)!));
    }
    await site.deleteSeed('emoji 🎉.txt');
    await site.run();
    canonical.push(isCanonical(manifestBytes(site.site)!));
    await site.writeSeed('12.txt', 'broken\n');
    await site.run();
    canonical.push(isCanonical(manifestBytes(site.site)!));

    // Assess
    expect(canonical).toEqual([true, true, true, true, true, true]);
    const names = Object.keys(parseManifest(manifestBytes(site.site)!, START).manifest.articles);
    expect(names).toEqual(expect.arrayContaining(FILE_NAMES));
  });

  it('copies the records of names JavaScript lists first ("12", "0"), kept by hand, as a fresh write orders them', async () => {
    // Prepare: records named like array indexes added by hand; a run rewrites the manifest with them.
    const site = memorySite(THREE_SEEDS, { now: START });
    await site.run();
    const body = text(manifestBytes(site.site)!);
    await site.site.put(
      MANIFEST_KEY,
      utf8(body.replace('\n "articles": {\n', '\n "articles": {\n  "0": {"slug":"by-hand-0"},\n  "12": {"slug":"by-hand-12"},\n')),
      { contentType: 'application/json' },
    );
    await site.writeSeed('2026-02-07-new.txt', seed('2026-02-07', 'New Note', 'New text.'));
    await site.run();
    const read = parseManifest(manifestBytes(site.site)!, START).manifest;

    // Act: the manifest that run wrote as the basis of the next.
    const next: Manifest = {
      ...read,
      articles: { ...read.articles, '3': { slug: 'by-hand-3' }, '2026-02-09-more.txt': { slug: 'more' } },
    };
    const written = serializeManifest(next, read);

    // Assess
    expect(isCanonical(manifestBytes(site.site)!)).toBe(true);
    expect(text(written)).toBe(text(serializeManifest(next)));
  });

  it('copies lines when only the head was respaced by hand, giving the bytes of a fresh write', () => {
    // Prepare: a head with spaces added (its records' digest still holds), then read.
    const manifest: Manifest = {
      version: 2,
      siteInput: 's',
      articles: {
        'a.txt': { seed: '"a"', hash: 'h', day: '2026-02-01', slug: 'a', page: { input: 'i', etag: '"p"' } },
        'b\u2028"\\.txt': { slug: 'b' },
      },
      objects: { 'rss.xml': { input: 'r', etag: '"r"' } },
    };
    const bytes = utf8(text(serializeManifest(manifest)).replace('"version": 2,', '"version":    2,'));
    const read = parseManifest(bytes, START).manifest;
    const next: Manifest = { ...read, siteInput: 't', articles: { ...read.articles, 'c.txt': { slug: 'c' } } };

    // Act
    const written = serializeManifest(next, read);

    // Assess
    expect(readManifestHead(bytes)).toBeDefined();
    expect(text(written)).toBe(text(serializeManifest(next)));
  });

  it('writes afresh the records parseManifest changed for edit dates after the clock, and copies the rest', () => {
    // Prepare
    const manifest: Manifest = {
      version: 2,
      siteInput: 's',
      articles: {
        'a.txt': {
          seed: '"a"',
          hash: 'h',
          day: '2026-02-01',
          slug: 'a',
          updated: '2099-01-01T00:00:00.000Z',
          page: { input: 'i', etag: '"p"' },
        },
        'b.txt': {
          seed: '"b"',
          hash: 'h',
          day: '2026-02-02',
          slug: 'b',
          updated: '2026-02-10T00:00:00.000Z',
          page: { input: 'i', etag: '"q"' },
        },
      },
      objects: {},
    };
    const read = parseManifest(serializeManifest(manifest), START);

    // Act
    const written = serializeManifest(read.manifest, read.manifest);

    // Assess
    expect(read.problem).toMatch(/edited at 2099-01-01T00:00:00.000Z, after this run's clock/);
    expect(text(written)).toBe(text(serializeManifest(read.manifest)));
    expect(text(written)).not.toContain('2099');
  });
});

describe('the manifest written back by a run that stops or fails', () => {
  /** A published site of 8 articles, 2 a feed, and a change: two added, one edited, one deleted. */
  async function changed(): Promise<{ before: MemoryStorage; seeds: MemoryStorage; env: Env }> {
    const files: Record<string, string> = {};
    for (let n = 0; n < 8; n++) files[`n${n}.txt`] = seed(dayOf(Date.UTC(2026, 1, 1 + n)), `Note ${n}`, `Text ${n}.`);
    const site = memorySite(files, { now: START, config: testFeedConfig({ itemLimit: 2, websubHub: HUB }), maxUnpublishShare: 0.5 });
    const env: Env = { settings: site.settings, now: START, hubAccepts: false };
    await runOn(site.site, site.seeds, env);
    await site.writeSeed('n8.txt', seed('2026-02-20', 'Note 8', 'Text 8.'));
    await site.writeSeed('n9.txt', seed('2026-02-21', 'Note 9', 'Text 9.'));
    await site.writeSeed('n1.txt', seed('2026-02-02', 'Note 1, corrected', 'Text 1, corrected.'));
    await site.deleteSeed('n4.txt');
    env.now = new Date(START.getTime() + DAY_MS);
    return { before: site.site, seeds: site.seeds, env };
  }

  it('leaves a canonical manifest wherever the signal fires, and the next run gives the bucket and records of a run never stopped', async () => {
    // Prepare
    const { before, seeds, env } = await changed();
    const whole = cloneStorage(before);
    const counted = counting(whole);
    await runOn(counted.storage, seeds, env);
    const calls = counted.calls();
    const failures: string[] = [];

    for (let limit = 1; limit <= calls; limit++) {
      const bucket = cloneStorage(before);

      // Act
      const stopped = stoppedAfter(bucket, limit);
      await runOn(stopped.storage, seeds, env, { signal: stopped.signal });
      const afterStop = manifestBytes(bucket)!;
      await runOn(bucket, seeds, env);

      // Assess
      if (!isCanonical(afterStop)) failures.push(`stopped after call ${limit}: the manifest saved is not canonical`);
      if (!isCanonical(manifestBytes(bucket)!)) failures.push(`stopped after call ${limit}: the manifest after is not canonical`);
      if (JSON.stringify(objectsOf(bucket)) !== JSON.stringify(objectsOf(whole)))
        failures.push(`stopped after call ${limit}: other objects`);
      const diff = differences(readBack(bucket), readBack(whole));
      if (diff.length > 0) failures.push(`stopped after call ${limit}: ${diff.slice(0, 3).join('; ')}`);
    }
    expect(calls).toBeGreaterThan(20);
    expect(failures).toEqual([]);
  });

  it('leaves a canonical manifest whichever write fails, and the next run gives the bucket and records of a run that did not fail', async () => {
    // Prepare
    const { before, seeds, env } = await changed();
    const whole = cloneStorage(before);
    const counted = failingFrom(whole, Number.POSITIVE_INFINITY);
    await runOn(counted.storage, seeds, env);
    const failures: string[] = [];

    for (let from = 1; from <= counted.writes(); from++) {
      const bucket = cloneStorage(before);

      // Act
      await runOn(failingFrom(bucket, from).storage, seeds, env);
      const afterFailure = manifestBytes(bucket)!;
      await runOn(bucket, seeds, env);

      // Assess
      if (!isCanonical(afterFailure)) failures.push(`writes failing from ${from}: the manifest saved is not canonical`);
      if (JSON.stringify(objectsOf(bucket)) !== JSON.stringify(objectsOf(whole)))
        failures.push(`writes failing from ${from}: other objects`);
      const diff = differences(readBack(bucket), readBack(whole));
      if (diff.length > 0) failures.push(`writes failing from ${from}: ${diff.slice(0, 3).join('; ')}`);
    }
    expect(counted.writes()).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  });
});

describe('the manifest written back around WebSub notifications', () => {
  it('is canonical with the feeds pending while the hub fails, and canonical without them once it accepts, each time the bytes of a fresh write', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: START, config: testFeedConfig({ websubHub: HUB }) });
    const env: Env = { settings: site.settings, now: START, hubAccepts: false };
    const states: { pending: readonly string[] | undefined; canonical: boolean }[] = [];
    const record = () => {
      const bytes = manifestBytes(site.site)!;
      states.push({ pending: parseManifest(bytes, START).manifest.pendingPings, canonical: isCanonical(bytes) });
    };

    // Act
    await runOn(site.site, site.seeds, env);
    record();
    await site.writeSeed('2026-02-07-new.txt', seed('2026-02-07', 'New Note', 'New text.'));
    await runOn(site.site, site.seeds, env);
    record();
    env.hubAccepts = true;
    await runOn(site.site, site.seeds, env);
    record();

    // Assess
    const feeds = ['rss.xml', 'atom.xml', 'feed.json'].map((key) => `https://news.example.org/${key}`);
    expect(states).toEqual([
      { pending: feeds, canonical: true },
      { pending: feeds, canonical: true },
      { pending: undefined, canonical: true },
    ]);
  });
});

describe('the manifest edited by hand between runs', () => {
  it.each<[string, (body: string) => string]>([
    ['respaced as JSON.stringify indents it', (body) => JSON.stringify(JSON.parse(body), null, 2)],
    ['with a record line respaced', (body) => body.replace('{"seed":', '{ "seed":')],
    [
      'with a record added by hand under a name JavaScript lists first',
      (body) => body.replace('\n "articles": {\n', '\n "articles": {\n  "12": {"slug":"by-hand"},\n'),
    ],
  ])(
    'is rewritten as serializeManifest writes it by the run that reads it whole (%s), so the run after stops at the settled state',
    async (_how, edit) => {
      // Prepare
      const site = memorySite(THREE_SEEDS, { now: START });
      await site.run();
      await site.site.put(MANIFEST_KEY, utf8(edit(text(manifestBytes(site.site)!))), { contentType: 'application/json' });
      vi.mocked(manifestModule.parseManifest).mockClear();
      await site.run();
      const firstReadRecords = recordsRead();

      // Act
      vi.mocked(manifestModule.parseManifest).mockClear();
      const again = await site.run();
      const againReadRecords = recordsRead();

      // Assess
      expect(firstReadRecords).toBe(true);
      expect(again.objects.written).toBe(0);
      expect(isCanonical(manifestBytes(site.site)!)).toBe(true);
      expect(againReadRecords).toBe(false);
    },
  );

  it('a record edited by hand that changes what is published is reconciled, and the manifest after is canonical and stops the next run', async () => {
    // Prepare: one page's ETag changed by hand, the layout kept.
    const site = memorySite(THREE_SEEDS, { now: START });
    await site.run();
    const body = text(manifestBytes(site.site)!);
    const etag = /"page":\{"input":"[0-9a-f]+","etag":("[^"]*\\"[^"]*\\"")/.exec(body)![1]!;
    await site.site.put(MANIFEST_KEY, utf8(body.replace(etag, '"\\"by hand\\""')), { contentType: 'application/json' });

    // Act
    const reconciled = await site.run();
    vi.mocked(manifestModule.parseManifest).mockClear();
    const again = await site.run();
    const againReadRecords = recordsRead();

    // Assess
    expect(reconciled.objects.written).toBe(1);
    expect(isCanonical(manifestBytes(site.site)!)).toBe(true);
    expect(text(manifestBytes(site.site)!)).toBe(body);
    expect(again.objects.written).toBe(0);
    expect(againReadRecords).toBe(false);
  });
});

describe('the archive layout the manifest records', () => {
  /** Six articles, two a feed: archives [a, b] (closed, ending at b) and [c, d]; then x backdated into the first, and c and d deleted. */
  async function swollenLastPage() {
    const files: Record<string, string> = {};
    for (const [index, name] of ['a', 'b', 'c', 'd', 'e', 'f'].entries())
      files[`${name}.txt`] = seed(`2026-02-0${index + 2}`, `Note ${name}`, `Text of ${name}.`);
    const site = memorySite(files, { now: START, config: testFeedConfig({ itemLimit: 2 }), maxUnpublishShare: 0.5 });
    await site.run();
    await site.writeSeed('x.txt', seed('2026-02-01', 'Note x', 'Text of x.'));
    await site.run();
    await site.deleteSeed('c.txt');
    await site.deleteSeed('d.txt');
    await site.run();
    return site;
  }

  it('keeps a closed page that became the newest as it is: a run reading every record with nothing changed writes nothing', async () => {
    // Prepare
    const site = await swollenLastPage();
    const copy = cloneStorage(site.site);
    const { settled: _settled, ...withoutSettled } = parseManifest(manifestBytes(copy)!, START).manifest;
    await copy.put(MANIFEST_KEY, serializeManifest(withoutSettled), { contentType: 'application/json' });

    // Act
    const full = await site.run({}, copy);

    // Assess
    expect(full.objects.writtenKeys).toEqual([]);
  });

  it('editing the newest article rewrites its page, the index and the feeds, and no archive', async () => {
    // Prepare
    const site = await swollenLastPage();
    const archive = text(site.site.objects.get('archive/feed-1.json')!.body);
    await site.writeSeed('f.txt', seed('2026-02-07', 'Note f', 'Text of f, corrected.'));

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.writtenKeys.filter((key) => key.startsWith('archive/'))).toEqual([]);
    expect(text(site.site.objects.get('archive/feed-1.json')!.body)).toBe(archive);
    // The second archive the deleted articles filled is no longer linked (it stays in the bucket: README).
    expect(linkedKeys(site.site.objects)).not.toContain('archive/feed-2.json');
  });

  it('a fresh publish of five articles, two a feed, cuts the archive into pages of two, and the run after it writes nothing', async () => {
    // Prepare
    const files: Record<string, string> = {};
    for (const [index, name] of ['a', 'b', 'x', 'e', 'f'].entries())
      files[`${name}.txt`] = seed(`2026-02-0${index + 2}`, `Note ${name}`, 'T.');
    const site = memorySite(files, { now: START, config: testFeedConfig({ itemLimit: 2 }) });
    await site.run();

    // Act
    const again = await site.run();

    // Assess
    expect(parseManifest(manifestBytes(site.site)!, START).manifest.archive).toEqual({ pageSize: 2, ends: [['2026-02-03', 'b.txt']] });
    expect(again.objects.written).toBe(0);
    expect(linkedKeys(site.site.objects).filter((key) => !site.site.objects.has(key))).toEqual([]);
  });
});

describe('the bytes of the same records', () => {
  it('are the same whatever history led to them: a seed deleted and restored unchanged gives the manifest of a history that kept it', async () => {
    // Prepare
    const kept = memorySite(THREE_SEEDS, { now: START, maxUnpublishShare: 0.5 });
    const restored = memorySite(THREE_SEEDS, { now: START, maxUnpublishShare: 0.5 });
    await kept.run();
    await restored.run();
    await restored.deleteSeed('2026-02-01-harbour.txt');
    await restored.run();
    await restored.writeSeed('2026-02-01-harbour.txt', THREE_SEEDS['2026-02-01-harbour.txt']!);

    // Act
    await restored.run();

    // Assess: the same objects, the same records, so the same bytes (but the clock of the settled state, equal here).
    expect(restored.snapshot({ withManifest: false })).toEqual(kept.snapshot({ withManifest: false }));
    expect(readBack(restored.site)).toEqual(readBack(kept.site));
    expect(text(manifestBytes(restored.site)!)).toBe(text(manifestBytes(kept.site)!));
  });
});
