/**
 * Where the RFC 5005 archive pages end, over histories the other archive suites do not walk: a
 * seed that breaks and is fixed, an article dated back into a full newest archive, a manifest
 * lost after a backdated article swelled the newest archive. An archive document keeps its
 * articles unless one of them changed: a reader that has fetched it need not fetch it again.
 */
import { describe, expect, it } from 'vitest';
import { seed, testFeedConfig, text } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';
import { parseDocument } from './site-links.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');

/** Note `n`, dated March `n`, 2026. */
const noteFile = (n: number) => `2026-03-${String(n).padStart(2, '0')}-note.txt`;
const noteSeed = (n: number) => seed(`2026-03-${String(n).padStart(2, '0')}`, `Note ${n}`, `Paragraph ${n}.`);
const stem = (n: number) => noteFile(n).slice(0, -'.txt'.length);

function notes(...days: number[]): Record<string, string> {
  return Object.fromEntries(days.map((n) => [noteFile(n), noteSeed(n)]));
}

/** Notes on `days`, two to a feed and to an archive page. */
function siteOf(days: number[]): Site {
  return memorySite(notes(...days), { now: NOW, config: testFeedConfig({ itemLimit: 2 }) });
}

type Objects = ReadonlyMap<string, { readonly body: Uint8Array }>;

/** Each JSON archive's items, by number from 1, as the stems of their ids (newest first, as listed). */
function archivePages(objects: Objects): string[][] {
  const pages: string[][] = [];
  for (let number = 1; objects.has(`archive/feed-${number}.json`); number++) {
    const { items } = parseDocument('json', text(objects.get(`archive/feed-${number}.json`)!.body));
    pages.push(items.map((item) => item.id.split('/').at(-1)!));
  }
  return pages;
}

/** The archive documents, every format, as text by key. */
function archiveDocuments(objects: Objects): Record<string, string> {
  return Object.fromEntries(
    [...objects]
      .filter(([key]) => key.startsWith('archive/'))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, object]) => [key, text(object.body)]),
  );
}

describe('an archived article whose seed stops parsing', () => {
  it('returns to its own archive document once fixed, leaving every archive document as a clean publish has it', async () => {
    // Prepare: notes 1–7, two a page: archives 1 [1, 2], 2 [3, 4] (closed, ending at note 4), 3 [5].
    const s = siteOf([1, 2, 3, 4, 5, 6, 7]);
    await s.run();
    const published = archiveDocuments(s.site.objects);
    await s.writeSeed(noteFile(4), 'not a seed\n');
    await s.run();

    // Act: the seed fixed, exactly as it was.
    await s.writeSeed(noteFile(4), noteSeed(4));
    await s.run();

    // Assess: note 4 is back in archive 2, and archive 3, none of whose articles changed, is as it was.
    expect(archivePages(s.site.objects)).toEqual([[stem(2), stem(1)], [stem(4), stem(3)], [stem(5)]]);
    expect(archiveDocuments(s.site.objects)).toEqual(published);
  });
});

describe('an article dated back into the newest archive', () => {
  it('when that archive is full, joins it without moving that archive’s newest article to a new archive', async () => {
    // Prepare: notes on odd days 1–15, two a page: feeds [15, 13], archives 1 [1, 3], 2 [5, 7], 3 [9, 11], the newest, full.
    const s = siteOf([1, 3, 5, 7, 9, 11, 13, 15]);
    await s.run();

    // Act: note 8, dated back between archives 2 and 3.
    await s.writeSeed(noteFile(8), noteSeed(8));
    await s.run();

    // Assess: note 11 stays in archive 3, which the backdated article joins.
    expect(archivePages(s.site.objects)).toEqual([
      [stem(3), stem(1)],
      [stem(7), stem(5)],
      [stem(11), stem(9), stem(8)],
    ]);
  });
});

describe('a manifest lost', () => {
  it('after a backdated article swelled the newest archive past the item limit: every archive document keeps its articles and its bytes', async () => {
    // Prepare: notes on odd days 1–13, two a page; note 9 deleted leaves archive 2 [5, 7] the newest,
    // closed; note 6 dated back joins it: archives 1 [1, 3], 2 [5, 6, 7].
    const s = siteOf([1, 3, 5, 7, 9, 11, 13]);
    await s.run();
    await s.deleteSeed(noteFile(9));
    await s.run();
    await s.writeSeed(noteFile(6), noteSeed(6));
    await s.run();
    const before = archiveDocuments(s.site.objects);
    await s.site.delete(MANIFEST);

    // Act
    const summary = await s.run();

    // Assess
    expect(summary.warnings.join('\n')).toMatch(/manifest\.json is missing/);
    expect(archivePages(s.site.objects)).toEqual([
      [stem(3), stem(1)],
      [stem(7), stem(6), stem(5)],
    ]);
    expect(archiveDocuments(s.site.objects)).toEqual(before);
  });
});

describe('articles arriving one run at a time, each newer than the last', () => {
  it('leave the feeds and every archive document with the bytes of a clean publish of the same seeds', async () => {
    // Prepare
    const incremental = siteOf([]);
    const clean = siteOf([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    // Act
    for (let n = 1; n <= 9; n++) {
      await incremental.writeSeed(noteFile(n), noteSeed(n));
      await incremental.run();
    }
    await clean.run();

    // Assess
    expect(archivePages(incremental.site.objects)).toHaveLength(4);
    expect(incremental.snapshot({ withManifest: false })).toEqual(clean.snapshot({ withManifest: false }));
  });
});
