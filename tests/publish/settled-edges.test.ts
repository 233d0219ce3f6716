/**
 * The edges of the settled state (settled.ts): a run that finds the listings, the settings and
 * the clock as the last complete run left them reports that run's summary without reading a
 * record. Whatever the shortcut reports must be what a run that reads every record would do and
 * report; and whenever nothing changed, the shortcut must be taken again after at most one full
 * run. Each test compares the run with the same run on a copy whose manifest has no settled state
 * (so it reads every record), or with a site published afresh, and says whether the run read the
 * records.
 */
import { readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as manifest from '../../src/publish/manifest.js';
import { publish, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { settledState } from '../../src/publish/settled.js';
import { FolderStorage } from '../../src/storage/folder.js';
import type { Storage } from '../../src/storage/storage.js';
import { DEFAULT_LIMITS, loadLimits } from '../../src/config/limits.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, SITE, tempDir, testFeedConfig, text, THREE_SEEDS, THREE_SLUGS, utf8, writeSeeds, type TempDir } from './support.js';
import { cloneStorage, linkedKeys, MANIFEST, memorySite, type Site } from './support-site.js';

vi.mock('../../src/publish/manifest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/publish/manifest.js')>();
  return { ...original, parseManifest: vi.fn(original.parseManifest) };
});

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const PAGE_KEYS = THREE_SLUGS.map((slug) => `articles/${slug}.html`);
const recordsRead = () => vi.mocked(manifest.parseManifest).mock.calls.length;

const FIVE_SEEDS: Readonly<Record<string, string>> = {
  ...THREE_SEEDS,
  '2026-02-07-market.txt': seed('2026-02-07', 'Market Hall Reopens', 'Traders are back under the old roof.'),
  '2026-02-09-river.txt': seed('2026-02-09', 'River Walk Extended', 'The path now reaches the harbour.'),
};

/** Three held articles whose file-name order is not the order they fall due in. */
const HELD_SEEDS: Readonly<Record<string, string>> = {
  ...THREE_SEEDS,
  'a-fair.txt': seed('2026-03-20', 'Spring Fair', 'Stalls open at nine.'),
  'b-notice.txt': seed('2026-03-05', 'Road Closure Notice', 'The bridge road closes for a day.'),
  'c-talk.txt': seed('2026-03-10', 'Library Talk', 'A talk on the old harbour.'),
};
const HELD_PAGES = {
  fair: 'articles/2026-03-20-spring-fair.html',
  notice: 'articles/2026-03-05-road-closure-notice.html',
  talk: 'articles/2026-03-10-library-talk.html',
};

/** An object as a reader gets it: bytes and the headers it is served with. */
interface Served {
  readonly text: string;
  readonly contentType: string | undefined;
  readonly cacheControl: string | undefined;
}

/** What a run leaves and says, beside how long it took. */
interface Outcome {
  readonly summary: Omit<PublishSummary, 'durationMs'>;
  readonly objects: Record<string, Served>;
  /** The manifest as text without its settled state: the records the next run reconciles from. */
  readonly records: string | undefined;
}

/** Runs one publish against the given storage with the site's seeds, settings and clock. */
type Runner = (request: PublishRequest, storage: MemoryStorage) => Promise<PublishSummary>;

const withoutDuration = ({ durationMs: _durationMs, ...summary }: PublishSummary) => summary;

/** Every object but the manifest, with its headers. */
function servedObjects(storage: MemoryStorage): Record<string, Served> {
  return Object.fromEntries(
    [...storage.objects]
      .filter(([key]) => key !== MANIFEST)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, object]) => [key, { text: text(object.body), contentType: object.contentType, cacheControl: object.cacheControl }]),
  );
}

/** The manifest's text without the line of its settled state (serializeManifest writes it on one line). */
function withoutSettledLine(manifestText: string): string {
  return manifestText
    .split('\n')
    .filter((line) => !line.startsWith(' "settled": '))
    .join('\n');
}

function outcome(summary: PublishSummary, storage: MemoryStorage): Outcome {
  const stored = storage.objects.get(MANIFEST);
  return {
    summary: withoutDuration(summary),
    objects: servedObjects(storage),
    records: stored === undefined ? undefined : withoutSettledLine(text(stored.body)),
  };
}

