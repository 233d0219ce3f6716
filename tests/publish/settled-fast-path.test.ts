/**
 * The settled state (settled.ts) against a run that reads every record: a run that finds the
 * listings, the settings and the clock as the last complete run left them gives that run's
 * report without reading a record. Whatever it says and leaves must be what a run that reads
 * every record says and leaves; a setting that changes no byte must cost no write but the
 * manifest's; and a seed changed behind the publisher's back must be published.
 */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as manifest from '../../src/publish/manifest.js';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { FolderStorage } from '../../src/storage/folder.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, tempDir, testFeedConfig, text, THREE_SEEDS, utf8, writeSeeds, type TempDir } from './support.js';
import { cloneStorage, MANIFEST, memorySite, type Site } from './support-site.js';

vi.mock('../../src/publish/manifest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/publish/manifest.js')>();
  return { ...original, parseManifest: vi.fn(original.parseManifest) };
});

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const recordsRead = () => vi.mocked(manifest.parseManifest).mock.calls.length;
const withoutDuration = ({ durationMs: _durationMs, ...summary }: PublishSummary) => summary;

/** Nine articles, three to a feed: the six older ones fill two archive pages. */
const NINE_SEEDS: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from({ length: 9 }, (_, index) => {
    const day = `2026-02-0${index + 1}`;
    return [`${day}-notice.txt`, seed(day, `Notice ${index + 1}`, `The council met on day ${index + 1}.`)];
  }),
);
const ARCHIVE_KEYS = [
  'archive/rss-1.xml',
  'archive/atom-1.xml',
  'archive/feed-1.json',
  'archive/rss-2.xml',
  'archive/atom-2.xml',
  'archive/feed-2.json',
];

/** The manifest's text without the line of its settled state (serializeManifest writes it on one line). */
function withoutSettledLine(manifestText: string): string {
  return manifestText
    .split('\n')
    .filter((line) => !line.startsWith(' "settled": '))
    .join('\n');
}

/** A copy of the site whose manifest has no settled state: a run on it reads every record. */
async function copyWithoutSettled(site: Site): Promise<MemoryStorage> {
  const copy = cloneStorage(site.site);
  const stored = copy.objects.get(MANIFEST)!;
  await copy.put(MANIFEST, utf8(withoutSettledLine(text(stored.body))), { contentType: 'application/json' });
  return copy;
}

/** Every object but the manifest, as text, with the headers it is served with. */
function served(storage: MemoryStorage): Record<string, { text: string; contentType?: string; cacheControl?: string }> {
  return Object.fromEntries(
    [...storage.objects]
      .filter(([key]) => key !== MANIFEST)
      .map(([key, object]) => [
        key,
        { text: text(object.body), ...(object.contentType ? { contentType: object.contentType } : {}), cacheControl: object.cacheControl },
      ]),
  );
}

const temps: TempDir[] = [];

beforeEach(() => {
  vi.mocked(manifest.parseManifest).mockClear();
});

afterEach(async () => {
  for (const dir of temps.splice(0)) await dir.remove();
});

describe('settled state: the clock', () => {
  it('a draft parked on 9999-12-31 in a zone behind UTC: the runs after the first write nothing, warn of nothing and stop at the settled state', async () => {
    // Prepare: published at 18:00 Los Angeles time, so 9999-12-31 is due at 10000-01-01T02:00Z.
    const files = { ...THREE_SEEDS, 'parked.txt': seed('9999-12-31', 'Parked Draft', 'Not for now.') };
    const config = testFeedConfig({ timeZone: 'America/Los_Angeles', publishTime: '18:00' });
    const site = memorySite(files, { now: MARCH_1, config });
    const first = await site.run();
    const manifestAfterFirst = text(site.site.objects.get(MANIFEST)!.body);

    // Act
    const second = await site.run();
    vi.mocked(manifest.parseManifest).mockClear();
    const third = await site.run();
    const readByThird = recordsRead();

    // Assess
    expect(first.held).toEqual([{ file: 'parked.txt', date: '9999-12-31' }]);
    expect(second.warnings).toEqual([]);
    expect(second.objects).toMatchObject({ written: 0, deleted: 0 });
    expect(second.held).toEqual(first.held);
    expect(text(site.site.objects.get(MANIFEST)!.body)).toBe(manifestAfterFirst);
    expect(readByThird).toBe(0);
    expect(third.objects.written).toBe(0);
  });

  it('a run that recovers a lost manifest with its clock before a published edit drops that edit date and says so; the next plain run then does what a full run does', async () => {
    // Prepare: an edit published on March 5th, the manifest lost, the clock back on March 3rd.
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs daily.'));
    site.now = new Date('2026-03-05T06:00:00.000Z');
    await site.run();
    await site.site.delete(MANIFEST);
    site.now = new Date('2026-03-03T06:00:00.000Z');

    // Act
    const recovery = await site.run();
    const copy = await copyWithoutSettled(site);
    const plain = await site.run();
    const full = await site.run({}, copy);

    // Assess
    expect(recovery.warnings).toContainEqual(
      expect.stringMatching(
        /^the published JSON feeds say \S+ was edited at 2026-03-05T06:00:00\.000Z, after this run's clock; that edit date is dropped$/,
      ),
    );
    expect(text(site.site.objects.get('feed.json')!.body)).not.toContain('2026-03-05T06:00:00.000Z');
    expect(withoutDuration(plain)).toEqual(withoutDuration(full));
    expect(served(site.site)).toEqual(served(copy));
  });
});

