/**
 * What counts as an edit. A seed re-saved with no visible change (line ends, a BOM, a
 * leading space, trailing whitespace, blank lines, the final newline, NFD, UTF-16, a touch) is
 * no edit: no edit date, no published byte changed. A real edit gets exactly one edit date,
 * from the run that saw it, keeps its permalink, and the next unchanged run writes nothing.
 * Clocks set back never give an edit date before the published date, and an edit to an
 * archived article rewrites its page and its own archive only.
 */
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/publish/manifest.js';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import { seed, tempDir, type TempDir, testFeedConfig, THREE_SEEDS, THREE_SLUGS, writeSeeds } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const MARCH_2 = new Date('2026-03-02T06:00:00.000Z');
const MARCH_3 = new Date('2026-03-03T06:00:00.000Z');
const MARCH_4 = new Date('2026-03-04T06:00:00.000Z');

const CAFE = '2026-02-07-cafe.txt';
/** Accents, Cyrillic with combining forms in NFD, typographic quotes: what a re-save may respell. */
const CAFE_SEED = seed(
  '2026-02-07',
  'Café Réouvre à Kyiv',
  'Le café rouvre ses portes; l’été sera « animé ».',
  'Ще: їжа й напої, “як завжди”.',
  'Last paragraph here.',
);
const SEEDS: Readonly<Record<string, string>> = { ...THREE_SEEDS, [CAFE]: CAFE_SEED };

const HARBOUR = '2026-02-01-harbour.txt';
const HARBOUR_PAGE = `articles/${THREE_SLUGS[0]}.html`;

function recordOf(site: Site, name: string) {
  return parseManifest(site.site.objects.get(MANIFEST)!.body, site.now).manifest.articles[name]!;
}

function bodyText(site: Site, key: string): string {
  return Buffer.from(site.site.objects.get(key)!.body).toString('utf8');
}

/** The Atom entry of an article, by its page's slug: its published and updated dates. */
function atomDates(site: Site, slug: string): { published: string; updated: string } {
  const atom = bodyText(site, 'atom.xml');
  const entry = atom
    .split('<entry>')
    .slice(1)
    .find((part) => part.includes(`${slug}.html`));
  if (!entry) throw new Error(`no entry for ${slug}`);
  return {
    published: /<published>([^<]+)<\/published>/.exec(entry)![1]!,
    updated: /<updated>([^<]+)<\/updated>/.exec(entry)![1]!,
  };
}

function jsonItem(site: Site, slug: string): { date_published: string; date_modified: string } {
  const feed = JSON.parse(bodyText(site, 'feed.json')) as { items: { url: string; date_published: string; date_modified: string }[] };
  return feed.items.find((item) => item.url.endsWith(`${slug}.html`))!;
}

/** A published site of SEEDS at MARCH_1, its clock then on MARCH_2. */
async function publishedSite(files: Readonly<Record<string, string>> = SEEDS): Promise<Site> {
  const site = memorySite(files, { now: MARCH_1 });
  await site.run();
  site.now = MARCH_2;
  return site;
}

/** No edit: the one seed read again, nothing published written, and the run after writes nothing at all. */
async function expectNoEdit(site: Site, name: string, bytes: string | Uint8Array, reads = 1): Promise<void> {
  const before = site.snapshot({ withManifest: false });
  const updatedBefore = recordOf(site, name).updated;
  await site.writeSeed(name, bytes);

  const summary = await site.run();

  expect(summary.articles.read).toBe(reads);
  expect(summary.rejected).toEqual([]);
  expect([...summary.objects.writtenKeys].sort()).toEqual([]);
  expect(site.snapshot({ withManifest: false })).toEqual(before);
  expect(recordOf(site, name).updated).toBe(updatedBefore);

  // Act again: the clock on, nothing changed.
  const manifestAfter = bodyText(site, MANIFEST);
  site.now = MARCH_3;
  const next = await site.run();
  expect(next.objects.writtenKeys).toEqual([]);
  expect(bodyText(site, MANIFEST)).toBe(manifestAfter);
}

const utf16le = (text: string): Uint8Array => new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));