/**
 * The run, and the same run on a copy of the site whose manifest lacks its settled state, so
 * that it reads every record: what a run that reconciles in full does and says. `readRecords`
 * tells whether the run itself read the records, i.e. did not stop at the settled state.
 */
async function againstFullRun(
  site: { readonly site: MemoryStorage; run: Runner },
  request: PublishRequest = {},
): Promise<{ run: Outcome; full: Outcome; readRecords: boolean }> {
  const copy = cloneStorage(site.site);
  const stored = copy.objects.get(MANIFEST);
  if (stored) {
    await copy.put(MANIFEST, utf8(withoutSettledLine(text(stored.body))), { contentType: 'application/json' });
  }
  vi.mocked(manifest.parseManifest).mockClear();
  const summary = await site.run(request, site.site);
  const readRecords = recordsRead() > 0;
  const full = await site.run(request, copy);
  vi.mocked(manifest.parseManifest).mockClear();
  return { run: outcome(summary, site.site), full: outcome(full, copy), readRecords };
}

/** Whether a plain run of the site stops at the settled state: it reads no record and writes nothing. */
async function takesShortcut(run: () => Promise<PublishSummary>): Promise<boolean> {
  vi.mocked(manifest.parseManifest).mockClear();
  const summary = await run();
  return recordsRead() === 0 && summary.objects.written === 0;
}

/** A site published once at `now`, so that its manifest holds a settled state. */
async function publishedSite(files: Readonly<Record<string, string>>, options: Parameters<typeof memorySite>[1]): Promise<Site> {
  const site = memorySite(files, options);
  await site.run();
  return site;
}

const temps: TempDir[] = [];

beforeEach(() => {
  vi.mocked(manifest.parseManifest).mockClear();
});

afterEach(async () => {
  for (const dir of temps.splice(0)) await dir.remove();
});

