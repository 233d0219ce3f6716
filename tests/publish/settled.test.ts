/**
 * A run that lists the seeds and the site exactly as the last run left them (same names, same
 * ETags), with the same settings and a clock before the next held article's day, has nothing to
 * do: it reports what the last run recorded and reads no record. Anything else sends it through
 * the full reconciliation.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as manifest from '../../src/publish/manifest.js';
import type { PublishSummary } from '../../src/publish/publish.js';
import { listingDigest } from '../../src/publish/settled.js';
import { seed, testFeedConfig, text, THREE_SEEDS, THREE_SLUGS, utf8 } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';

vi.mock('../../src/publish/manifest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/publish/manifest.js')>();
  return { ...original, parseManifest: vi.fn(original.parseManifest) };
});

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const recordsRead = () => vi.mocked(manifest.parseManifest).mock.calls.length;

/** Three articles, one held until March 10th, one that does not parse, and two files with one id. */
const AWKWARD_SEEDS: Readonly<Record<string, string>> = {
  ...THREE_SEEDS,
  '2026-03-10-later.txt': seed('2026-03-10', 'Spring Fair', 'Stalls open at nine.'),
  'broken.txt': 'no header line here\n\nA paragraph.\n',
  'dup.txt': seed('2026-02-02', 'Lower Case', 'Text.'),
  'dup.TXT': seed('2026-02-02', 'Upper Case', 'Text.'),
};

/** A published site, its second run already done, and the parse counter at zero. */
async function settledSite(files: Readonly<Record<string, string>> = THREE_SEEDS): Promise<Site> {
  const site = memorySite(files, { now: MARCH_1 });
  await site.run();
  vi.mocked(manifest.parseManifest).mockClear();
  return site;
}

const withoutDuration = ({ durationMs: _durationMs, ...summary }: PublishSummary) => summary;

beforeEach(() => {
  vi.mocked(manifest.parseManifest).mockClear();
});