describe('a seed re-saved with no visible change is no edit', () => {
  const variants: readonly [string, (text: string) => string | Uint8Array][] = [
    ['CRLF line ends', (text) => text.replace(/\n/g, '\r\n')],
    ['a UTF-8 BOM added', (text) => `\uFEFF${text}`],
    ['a leading space before `date` on line 1', (text) => ` ${text}`],
    ['trailing spaces, tabs and a no-break space on every line', (text) => text.replace(/\n/g, ' \t\u00a0\n')],
    ['an extra blank line (and one of spaces) between paragraphs', (text) => text.replace(/\n\n/g, '\n\n   \n\n')],
    ['the final newline removed', (text) => text.replace(/\n$/, '')],
    ['a paragraph re-wrapped, its lines indented', (text) => text.replace(' ses portes; ', '\n   ses portes;\n  ')],
    ['title and body re-saved in NFD', (text) => text.normalize('NFD')],
    ['UTF-16LE with a BOM', (text) => utf16le(text.replace(/\n/g, '\r\n'))],
    ['a tab and several spaces between `date`, the day and the title', (text) => text.replace(/^date (\S+) /, 'date\t$1   ')],
    ['old Mac line ends (CR alone)', (text) => text.replace(/\n/g, '\r')],
  ];
  it.each(variants)('%s', async (_name, transform) => {
    const site = await publishedSite();
    expect(CAFE_SEED.normalize('NFD')).not.toBe(CAFE_SEED);
    await expectNoEdit(site, CAFE, transform(CAFE_SEED));
  });

  it('a seed published with a BOM, CRLF, a leading space and trailing spaces, re-saved clean', async () => {
    const messy = `\uFEFF ${CAFE_SEED.replace(/\n/g, '  \r\n')}`;
    const site = await publishedSite({ ...THREE_SEEDS, [CAFE]: messy });
    await expectNoEdit(site, CAFE, CAFE_SEED);
  });

  it('keeps an earlier edit date as it is when the edited seed is re-saved with other line ends', async () => {
    const site = await publishedSite();
    await site.writeSeed(CAFE, CAFE_SEED.replace('Last paragraph', 'Final paragraph'));
    await site.run();
    expect(recordOf(site, CAFE).updated).toBe(MARCH_2.toISOString());
    site.now = new Date('2026-03-02T12:00:00.000Z');

    await expectNoEdit(site, CAFE, `\uFEFF${CAFE_SEED.replace('Last paragraph', 'Final paragraph').replace(/\n/g, '\r\n')}`);

    expect(recordOf(site, CAFE).updated).toBe(MARCH_2.toISOString());
  });

  it('an edit undone before the next run is no edit', async () => {
    const site = await publishedSite();
    await site.writeSeed(CAFE, CAFE_SEED.replace('Last', 'First'));
    // In a bucket the bytes, and so the ETag, are as they were: the seed is not even read.
    await expectNoEdit(site, CAFE, CAFE_SEED, 0);
  });
});