describe('settled state: a held article whose time comes', () => {
  it.each([
    ['UTC at midnight (the default)', {}, '2026-03-10', '2026-03-10T00:00:00.000Z'],
    ['Europe/Kyiv at 09:00, winter time', { timeZone: 'Europe/Kyiv', publishTime: '09:00' }, '2026-03-10', '2026-03-10T07:00:00.000Z'],
    [
      'Europe/Kyiv at 09:00 on the day summer time starts',
      { timeZone: 'Europe/Kyiv', publishTime: '09:00' },
      '2026-03-29',
      '2026-03-29T06:00:00.000Z',
    ],
    [
      'America/New_York at 23:30, the next day in UTC',
      { timeZone: 'America/New_York', publishTime: '23:30' },
      '2026-03-10',
      '2026-03-11T03:30:00.000Z',
    ],
    ['Pacific/Kiritimati at midnight, the day before in UTC', { timeZone: 'Pacific/Kiritimati' }, '2026-03-10', '2026-03-09T10:00:00.000Z'],
  ])('%s: held a millisecond before its instant, published at that very instant', async (_zone, overrides, day, instant) => {
    // Prepare
    const files = { ...THREE_SEEDS, 'later.txt': seed(day, 'Spring Fair', 'Stalls open at nine.') };
    const site = await publishedSite(files, { now: MARCH_1, config: testFeedConfig(overrides) });
    const page = `articles/${day}-spring-fair.html`;

    // Act
    site.now = new Date(Date.parse(instant) - 1);
    const before = await againstFullRun(site);
    site.now = new Date(instant);
    const at = await againstFullRun(site);

    // Assess
    expect(before.readRecords).toBe(false);
    expect(before.run).toEqual(before.full);
    expect(before.run.summary.held).toEqual([{ file: 'later.txt', date: day }]);
    expect(at.readRecords).toBe(true);
    expect(at.run).toEqual(at.full);
    expect(at.run.summary.held).toEqual([]);
    expect(at.run.summary.objects.writtenKeys).toContain(page);
    expect(linkedKeys(site.site.objects)).toContain(page);
  });

  it('with several held articles, stops at the settled state only until the first of them is due, then until the next', async () => {
    // Prepare: file-name order a, b, c; due order b (5th), c (10th), a (20th).
    const site = await publishedSite(HELD_SEEDS, { now: MARCH_1 });
    const steps: [string, boolean, string[]][] = [
      ['2026-03-04T23:59:59.999Z', false, []],
      ['2026-03-05T00:00:00.000Z', true, [HELD_PAGES.notice]],
      ['2026-03-09T12:00:00.000Z', false, []],
      ['2026-03-10T00:00:00.000Z', true, [HELD_PAGES.talk]],
      ['2026-03-19T23:59:59.999Z', false, []],
      ['2026-03-20T00:00:00.000Z', true, [HELD_PAGES.fair]],
      ['2026-04-01T00:00:00.000Z', false, []],
    ];

    for (const [now, readsRecords, pages] of steps) {
      // Act
      site.now = new Date(now);
      const { run, full, readRecords } = await againstFullRun(site);

      // Assess
      expect({ now, readRecords }).toEqual({ now, readRecords: readsRecords });
      expect(run).toEqual(full);
      expect(run.summary.objects.writtenKeys.filter((key) => key.startsWith('articles/'))).toEqual(pages);
    }
  });

  it('a held article deleted: the next held one decides when the shortcut ends', async () => {
    // Prepare
    const site = await publishedSite(HELD_SEEDS, { now: MARCH_1 });
    await site.deleteSeed('b-notice.txt');
    site.now = new Date('2026-03-02T00:00:00.000Z');
    const afterDelete = await againstFullRun(site);

    // Act
    site.now = new Date('2026-03-05T12:00:00.000Z');
    const dayOfDeleted = await againstFullRun(site);
    site.now = new Date('2026-03-10T00:00:00.000Z');
    const dayOfNext = await againstFullRun(site);

    // Assess
    expect(afterDelete.readRecords).toBe(true);
    expect(afterDelete.run.summary.held.map(({ file }) => file)).toEqual(['a-fair.txt', 'c-talk.txt']);
    expect(dayOfDeleted.readRecords).toBe(false);
    expect(dayOfDeleted.run).toEqual(dayOfDeleted.full);
    expect(site.site.objects.has(HELD_PAGES.notice)).toBe(false);
    expect(dayOfNext.readRecords).toBe(true);
    expect(dayOfNext.run).toEqual(dayOfNext.full);
    expect(dayOfNext.run.summary.objects.writtenKeys).toContain(HELD_PAGES.talk);
  });

  it('a held article whose seed then breaks: its day passing publishes nothing, with or without the shortcut', async () => {
    // Prepare
    const site = await publishedSite({ ...THREE_SEEDS, 'c-talk.txt': HELD_SEEDS['c-talk.txt']! }, { now: MARCH_1 });
    await site.writeSeed('c-talk.txt', 'no header line here\n\nA paragraph.\n');
    await site.run();

    // Act
    site.now = new Date('2026-03-11T00:00:00.000Z');
    const { run, full, readRecords } = await againstFullRun(site);

    // Assess
    expect(readRecords).toBe(false);
    expect(run).toEqual(full);
    expect(run.summary.held).toEqual([]);
    expect(run.summary.rejected).toEqual([{ file: 'c-talk.txt', line: 1, reason: expect.any(String), keptPublished: false }]);
    expect(site.site.objects.has(HELD_PAGES.talk)).toBe(false);
  });

  it('records when the first of very many held articles is due', () => {
    // Prepare: 200,000 articles held for later days, the earliest last.
    const held = Array.from({ length: 200_000 }, (_, index) => ({ file: `held-${index}.txt`, date: '2027-01-02' }));
    held.push({ file: 'zz-first.txt', date: '2027-01-01' });
    const settings: PlanSettings = { config: testFeedConfig(), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
    const summary = { seeds: held.length, published: 0, feedItems: 0, objects: 0, held, rejected: [] };

    // Act
    const state = () => settledState('listing', settings, MARCH_1, summary);

    // Assess
    expect(state).not.toThrow();
    expect(state().until).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('settled state: the clock', () => {
  it('set back, but not before the run that recorded the state: nothing to do, as a full run finds', async () => {
    // Prepare: the state recorded on March 1st stays through a run on March 5th that changed nothing.
    const site = await publishedSite(THREE_SEEDS, { now: MARCH_1 });
    site.now = new Date('2026-03-05T00:00:00.000Z');
    await site.run();

    // Act
    site.now = new Date('2026-03-03T00:00:00.000Z');
    const { run, full, readRecords } = await againstFullRun(site);

    // Assess
    expect(readRecords).toBe(false);
    expect(run).toEqual(full);
  });

  it('set back before an edit the manifest records: does what a full run does, dropping that edit date with a warning', async () => {
    // Prepare: an edit dated March 2nd, then the clock back to March 1st.
    const site = await publishedSite(THREE_SEEDS, { now: MARCH_1 });
    await site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs daily.'));
    site.now = new Date('2026-03-02T06:00:00.000Z');
    await site.run();

    // Act
    site.now = new Date('2026-03-01T12:00:00.000Z');
    const { run, full, readRecords } = await againstFullRun(site);

    // Assess
    expect(readRecords).toBe(true);
    expect(run).toEqual(full);
    expect(run.summary.warnings).toEqual([expect.stringMatching(/after this run's clock; that edit date is dropped$/)]);
    expect(site.snapshot()['feed.json']).not.toContain('2026-03-02T06:00:00.000Z');
  });
});

describe('settled state: seeds in a folder', () => {
  /** A seeds folder with these files, published into memory. */
  async function folderSeeds(files: Readonly<Record<string, string>>) {
    const dir = await tempDir('settled-seeds-');
    temps.push(dir);
    await writeSeeds(dir.path, files);
    const seeds = new FolderStorage(dir.path, { requireRoot: true });
    const site = new MemoryStorage();
    const settings: PlanSettings = { config: testFeedConfig(), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
    const run: Runner = (request, storage) => publish({ storage, seeds, settings, now: () => MARCH_1 }, request);
    await run({}, site);
    return { dir: dir.path, site, run };
  }

  it('a seed edited in place, same size, a second later: read, and its page written, as a full run does', async () => {
    // Prepare
    const site = await folderSeeds(THREE_SEEDS);
    const path = join(site.dir, '2026-02-01-harbour.txt');
    const before = statSync(path);
    const edited = readFileSync(path, 'utf8').replace('Monday', 'Friday');
    expect(Buffer.byteLength(edited)).toBe(before.size);
    writeFileSync(path, edited);
    utimesSync(path, before.atime, new Date(before.mtimeMs + 1000));
    expect(statSync(path).ino).toBe(before.ino);

    // Act
    const { run, full, readRecords } = await againstFullRun(site);

    // Assess
    expect(readRecords).toBe(true);
    expect(run).toEqual(full);
    expect(run.summary.articles.read).toBe(1);
    expect(run.objects[PAGE_KEYS[0]!]?.text).toContain('from Friday');
    expect(await takesShortcut(() => site.run({}, site.site))).toBe(true);
  });

  it('symbolic links appearing and going: named as skipped whether or not the run stops at the settled state', async () => {
    // Prepare
    const site = await folderSeeds(THREE_SEEDS);
    const link = join(site.dir, 'linked.txt');
    symlinkSync(join(site.dir, '2026-02-03-bridge.txt'), link);

    // Act
    const withLink = await againstFullRun(site);
    rmSync(link);
    const withoutLink = await againstFullRun(site);

    // Assess
    expect(withLink.readRecords).toBe(false);
    expect(withLink.run).toEqual(withLink.full);
    expect(withLink.run.summary.skipped).toEqual([{ file: 'linked.txt', reason: 'a symbolic link, not a file' }]);
    expect(withoutLink.readRecords).toBe(false);
    expect(withoutLink.run).toEqual(withoutLink.full);
    expect(withoutLink.run.summary.skipped).toEqual([]);
  });
});

describe('settled state: a site in a folder', () => {
  it('puts back a feed edited in place (same size) and stops at the settled state on the run after', async () => {
    // Prepare
    const seeds = memorySite(THREE_SEEDS, { now: MARCH_1 });
    const dir = await tempDir('settled-site-');
    temps.push(dir);
    const storage = new FolderStorage(dir.path);
    const run = () => seeds.run({}, storage);
    await run();
    const published = readFileSync(join(dir.path, 'rss.xml'));
    const path = join(dir.path, 'rss.xml');
    const before = statSync(path);
    writeFileSync(path, published.toString('utf8').replace('Example News', 'Example Nows'));
    utimesSync(path, before.atime, new Date(before.mtimeMs + 1000));

    // Act
    const second = await takesShortcut(run);
    vi.mocked(manifest.parseManifest).mockClear();
    const repair = await run();
    const read = recordsRead();
    const third = await takesShortcut(run);

    // Assess
    expect(second).toBe(false);
    expect(read).toBe(0);
    expect(repair.objects.writtenKeys).toEqual([]);
    expect(readFileSync(path)).toEqual(published);
    expect(third).toBe(true);
  });
});

describe('settled state: objects changed behind the publisher`s back', () => {
  it.each([
    ['deleted', (site: Site) => site.site.delete('archive/rss-1.xml')],
    [
      'rewritten',
      async (site: Site) => {
        await site.site.put('archive/rss-1.xml', utf8('<rss/>'), { contentType: 'application/xml' });
      },
    ],
  ])('an archive document %s is written again with its page, and the run after stops at the settled state', async (_what, change) => {
    // Prepare: two items per feed, so five articles fill two archive pages.
    const site = await publishedSite(FIVE_SEEDS, { now: MARCH_1, config: testFeedConfig({ itemLimit: 2 }) });
    const clean = site.snapshot({ withManifest: false });
    const settled = await againstFullRun(site);
    await change(site);

    // Act
    const { run, full, readRecords } = await againstFullRun(site);

    // Assess
    expect(settled.readRecords).toBe(false);
    expect(settled.run).toEqual(settled.full);
    expect(readRecords).toBe(true);
    expect(run).toEqual(full);
    // An archive page's three documents are rendered and written together.
    expect(run.summary.objects.writtenKeys).toEqual(['archive/rss-1.xml', 'archive/atom-1.xml', 'archive/feed-1.json']);
    expect(site.snapshot({ withManifest: false })).toEqual(clean);
    expect(await takesShortcut(() => site.run())).toBe(true);
  });

  it.each(['articles/hand-made.html', 'robots.txt', 'archive/notes.txt'])(
    'an object the publisher did not write (%s) is left alone, and the run after stops at the settled state',
    async (key) => {
      // Prepare
      const site = await publishedSite(THREE_SEEDS, { now: MARCH_1 });
      await site.site.put(key, utf8('made by hand'), { contentType: 'text/plain' });
      const before = site.snapshot({ withManifest: false });

      // Act
      const { run, full, readRecords } = await againstFullRun(site);

      // Assess
      expect(readRecords).toBe(true);
      expect(run).toEqual(full);
      expect(run.summary.objects).toMatchObject({ written: 0, deleted: 0 });
      expect(site.snapshot({ withManifest: false })).toEqual(before);
      expect(await takesShortcut(() => site.run())).toBe(true);
    },
  );
});

describe('settled state: the manifest edited or damaged', () => {
  /** Where the records start in a manifest as serializeManifest writes it. */
  const recordsStart = (body: string) => body.indexOf('\n "articles": ');

  it.each([
    ['cut off right after the head', (body: string) => body.slice(0, recordsStart(body) + '\n "articles": '.length)],
    [
      'cut off inside the records',
      (body: string) => body.slice(0, recordsStart(body) + Math.floor((body.length - recordsStart(body)) / 2)),
    ],
    ['with text after its end', (body: string) => `${body}{"version": 2}\n`],
  ])('that is no longer JSON (%s): warns and rebuilds, as for any manifest that is not JSON', async (_how, damage) => {
    // Prepare
    const site = await publishedSite(THREE_SEEDS, { now: MARCH_1 });
    const clean = site.snapshot({ withManifest: false });
    const body = text(site.site.objects.get(MANIFEST)!.body);
    await site.site.put(MANIFEST, utf8(damage(body)), { contentType: 'application/json' });

    // Act
    const { run, full, readRecords } = await againstFullRun(site);

    // Assess
    expect(full.summary.warnings).toEqual([expect.stringMatching(/manifest\.json is not valid JSON; rebuilding/)]);
    expect(readRecords).toBe(true);
    expect(run).toEqual(full);
    expect(site.snapshot({ withManifest: false })).toEqual(clean);
  });

  it('a hand edit of the records that keeps the layout is noticed by the next run, which reconciles it', async () => {
    // Prepare: an edit date from the future written into one record, the head left as it was.
    const site = await publishedSite(THREE_SEEDS, { now: MARCH_1 });
    const clean = await publishedSite(THREE_SEEDS, { now: MARCH_1 });
    const body = text(site.site.objects.get(MANIFEST)!.body);
    const edited = body.replace('"2026-02-01-harbour.txt": {', '"2026-02-01-harbour.txt": {"updated":"2099-01-01T00:00:00.000Z",');
    expect(edited).not.toBe(body);
    await site.site.put(MANIFEST, utf8(edited), { contentType: 'application/json' });

    // Act
    let reconciled: PublishSummary | undefined;
    const shortcut = await takesShortcut(async () => {
      reconciled = await site.run();
      return reconciled;
    });
    const after = await takesShortcut(() => site.run());

    // Assess: the head's digest of the records no longer matches, so the records are read and checked.
    expect(shortcut).toBe(false);
    expect(reconciled?.warnings).toEqual([expect.stringMatching(/after this run's clock; that edit date is dropped$/)]);
    expect(site.snapshot({ withManifest: false })).toEqual(clean.snapshot({ withManifest: false }));
    expect(site.snapshot()['feed.json']).not.toContain('2099');
    expect(after).toBe(true);
  });
});

describe('settled state: WebSub', () => {
  /** A hub that answers every notification with `status`, counting them. */
  function hub(status: () => number) {
    const topics: string[] = [];
    const fetchStub: typeof fetch = async (_input, init) => {
      topics.push(new URLSearchParams(String(init?.body)).get('hub.url') ?? '');
      return new Response(status() === 204 ? null : 'unwell', { status: status() });
    };
    return { topics, fetch: fetchStub };
  }

  it('a notification that failed keeps every run reading the records until one is accepted; then the shortcut is taken again', async () => {
    // Prepare
    let status = 500;
    const answering = hub(() => status);
    const site = memorySite(THREE_SEEDS, { now: MARCH_1, config: testFeedConfig({ websubHub: 'https://hub.example.org/' }) });
    const runner = {
      site: site.site,
      run: ((request, storage) =>
        publish({ storage, seeds: site.seeds, settings: site.settings, now: () => site.now, fetch: answering.fetch }, request)) as Runner,
    };
    const failed = await runner.run({}, site.site);

    // Act
    const dryRun = await againstFullRun(runner, { dryRun: true });
    const stillFailing = await againstFullRun(runner);
    status = 204;
    answering.topics.length = 0;
    const retried = await againstFullRun(runner);
    const sentOnRetry = [...answering.topics];
    answering.topics.length = 0;
    const settled = await againstFullRun(runner);
    const dryRunSettled = await againstFullRun(runner, { dryRun: true });

    // Assess
    expect(failed.pings?.failed).toHaveLength(3);
    expect(dryRun.readRecords).toBe(true);
    expect(dryRun.run.summary.pings).toBeUndefined();
    expect(stillFailing.readRecords).toBe(true);
    expect(stillFailing.run.summary.pings?.failed).toHaveLength(3);
    expect(retried.readRecords).toBe(true);
    // The run and the full run each notify the three feeds.
    expect(sentOnRetry.sort()).toEqual(
      [`${SITE}atom.xml`, `${SITE}feed.json`, `${SITE}rss.xml`, `${SITE}atom.xml`, `${SITE}feed.json`, `${SITE}rss.xml`].sort(),
    );
    expect(retried.run.summary.pings).toEqual({ sent: [`${SITE}rss.xml`, `${SITE}atom.xml`, `${SITE}feed.json`], failed: [] });
    expect(settled.readRecords).toBe(false);
    expect(settled.run).toEqual(settled.full);
    expect(settled.run.summary.pings).toEqual({ sent: [], failed: [] });
    expect(answering.topics).toEqual([]);
    expect(dryRunSettled.readRecords).toBe(false);
    expect(dryRunSettled.run).toEqual(dryRunSettled.full);
    expect(dryRunSettled.run.summary.pings).toBeUndefined();
  });
});

describe('settled state: settings', () => {
  /** Published at 06:00 UTC on March 1st with articles at 09:00: the one dated that day is held. */
  const SEEDS: Readonly<Record<string, string>> = {
    ...THREE_SEEDS,
    '2026-02-07-long.txt': seed('2026-02-07', 'Long Read', 'A long lede.', 'Body text. '.repeat(2000)),
    '2026-03-01-today.txt': seed('2026-03-01', 'Later Today', 'At nine.'),
  };
  const CONFIG = { publishTime: '09:00' };
  const BASE: PlanSettings = { config: testFeedConfig(CONFIG), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
  const accepting: typeof fetch = async () => new Response(null, { status: 204 });
  const runOf = (site: Site) => (request: PublishRequest, storage: Storage) =>
    publish({ storage, seeds: site.seeds, settings: site.settings, now: () => site.now, fetch: accepting }, request);
  const config = (overrides: Record<string, unknown>) => testFeedConfig({ ...CONFIG, ...overrides });
  /** Limits as the environment sets them. */
  const limits = (env: Record<string, string>) => {
    const problems: string[] = [];
    const loaded = loadLimits(env, problems);
    expect(problems).toEqual([]);
    return loaded;
  };
  const report = (summary: PublishSummary) => ({
    published: summary.articles.published,
    held: summary.held,
    rejected: summary.rejected,
    feedItems: summary.feedItems,
    warnings: summary.warnings,
  });

  it.each<[string, Partial<PlanSettings>, Partial<PlanSettings>]>([
    ['the title', {}, { config: config({ title: 'Other News' }) }],
    ['the description', {}, { config: config({ description: 'Other reports.' }) }],
    ['the language', {}, { config: config({ language: 'uk' }) }],
    ['the author', {}, { config: config({ author: { name: 'Night Desk' } }) }],
    ['the copyright', {}, { config: config({ copyright: '© Example News' }) }],
    ['the icon', {}, { config: config({ icon: 'https://news.example.org/icon.png' }) }],
    ['the home page', {}, { config: config({ homeUrl: 'https://example.org/' }) }],
    ['the RSS feed URL', {}, { config: config({ feedUrls: { rss: 'https://feeds.example.org/news.xml' } }) }],
    ['the item limit', {}, { config: config({ itemLimit: 2 }) }],
    ['the id prefix', {}, { config: config({ idPrefix: 'tag:news.example.org,2027:' }) }],
    ['the site URL', {}, { config: testFeedConfig(CONFIG, 'https://other.example.org/') }],
    ['the WebSub hub', {}, { config: config({ websubHub: 'https://hub.example.org/' }) }],
    ['the publish time, releasing the held article', {}, { config: config({ publishTime: '05:00' }) }],
    ['the time zone, releasing the held article', {}, { config: config({ timeZone: 'Asia/Tokyo' }) }],
    ['the Cache-Control', {}, { cacheControl: 'max-age=60' }],
    ['the unpublish share', {}, { maxUnpublishShare: 0.5 }],
    ['the feeds’ size limit, lowered below the feeds’ size', {}, { limits: limits({ MAX_FEED_BYTES: '16KiB' }) }],
    [
      'the seeds’ size limit, raised above a refused seed',
      { limits: limits({ MAX_SEED_BYTES: '16KiB' }) },
      { limits: limits({ MAX_SEED_BYTES: '64KiB' }) },
    ],
  ])(
    'a change of %s: the run reconciles to what a site published afresh with it holds, and the run after stops at the settled state',
    async (_setting, before, after) => {
      // Prepare
      const site = memorySite(SEEDS, { now: MARCH_1 });
      site.settings = { ...BASE, ...before };
      await runOf(site)({}, site.site);
      expect(await takesShortcut(() => runOf(site)({}, site.site))).toBe(true);
      const fresh = memorySite(SEEDS, { now: MARCH_1 });
      fresh.settings = { ...BASE, ...before, ...after };

      // Act
      site.settings = { ...BASE, ...before, ...after };
      vi.mocked(manifest.parseManifest).mockClear();
      const changed = await runOf(site)({}, site.site);
      const read = recordsRead();
      const freshly = await runOf(fresh)({}, fresh.site);
      const again = await takesShortcut(() => runOf(site)({}, site.site));

      // Assess
      expect(read).toBe(1);
      expect(servedObjects(site.site)).toEqual(servedObjects(fresh.site));
      expect(report(changed)).toEqual(report(freshly));
      expect(again).toBe(true);
    },
  );

  it('settings made again with the same values, or the default limits given explicitly, are no change', async () => {
    // Prepare
    const site = await publishedSite(THREE_SEEDS, { now: MARCH_1 });

    // Act
    site.settings = { config: testFeedConfig(), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
    const remade = await takesShortcut(() => site.run());
    site.settings = { ...site.settings, limits: { seedBytes: DEFAULT_LIMITS.seedBytes, feedBytes: DEFAULT_LIMITS.feedBytes } };
    const explicitLimits = await takesShortcut(() => site.run());

    // Assess
    expect(remade).toBe(true);
    expect(explicitLimits).toBe(true);
  });
});

describe('settled state: dry runs', () => {
  it('a dry run that finds everything as left gives the report of a full dry run and writes nothing', async () => {
    // Prepare
    const site = await publishedSite(HELD_SEEDS, { now: MARCH_1, config: testFeedConfig({ itemLimit: 2 }) });
    const before = site.snapshot();

    // Act
    const { run, full, readRecords } = await againstFullRun(site, { dryRun: true });

    // Assess
    expect(readRecords).toBe(false);
    expect(run).toEqual(full);
    expect(run.summary.dryRun).toBe(true);
    expect(site.snapshot()).toEqual(before);
  });

  it('a dry run on the day a held article is due names its page, and the real run after still writes it', async () => {
    // Prepare
    const site = await publishedSite(HELD_SEEDS, { now: MARCH_1 });
    site.now = new Date('2026-03-05T00:00:00.000Z');

    // Act
    const dry = await againstFullRun(site, { dryRun: true });
    const real = await againstFullRun(site);

    // Assess
    expect(dry.readRecords).toBe(true);
    expect(dry.run).toEqual(dry.full);
    expect(dry.run.summary.objects.writtenKeys).toContain(HELD_PAGES.notice);
    expect(site.site.objects.has(HELD_PAGES.notice)).toBe(true);
    expect(real.readRecords).toBe(true);
    expect(real.run.summary.objects.writtenKeys).toContain(HELD_PAGES.notice);
  });
});

describe('settled state: rejected seeds', () => {
  it('a rejected seed rewritten with another mistake: the new reason is reported, then repeated by the shortcut', async () => {
    // Prepare
    const site = await publishedSite({ ...THREE_SEEDS, 'broken.txt': 'no header line here\n' }, { now: MARCH_1 });
    await site.writeSeed('broken.txt', 'date 2026-02-30 Leap Day\n\nText.\n');

    // Act
    const rewritten = await againstFullRun(site);
    const repeated = await againstFullRun(site);

    // Assess
    expect(rewritten.readRecords).toBe(true);
    expect(rewritten.run).toEqual(rewritten.full);
    expect(rewritten.run.summary.rejected).toEqual([
      { file: 'broken.txt', line: 1, reason: '2026-02-30 is not a date on the calendar', keptPublished: false },
    ]);
    expect(repeated.readRecords).toBe(false);
    expect(repeated.run).toEqual(repeated.full);
    expect(repeated.run.summary.rejected).toEqual(rewritten.run.summary.rejected);
  });

  it('the page of a seed that broke, kept published, deleted behind the publisher`s back: no link is left dangling', async () => {
    // Prepare
    const site = await publishedSite(THREE_SEEDS, { now: MARCH_1 });
    await site.writeSeed('2026-02-01-harbour.txt', 'no header line here\n');
    await site.run();
    await site.site.delete(PAGE_KEYS[0]!);

    // Act
    const { run, full, readRecords } = await againstFullRun(site);

    // Assess
    expect(readRecords).toBe(true);
    expect(run).toEqual(full);
    expect(linkedKeys(site.site.objects).filter((key) => !site.site.objects.has(key))).toEqual([]);
    expect(run.summary.rejected.map(({ keptPublished }) => keptPublished)).toEqual([site.site.objects.has(PAGE_KEYS[0]!)]);
  });
});