describe('settled state: settings that change no published byte', () => {
  it.each<[string, (settings: PlanSettings) => PlanSettings]>([
    ['the unpublish share (0.2 to 0.5)', (settings) => ({ ...settings, maxUnpublishShare: 0.5 })],
    [
      'the seeds’ size limit, raised with no seed near it',
      (settings) => ({ ...settings, limits: { seedBytes: 2 * 1024 * 1024, feedBytes: 1024 * 1024 } }),
    ],
  ])(
    'a change of %s reads no seed, writes no object, reports as before, and the run after stops at the settled state',
    async (_what, change) => {
      // Prepare
      const site = memorySite(NINE_SEEDS, { now: MARCH_1, config: testFeedConfig({ itemLimit: 3 }) });
      await site.run();
      const settled = await site.run();
      const before = served(site.site);

      // Act
      site.settings = change(site.settings);
      vi.mocked(manifest.parseManifest).mockClear();
      const changed = await site.run();
      const readByChanged = recordsRead();
      vi.mocked(manifest.parseManifest).mockClear();
      const after = await site.run();
      const readByAfter = recordsRead();

      // Assess
      expect(readByChanged).toBe(1);
      expect(changed.articles.read).toBe(0);
      expect(changed.objects).toMatchObject({ written: 0, deleted: 0 });
      expect(served(site.site)).toEqual(before);
      expect(withoutDuration(changed)).toEqual(withoutDuration(settled));
      expect(readByAfter).toBe(0);
      expect(withoutDuration(after)).toEqual(withoutDuration(changed));
    },
  );

  it.each<[string, (settings: PlanSettings) => PlanSettings, string[]]>([
    [
      'a WebSub hub set (archives name no hub)',
      (settings) => ({ ...settings, config: testFeedConfig({ itemLimit: 3, websubHub: 'https://hub.example.org/' }) }),
      ['rss.xml', 'atom.xml', 'feed.json'],
    ],
  ])('%s: only the objects whose bytes change are written, and no archive seed is read', async (_what, change, expected) => {
    // Prepare
    const accepting: typeof fetch = async () => new Response(null, { status: 204 });
    const site = memorySite(NINE_SEEDS, { now: MARCH_1, config: testFeedConfig({ itemLimit: 3 }) });
    const run = () => publish({ storage: site.site, seeds: site.seeds, settings: site.settings, now: () => site.now, fetch: accepting });
    await run();
    const archivesBefore = ARCHIVE_KEYS.map((key) => text(site.site.objects.get(key)!.body));

    // Act
    site.settings = change(site.settings);
    const changed = await run();

    // Assess: the archives' bytes are what they were, so writing them again was for nothing.
    expect(ARCHIVE_KEYS.map((key) => text(site.site.objects.get(key)!.body))).toEqual(archivesBefore);
    expect(changed.objects.writtenKeys).toEqual(expected);
    expect(changed.articles.read).toBe(0);
  });
});

describe('settled state: seeds in a folder', () => {
  it('a seed edited in place, same size, its modification time put back as touch -r does: the plain run publishes the edit', async () => {
    // Prepare: the seed's time on a whole second, as touch -r would put it back exactly.
    const dir = await tempDir('settled-fast-path-');
    temps.push(dir);
    await writeSeeds(dir.path, THREE_SEEDS);
    const path = join(dir.path, '2026-02-01-harbour.txt');
    const stamp = new Date('2026-02-01T08:00:00.000Z');
    utimesSync(path, stamp, stamp);
    const seeds = new FolderStorage(dir.path, { requireRoot: true });
    const site = new MemoryStorage();
    const settings: PlanSettings = { config: testFeedConfig(), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
    const run = () => publish({ storage: site, seeds, settings, now: () => MARCH_1 });
    await run();
    const before = statSync(path);
    const edited = readFileSync(path, 'utf8').replace('Monday', 'Friday');
    expect(Buffer.byteLength(edited)).toBe(before.size);
    writeFileSync(path, edited);
    utimesSync(path, stamp, stamp);
    expect(statSync(path).ino).toBe(before.ino);

    // Act
    const summary = await run();

    // Assess
    expect(summary.articles.read).toBe(1);
    expect(summary.objects.writtenKeys).toContain('articles/2026-02-01-harbour-ferry-returns.html');
    expect(text(site.objects.get('articles/2026-02-01-harbour-ferry-returns.html')!.body)).toContain('from Friday');
  });
});