describe('a real edit', () => {
  it('to a word of the second paragraph: one edit date, the page and the feeds (not the index) rewritten, the permalink kept', async () => {
    const site = await publishedSite();
    const index = bodyText(site, 'index.html');
    const published = atomDates(site, THREE_SLUGS[0]).published;

    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!.replace('50 hryvnias', '60 hryvnias'));
    const summary = await site.run();

    expect([...summary.objects.writtenKeys].sort()).toEqual([
      'articles/2026-02-01-harbour-ferry-returns.html',
      'atom.xml',
      'feed.json',
      'rss.xml',
    ]);
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(bodyText(site, HARBOUR_PAGE)).toContain('60 hryvnias');
    expect(bodyText(site, 'index.html')).toBe(index);
    expect(recordOf(site, HARBOUR).updated).toBe(MARCH_2.toISOString());
    expect(atomDates(site, THREE_SLUGS[0])).toEqual({ published, updated: MARCH_2.toISOString() });
    expect(jsonItem(site, THREE_SLUGS[0]).date_modified).toBe(MARCH_2.toISOString());
    // The others are untouched: no clock in their dates.
    expect(atomDates(site, THREE_SLUGS[1]).updated).toBe(atomDates(site, THREE_SLUGS[1]).published);

    // The clock on, nothing changed: nothing written, the edit date kept.
    const after = site.snapshot();
    site.now = MARCH_4;
    const next = await site.run();
    expect(next.objects.writtenKeys).toEqual([]);
    expect(site.snapshot()).toEqual(after);
    expect(recordOf(site, HARBOUR).updated).toBe(MARCH_2.toISOString());
  });

  it('of the title: the slug stays, one edit date, the index shows the new title', async () => {
    const site = await publishedSite();
    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!.replace('Harbour Ferry Returns', 'Harbour Ferry Is Back'));
    const summary = await site.run();

    expect([...summary.objects.writtenKeys].sort()).toEqual([HARBOUR_PAGE, 'atom.xml', 'feed.json', 'index.html', 'rss.xml']);
    expect(bodyText(site, 'index.html')).toContain('Harbour Ferry Is Back');
    expect(recordOf(site, HARBOUR)).toMatchObject({ slug: THREE_SLUGS[0], updated: MARCH_2.toISOString() });
    site.now = MARCH_3;
    expect((await site.run()).objects.writtenKeys).toEqual([]);
    expect(recordOf(site, HARBOUR).updated).toBe(MARCH_2.toISOString());
  });

  it('of the date (to another past day): the permalink stays, the item moves to its new day and gets one edit date', async () => {
    const site = await publishedSite();
    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!.replace('date 2026-02-01', 'date 2026-02-04'));
    const summary = await site.run();

    expect(summary.articles.unpublished).toBe(0);
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(recordOf(site, HARBOUR)).toMatchObject({ slug: THREE_SLUGS[0], day: '2026-02-04', updated: MARCH_2.toISOString() });
    expect(atomDates(site, THREE_SLUGS[0])).toEqual({ published: '2026-02-04T00:00:00.000Z', updated: MARCH_2.toISOString() });
    site.now = MARCH_3;
    expect((await site.run()).objects.writtenKeys).toEqual([]);
  });

  it('reverted later: the revert is an edit readers see, stamped by the run that saw it', async () => {
    const site = await publishedSite();
    const original = bodyText(site, HARBOUR_PAGE);
    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!.replace('50 hryvnias', '60 hryvnias'));
    await site.run();
    site.now = MARCH_3;

    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!);
    const summary = await site.run();

    expect(summary.objects.writtenKeys).toContain(HARBOUR_PAGE);
    expect(bodyText(site, HARBOUR_PAGE)).toContain('50 hryvnias');
    expect(recordOf(site, HARBOUR).updated).toBe(MARCH_3.toISOString());
    expect(atomDates(site, THREE_SLUGS[0]).updated).toBe(MARCH_3.toISOString());
    // The page shows the published day only: it is the original page again.
    expect(bodyText(site, HARBOUR_PAGE)).toBe(original);
  });

  it('in a folder: an edit of the same size with the modification time put back is seen, once', async () => {
    const dir = await tempDir('edits-');
    cleanup.push(dir);
    const site = await folderSite(dir, SEEDS);
    await site.run(MARCH_1);
    const path = join(site.seedsDir, HARBOUR);
    const { atime, mtime } = statSync(path);
    writeFileSync(path, THREE_SEEDS[HARBOUR]!.replace('50 hryvnias', '60 hryvnias'));
    utimesSync(path, atime, mtime);

    const summary = await site.run(MARCH_2);

    expect(summary.objects.writtenKeys).toContain(HARBOUR_PAGE);
    expect(readFileSync(join(site.outDir, HARBOUR_PAGE), 'utf8')).toContain('60 hryvnias');
    expect(site.record(HARBOUR).updated).toBe(MARCH_2.toISOString());
    expect((await site.run(MARCH_3)).objects.writtenKeys).toEqual([]);
    expect(site.record(HARBOUR).updated).toBe(MARCH_2.toISOString());
  });
});

const cleanup: TempDir[] = [];
afterEach(async () => {
  for (const dir of cleanup.splice(0)) await dir.remove();
});