describe('a run that finds everything as the last run left it', () => {
  it('reads no record, writes nothing and reports the site as it is', async () => {
    // Prepare
    const site = await settledSite();
    const before = site.snapshot();

    // Act
    const summary = await site.run();

    // Assess
    expect(recordsRead()).toBe(0);
    expect(site.snapshot()).toEqual(before);
    expect(summary.articles).toEqual({ seeds: 3, read: 0, published: 3, held: 0, rejected: 0, unpublished: 0 });
    expect(summary.objects).toMatchObject({ written: 0, deleted: 0, unchanged: 3 + 6 });
    expect(summary.feedItems).toBe(3);
  });

  it('gives the report a run that reads every record gives: held, rejected and colliding seeds included', async () => {
    // Prepare: the same published state twice, one manifest without its settled state.
    const site = await settledSite(AWKWARD_SEEDS);
    const stored = manifest.parseManifest(site.site.objects.get(MANIFEST)!.body, MARCH_1).manifest;
    const { settled, ...withoutSettled } = stored;
    expect(settled).toBeDefined();

    // Act
    const quick = await site.run();
    await site.site.put(MANIFEST, manifest.serializeManifest(withoutSettled), { contentType: 'application/json' });
    const full = await site.run({ dryRun: true });

    // Assess
    expect(recordsRead()).toBe(2);
    expect(withoutDuration(quick)).toEqual({ ...withoutDuration(full), dryRun: false });
    expect(quick.held).toEqual([{ file: '2026-03-10-later.txt', date: '2026-03-10' }]);
    expect(quick.rejected.map((entry) => entry.file)).toEqual(['broken.txt', 'dup.txt']);
  });

  it('reconciles when a seed, a page, a feed, a setting or the clock differs, or when asked to', async () => {
    // Prepare
    const site = await settledSite(AWKWARD_SEEDS);
    const changes: [string, () => Promise<void>, (summary: PublishSummary) => void][] = [
      [
        'a seed edited',
        () => site.writeSeed('2026-02-01-harbour.txt', seed('2026-02-01', 'Harbour Ferry Returns', 'Now daily.')),
        (summary) => expect(summary.articles.read).toBe(1),
      ],
      [
        'a page deleted behind its back',
        () => site.site.delete(`articles/${THREE_SLUGS[1]}.html`),
        (summary) => expect(summary.objects.writtenKeys).toEqual([`articles/${THREE_SLUGS[1]}.html`]),
      ],
      [
        'a feed altered behind its back',
        async () => {
          await site.site.put('rss.xml', utf8('<rss/>'), { contentType: 'application/xml' });
        },
        (summary) => expect(summary.objects.writtenKeys).toEqual(['rss.xml']),
      ],
      [
        'a setting changed',
        async () => {
          site.settings = { ...site.settings, config: testFeedConfig({ ttlMinutes: 15 }) };
        },
        (summary) => expect(summary.objects.writtenKeys).toContain('rss.xml'),
      ],
      [
        'the day of the held article',
        async () => {
          site.now = new Date('2026-03-10T12:00:00.000Z');
        },
        (summary) => expect(summary.held).toEqual([]),
      ],
      [
        'the clock set back before the last run',
        async () => {
          site.now = new Date('2026-03-09T00:00:00.000Z');
        },
        (summary) => expect(summary.objects.written).toBe(0),
      ],
      ['force', async () => {}, (summary) => expect(summary.force).toBe(true)],
    ];

    for (const [what, change, check] of changes) {
      // Act
      await change();
      vi.mocked(manifest.parseManifest).mockClear();
      const summary = await site.run(what === 'force' ? { force: true } : {});
      const read = recordsRead();
      const again = await site.run();

      // Assess: the change is reconciled by a full run, and the run after it has nothing to do again.
      expect({ what, read }).toEqual({ what, read: 1 });
      check(summary);
      expect({ what, again: again.objects.written, read: recordsRead() }).toEqual({ what, again: 0, read: 1 });
    }
  });

  it('reads a manifest laid out otherwise (edited by hand) whole, and publishes as before', async () => {
    // Prepare
    const site = await settledSite();
    const before = site.snapshot({ withManifest: false });
    const stored = JSON.parse(text(site.site.objects.get(MANIFEST)!.body)) as unknown;
    await site.site.put(MANIFEST, utf8(JSON.stringify(stored, null, 2)), { contentType: 'application/json' });

    // Act
    const summary = await site.run();

    // Assess
    expect(recordsRead()).toBe(1);
    expect(summary.objects.written).toBe(0);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
  });

  it('is recorded only by a run that completed: a dry run, or one that failed, leaves the manifest as it was', async () => {
    // Prepare
    const site = await settledSite();
    await site.writeSeed('2026-02-07-park.txt', seed('2026-02-07', 'Park Gates Open', 'Dawn.'));
    const manifestBefore = site.site.objects.get(MANIFEST)!.etag;

    // Act
    await site.run({ dryRun: true });
    const afterDryRun = site.site.objects.get(MANIFEST)!.etag;
    vi.mocked(manifest.parseManifest).mockClear();
    const real = await site.run();

    // Assess: the dry run changed nothing, so the real run still saw a difference and read the records.
    expect(afterDryRun).toBe(manifestBefore);
    expect(recordsRead()).toBe(1);
    expect(real.objects.writtenKeys).toContain('articles/2026-02-07-park-gates-open.html');
  });
});

describe('listingDigest', () => {
  it('is the same whatever order the listings come in', () => {
    // Prepare: a seed listing and an object listing in byte order, and each shuffled.
    const seeds = ['a.txt', 'b.txt', 'c\u00e9.txt', 'z.txt'].map((fileName, i) => ({ fileName, signature: `"s${i}"`, size: i }));
    const objects = ['404.html', 'archive/rss-1.xml', 'articles/a.html', 'atom.xml', 'rss.xml'].map((key, i) => ({
      key,
      etag: `"e${i}"`,
      size: i,
    }));
    const shuffle = <T>(items: readonly T[]) => [items[2]!, items[0]!, ...items.slice(3), items[1]!];

    // Act
    const inOrder = listingDigest(seeds, objects);
    const shuffled = listingDigest(shuffle(seeds), shuffle(objects));

    // Assess
    expect(shuffled).toBe(inOrder);
    expect(listingDigest(seeds.slice(1), objects)).not.toBe(inOrder);
  });

  it('tells apart two listings whose keys hold the separators, which would otherwise read alike', () => {
    // Prepare: two objects, and one object whose key spells out the first and the start of the second.
    const two = [
      { key: 'k1', etag: '"e1"', size: 1 },
      { key: 'k2', etag: '"e2"', size: 2 },
    ];
    const one = [{ key: 'k1\0"e1"\u00001\nk2', etag: '"e2"', size: 2 }];

    // Act
    const digests = [listingDigest([], two), listingDigest([], one)];

    // Assess
    expect(digests[0]).not.toBe(digests[1]);
  });
});