async function folderSite(dir: TempDir, files: Readonly<Record<string, string>>) {
  const seedsDir = join(dir.path, 'seeds');
  const outDir = join(dir.path, 'out');
  await writeSeeds(seedsDir, files);
  const run = (now: Date): Promise<PublishSummary> =>
    publish(
      folderPublishDependencies({
        outDir,
        seedsDir,
        feed: testFeedConfig(),
        cacheControl: 'max-age=300',
        maxUnpublishShare: 0.2,
        now: () => now,
      }),
      {},
    );
  const record = (name: string) => parseManifest(readFileSync(join(outDir, MANIFEST)), MARCH_4).manifest.articles[name]!;
  const outFiles = () => {
    const files: Record<string, string> = {};
    for (const key of ['index.html', 'rss.xml', 'atom.xml', 'feed.json', ...THREE_SLUGS.map((slug) => `articles/${slug}.html`)]) {
      files[key] = readFileSync(join(outDir, key), 'utf8');
    }
    return files;
  };
  return { seedsDir, outDir, run, record, outFiles };
}

describe('a seeds folder', () => {
  it('a seed touched, then rewritten with the same bytes, then re-saved with CRLF: no edit, no published byte changed', async () => {
    const dir = await tempDir('edits-');
    cleanup.push(dir);
    const site = await folderSite(dir, SEEDS);
    await site.run(MARCH_1);
    const before = site.outFiles();
    const path = join(site.seedsDir, HARBOUR);

    utimesSync(path, new Date('2026-03-01T12:00:00Z'), new Date('2026-03-01T12:00:00Z'));
    const touched = await site.run(MARCH_2);
    writeFileSync(path, THREE_SEEDS[HARBOUR]!);
    const rewritten = await site.run(MARCH_3);
    writeFileSync(path, `\uFEFF${THREE_SEEDS[HARBOUR]!.replace(/\n/g, '\r\n')}`);
    const crlf = await site.run(MARCH_4);

    for (const summary of [touched, rewritten, crlf]) {
      expect(summary.articles.read).toBe(1);
      expect([...summary.objects.writtenKeys].sort()).toEqual([]);
    }
    expect(site.outFiles()).toEqual(before);
    expect(site.record(HARBOUR).updated).toBeUndefined();
  });
});

describe('clocks that go backwards between runs', () => {
  it('an edit seen by a run whose clock is behind the last edit: one edit date, never before the published date', async () => {
    const site = await publishedSite();
    site.now = MARCH_4;
    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!.replace('50 hryvnias', '60 hryvnias'));
    await site.run();
    site.now = MARCH_3;

    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!.replace('50 hryvnias', '70 hryvnias'));
    const summary = await site.run();

    expect(summary.articles.unpublished).toBe(0);
    expect(recordOf(site, HARBOUR).updated).toBe(MARCH_3.toISOString());
    const dates = atomDates(site, THREE_SLUGS[0]);
    expect(dates.updated).toBe(MARCH_3.toISOString());
    expect(Date.parse(dates.updated)).toBeGreaterThanOrEqual(Date.parse(dates.published));
    // The feed's own date is its newest item's, not a later one dropped.
    expect(/<feed[\s\S]*?<updated>([^<]+)<\/updated>/.exec(bodyText(site, 'atom.xml'))![1]).toBe(MARCH_3.toISOString());
  });

  it('an edit of an article published today, seen by a run whose clock is set back before its publish time: it stays published, no edit date before it', async () => {
    // Published on its day, 06:00 UTC; publish time 00:00 UTC.
    const files = { ...SEEDS, '2026-03-01-today.txt': seed('2026-03-01', 'Market Day', 'Stalls open at nine.', 'Parking is free.') };
    const site = memorySite(files, { now: MARCH_1 });
    await site.run();
    const page = 'articles/2026-03-01-market-day.html';
    expect(site.site.objects.has(page)).toBe(true);

    // The next run's clock is an hour behind midnight (a reset machine clock, `--now` mistyped).
    site.now = new Date('2026-02-28T23:00:00.000Z');
    await site.writeSeed('2026-03-01-today.txt', files['2026-03-01-today.txt']!.replace('free', 'paid'));
    const summary = await site.run();

    expect(summary.articles.unpublished).toBe(0);
    expect(site.site.objects.has(page)).toBe(true);
    const dates = atomDates(site, '2026-03-01-market-day');
    expect(Date.parse(dates.updated)).toBeGreaterThanOrEqual(Date.parse(dates.published));
  });

  it('a seed of an article published today re-saved with CRLF, seen by a run whose clock is set back before its publish time: nothing published changes', async () => {
    const files = { ...SEEDS, '2026-03-01-today.txt': seed('2026-03-01', 'Market Day', 'Stalls open at nine.', 'Parking is free.') };
    const site = memorySite(files, { now: MARCH_1 });
    await site.run();
    const before = site.snapshot({ withManifest: false });

    site.now = new Date('2026-02-28T23:00:00.000Z');
    await site.writeSeed('2026-03-01-today.txt', files['2026-03-01-today.txt']!.replace(/\n/g, '\r\n'));
    const summary = await site.run();

    expect(summary.articles.unpublished).toBe(0);
    expect(summary.objects.writtenKeys).toEqual([]);
    expect(site.snapshot({ withManifest: false })).toEqual(before);
  });

  it('a run with no change whose clock is behind an edit date: no date after the clock, none before the published date', async () => {
    const site = await publishedSite();
    site.now = MARCH_4;
    await site.writeSeed(HARBOUR, THREE_SEEDS[HARBOUR]!.replace('50 hryvnias', '60 hryvnias'));
    await site.run();

    site.now = MARCH_3;
    const summary = await site.run();

    expect(summary.articles.unpublished).toBe(0);
    expect(summary.warnings.join('\n')).toContain('after this run');
    for (const slug of THREE_SLUGS) {
      const { published, updated } = atomDates(site, slug);
      expect(Date.parse(updated)).toBeLessThanOrEqual(MARCH_3.getTime());
      expect(Date.parse(updated)).toBeGreaterThanOrEqual(Date.parse(published));
      expect(jsonItem(site, slug).date_modified).toBe(updated);
    }
  });
});

/** Notes 1–12, one a day in January 2026, itemLimit 4: archives 1 (notes 1–4) and 2 (5–8), the feeds 9–12. */
const NOTES: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from({ length: 12 }, (_, i) => {
    const day = `2026-01-${String(i + 1).padStart(2, '0')}`;
    return [`${day}-note.txt`, seed(day, `Note ${i + 1}`, `Text of note ${i + 1}.`, `More about note ${i + 1}.`)];
  }),
);

describe('an archived article', () => {
  async function archivedSite(): Promise<Site> {
    const site = memorySite(NOTES, { now: MARCH_1, config: testFeedConfig({ itemLimit: 4 }) });
    await site.run();
    expect(site.site.objects.has('archive/atom-2.xml')).toBe(true);
    site.now = MARCH_2;
    return site;
  }

  it('edited: its page and its own archive documents are rewritten, nothing else; then nothing', async () => {
    const site = await archivedSite();
    const name = '2026-01-02-note.txt';
    await site.writeSeed(name, NOTES[name]!.replace('More about', 'Much more about'));
    const summary = await site.run();

    expect([...summary.objects.writtenKeys].sort()).toEqual([
      'archive/atom-1.xml',
      'archive/feed-1.json',
      'archive/rss-1.xml',
      'articles/2026-01-02-note-2.html',
    ]);
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(recordOf(site, name).updated).toBe(MARCH_2.toISOString());
    const archive = JSON.parse(bodyText(site, 'archive/feed-1.json')) as { items: { url: string; date_modified: string }[] };
    expect(archive.items.find((item) => item.url.endsWith('2026-01-02-note-2.html'))!.date_modified).toBe(MARCH_2.toISOString());
    expect(archive.items.filter((item) => item.date_modified === MARCH_2.toISOString())).toHaveLength(1);

    const after = site.snapshot();
    site.now = MARCH_3;
    expect((await site.run()).objects.writtenKeys).toEqual([]);
    expect(site.snapshot()).toEqual(after);
  });

  it('re-saved with CRLF, a BOM and trailing spaces: nothing published is written', async () => {
    const site = await archivedSite();
    const name = '2026-01-06-note.txt';
    await expectNoEdit(site, name, `\uFEFF${NOTES[name]!.replace(/\n/g, ' \r\n')}`);
  });
});
