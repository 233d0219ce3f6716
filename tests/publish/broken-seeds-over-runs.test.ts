/**
 * Broken seeds, deletions and the unpublish guard over several runs, with other things changing
 * meanwhile (settings, itemLimit, newer articles). All in memory.
 */
import { describe, expect, it } from 'vitest';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import { StorageError } from '../../src/storage/storage.js';
import { seed, testFeedConfig, text } from './support.js';
import { linkedKeys, memorySite, refusingRead, type Site } from './support-site.js';
import { BROKEN, contentOf, dayOf, fileOf, jsonDocsWith, notes, pageOf, settingsWith } from './support-broken.js';
import { bucketState, outcomeOf } from './support-runs.js';

const NOW = new Date('2026-06-01T06:00:00Z');
const FUTURE = '2026-09-01';

function siteOf(files: Record<string, string>, itemLimit = 50, maxUnpublishShare = 0.2): Site {
  return memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit }), maxUnpublishShare });
}

const ids = (s: Site, key: string) =>
  (JSON.parse(s.snapshot()[key]!) as { items: { id: string }[] }).items.map((item) => item.id.replace(/^.*articles\//, ''));

describe('a broken seed kept through other changes', () => {
  it('in the feeds: a title change re-renders its page from the last good text, and it stays in the feeds', async () => {
    const s = siteOf(notes(0, 5), 3);
    await s.run();
    await s.writeSeed(fileOf(4), BROKEN);
    await s.run();
    settingsWith(s, { itemLimit: 3, title: 'Renamed News' });

    const summary = await s.run();

    const page = s.snapshot()[pageOf(4)]!;
    expect(page).toContain('Renamed News');
    expect(page).toContain('Good text 4.');
    expect(page).not.toContain('Broken text');
    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(4), keptPublished: true })]);
    expect(ids(s, 'feed.json')).toContain(`${dayOf(4)}-n4`);
  });

  it('archived: its last good text stays in its archive while the seed is broken', async () => {
    const s = siteOf(notes(0, 10), 3);
    await s.run();
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual(['archive/feed-1.json']);
    await s.writeSeed(fileOf(0), BROKEN);

    const summary = await s.run();

    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    expect(s.snapshot()[pageOf(0)]).toContain('Good text 0.');
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual(['archive/feed-1.json']);
  });

  it('archived: a JSON archive edited behind the publisher’s back is not taken for its last good text', async () => {
    const s = siteOf(notes(0, 10), 3);
    await s.run();
    const archive = s.site.objects.get('archive/feed-1.json')!;
    await s.site.put('archive/feed-1.json', Buffer.from(text(archive.body).replace('Good text 0.', 'Planted text 0.')), {
      contentType: archive.contentType ?? 'application/json',
    });
    await s.writeSeed(fileOf(0), BROKEN);

    const summary = await s.run();

    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0) })]);
    expect(Object.values(s.snapshot()).some((body) => body.includes('Planted text 0.'))).toBe(false);
    expect(s.snapshot()[pageOf(0)]).toContain('Good text 0.');
  });

  it('archived, then unreadable (no read permission): it stays in its archive and nothing published changes', async () => {
    const s = siteOf(notes(0, 10), 3);
    await s.run();
    await s.writeSeed(fileOf(0), contentOf(0, 'Good text 0, edited.'));
    const before = s.snapshot({ withManifest: false });
    const denied = refusingRead(
      s,
      fileOf(0),
      () => new StorageError('get', fileOf(0), { cause: Object.assign(new Error('denied'), { code: 'EACCES' }) }),
    );

    const summary = await publish({ storage: s.site, seeds: denied.seeds, settings: s.settings, now: () => s.now });

    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    expect(summary.objects.writtenKeys).toEqual([]);
    expect(s.snapshot({ withManifest: false })).toEqual(before);
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual(['archive/feed-1.json']);
  });

  it('in the feeds, then moved into the archives by newer articles: its last good text is in exactly one document after every run', async () => {
    const s = siteOf(notes(0, 4), 2);
    await s.run();
    await s.writeSeed(fileOf(3), BROKEN);
    const where: string[][] = [];
    for (let n = 4; n < 10; n++) {
      await s.writeSeed(fileOf(n), contentOf(n));
      const summary = await s.run();
      expect(summary.rejected.map((r) => r.file)).toEqual([fileOf(3)]);
      where.push(jsonDocsWith(s, 'Good text 3.'));
    }
    // One more run changing nothing, and one re-rendering every archive.
    await s.run();
    where.push(jsonDocsWith(s, 'Good text 3.'));
    settingsWith(s, { itemLimit: 2, title: 'Renamed News' });
    await s.run();
    where.push(jsonDocsWith(s, 'Good text 3.'));

    for (const docs of where) expect(docs).toHaveLength(1);
    expect(s.snapshot()[pageOf(3)]).toContain('Good text 3.');
  });

  it('archived: a siteUrl change leaves no page of the site naming the old site', async () => {
    const s = siteOf(notes(0, 10), 3);
    await s.run();
    await s.writeSeed(fileOf(0), BROKEN);
    await s.run();
    settingsWith(s, { itemLimit: 3 }, 'https://moved.example.org/');

    const summary = await s.run();

    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    const stale = Object.entries(s.snapshot({ withManifest: false }))
      .filter(([key, body]) => key.endsWith('.html') && body.includes('https://news.example.org/'))
      .map(([key]) => key);
    expect(stale).toEqual([]);
  });

  it('in the feeds: an itemLimit change keeps it published and listed once, and the other articles are all published', async () => {
    const s = siteOf(notes(0, 6), 4);
    await s.run();
    await s.writeSeed(fileOf(5), BROKEN);
    await s.run();
    settingsWith(s, { itemLimit: 2 });

    const summary = await s.run();

    expect(summary.articles).toMatchObject({ seeds: 6, published: 6, rejected: 1, unpublished: 0 });
    expect(jsonDocsWith(s, 'Good text 5.')).toEqual(['feed.json']);
    for (let n = 0; n < 6; n++) expect(s.site.objects.has(pageOf(n))).toBe(true);
  });

  it('reported on every run, the settled ones too, until fixed; fixed, its new text is published under the same permalink and stamped updated', async () => {
    const s = siteOf(notes(0, 4));
    await s.run();
    const before = s.snapshot()[pageOf(2)]!;
    await s.writeSeed(fileOf(2), BROKEN);
    const reports: PublishSummary[] = [];
    for (let i = 0; i < 3; i++) {
      s.now = new Date(NOW.getTime() + i * 3_600_000);
      reports.push(await s.run());
    }
    expect(s.snapshot()[pageOf(2)]).toBe(before);
    await s.writeSeed(fileOf(2), contentOf(2, 'Corrected text 2.'));
    s.now = new Date(NOW.getTime() + 5 * 3_600_000);

    const fixed = await s.run();

    for (const report of reports) {
      expect(report.rejected).toEqual([{ file: fileOf(2), line: 1, reason: expect.stringContaining('2026-02-30'), keptPublished: true }]);
      expect(report.articles).toMatchObject({ published: 4, rejected: 1 });
    }
    expect(reports[2]!.objects.written).toBe(0);
    expect(fixed.rejected).toEqual([]);
    expect(s.snapshot()[pageOf(2)]).toContain('Corrected text 2.');
    const item = (JSON.parse(s.snapshot()['feed.json']!) as { items: { id: string; date_modified: string; url: string }[] }).items.find(
      (entry) => entry.id.endsWith(`${dayOf(2)}-n2`),
    )!;
    expect(item.url).toBe(`https://news.example.org/${pageOf(2)}`);
    expect(item.date_modified).toBe(s.now.toISOString());
  });

  it('broken, then its last good text restored: no update stamped, the site as before it broke', async () => {
    const s = siteOf(notes(0, 4));
    await s.run();
    const before = s.snapshot({ withManifest: false });
    await s.writeSeed(fileOf(2), BROKEN);
    s.now = new Date('2026-06-02T06:00:00Z');
    await s.run();
    await s.writeSeed(fileOf(2), contentOf(2));
    s.now = new Date('2026-06-03T06:00:00Z');

    const restored = await s.run();

    expect(restored.rejected).toEqual([]);
    expect(s.snapshot({ withManifest: false })).toEqual(before);
  });

  it('broken, then deleted: unpublished (page gone, out of feeds and index), counted by the guard', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(3), BROKEN);
    await s.run();
    await s.deleteSeed(fileOf(3));

    const summary = await s.run();

    expect(summary.articles).toMatchObject({ unpublished: 1, published: 9, rejected: 0 });
    expect(summary.rejected).toEqual([]);
    expect(s.site.objects.has(pageOf(3))).toBe(false);
    expect(linkedKeys(s.site.objects)).not.toContain(pageOf(3));
    expect(summary.objects.deletedKeys).toEqual([pageOf(3)]);
  });

  it('broken, then renamed (still broken): the old article is unpublished, the new name reported, nothing published for it', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(3), BROKEN);
    await s.run();
    await s.deleteSeed(fileOf(3));
    await s.writeSeed('renamed.txt', BROKEN);

    const summary = await s.run();

    expect(summary.rejected).toEqual([expect.objectContaining({ file: 'renamed.txt', keptPublished: false })]);
    expect(summary.articles).toMatchObject({ seeds: 10, published: 9, unpublished: 1 });
    expect(s.site.objects.has(pageOf(3))).toBe(false);
    expect([...s.site.objects.keys()].filter((key) => key.startsWith('articles/'))).toHaveLength(9);
  });

  it('broken, then renamed and fixed: a new article with a new id and a slug of its own (the old slug not given again)', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(3), BROKEN);
    await s.run();
    await s.deleteSeed(fileOf(3));
    await s.writeSeed('renamed.txt', contentOf(3, 'Renamed text.'));

    const summary = await s.run();

    expect(summary.rejected).toEqual([]);
    expect(summary.articles).toMatchObject({ published: 10, unpublished: 1 });
    expect(s.site.objects.has(pageOf(3))).toBe(false);
    expect(s.snapshot()[pageOf(3).replace('.html', '-2.html')]).toContain('Renamed text.');
    expect(ids(s, 'feed.json')).toContain('renamed');
    expect(ids(s, 'feed.json')).not.toContain(`${dayOf(3)}-n3`);
  });
});

describe('a seed broken from its first appearance', () => {
  it('is reported on every run, never gets a page or a feed item, and deleting it unpublishes nothing', async () => {
    const s = siteOf({ ...notes(0, 4), 'new.txt': BROKEN });
    const runs: PublishSummary[] = [];
    for (let i = 0; i < 3; i++) {
      s.now = new Date(NOW.getTime() + i * 86_400_000);
      runs.push(await s.run());
    }
    await s.deleteSeed('new.txt');
    const after = await s.run();

    for (const run of runs) {
      expect(run.rejected).toEqual([{ file: 'new.txt', line: 1, reason: expect.stringContaining('2026-02-30'), keptPublished: false }]);
      expect(run.articles).toMatchObject({ seeds: 5, published: 4, rejected: 1 });
    }
    expect(runs[2]!.objects.written).toBe(0);
    expect([...s.site.objects.keys()].filter((key) => key.startsWith('articles/'))).toHaveLength(4);
    expect(after.rejected).toEqual([]);
    expect(after.articles.unpublished).toBe(0);
    expect(after.objects.deletedKeys).toEqual([]);
  });
});

describe('the unpublish guard: its base and its count', () => {
  async function publishedTen(share = 0.2, extra: Record<string, string> = {}) {
    const s = siteOf({ ...notes(0, 10), ...extra }, 3, share);
    await s.run();
    return s;
  }

  it('20 % of 10: two deletions go through, three are refused naming 3 of 10, writing nothing (every byte and ETag)', async () => {
    const two = await publishedTen();
    await two.deleteSeed(fileOf(0));
    await two.deleteSeed(fileOf(5));
    expect((await two.run()).articles.unpublished).toBe(2);

    const three = await publishedTen();
    for (const n of [0, 5, 9]) await three.deleteSeed(fileOf(n));
    await three.writeSeed(fileOf(7), contentOf(7, 'An edit meanwhile.'));
    await three.writeSeed(fileOf(8), BROKEN);
    const before = bucketState(three.site);
    const refused = await outcomeOf(three.run());
    expect(refused.error?.refused).toBe(true);
    expect(refused.error?.message).toMatch(/unpublish 3 of 10 published articles/);
    expect(refused.error?.message).toContain(fileOf(0));
    expect(bucketState(three.site)).toEqual(before);
  });

  it('held (future) articles are not in the base: 10 published and 5 held, 3 deletions refused as 3 of 10', async () => {
    const held = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`held-${i}.txt`, seed(FUTURE, `Held ${i}`, 'Later.')]));
    const s = await publishedTen(0.2, held);
    for (const n of [0, 1, 2]) await s.deleteSeed(fileOf(n));

    const refused = await outcomeOf(s.run());

    expect(refused.error?.message).toMatch(/unpublish 3 of 10 published/);
  });

  it('deleting held (never published) seeds unpublishes nothing and is not counted: 3 held and 2 published deleted of 10 go through', async () => {
    const held = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`held-${i}.txt`, seed(FUTURE, `Held ${i}`, 'Later.')]));
    const s = await publishedTen(0.2, held);
    for (const name of Object.keys(held)) await s.deleteSeed(name);
    for (const n of [0, 1]) await s.deleteSeed(fileOf(n));

    const summary = await s.run();

    expect(summary.articles).toMatchObject({ unpublished: 2, published: 8, held: 0 });
  });

  it('broken-but-kept articles are in the base, and deleting one counts: 9 good + 1 kept, deleting it and 2 others is refused as 3 of 10', async () => {
    const s = await publishedTen();
    await s.writeSeed(fileOf(4), BROKEN);
    await s.run();
    for (const n of [4, 6]) await s.deleteSeed(fileOf(n));
    const before = bucketState(s.site);
    // Two of ten: allowed (the broken one counts in the base and in the count).
    const dry = await outcomeOf(s.run({ dryRun: true }));
    expect(dry.summary?.articles.unpublished).toBe(2);
    expect(bucketState(s.site)).toEqual(before);
    await s.deleteSeed(fileOf(7));

    const refused = await outcomeOf(s.run());

    expect(refused.error?.message).toMatch(/unpublish 3 of 10 published/);
    expect(refused.error?.message).toContain(fileOf(4));
  });

  it('a never-published broken seed is in neither the base nor the count', async () => {
    const s = await publishedTen(0.2, { 'never.txt': BROKEN });
    for (const n of [0, 1]) await s.deleteSeed(fileOf(n));
    await s.deleteSeed('never.txt');

    const summary = await s.run();

    expect(summary.articles.unpublished).toBe(2);
  });

  it('exactly at the share is allowed: 58 % of 50 lets 29 go', async () => {
    const s = memorySite(notes(0, 50), { now: NOW, config: testFeedConfig({ itemLimit: 10 }), maxUnpublishShare: 0.58 });
    await s.run();
    for (let n = 0; n < 29; n++) await s.deleteSeed(fileOf(n));

    const result = await outcomeOf(s.run());

    expect(result.error?.message).toBeUndefined();
    expect(result.summary?.articles.unpublished).toBe(29);
  });

  it('share 0: a single deletion is refused; forced it goes, and the plain run after it writes nothing and is not refused', async () => {
    const s = await publishedTen(0);
    await s.deleteSeed(fileOf(9));
    const before = bucketState(s.site);

    const refused = await outcomeOf(s.run());
    expect(refused.error?.message).toMatch(/unpublish 1 of 10 published articles, more than the 0 % allowed/);
    expect(bucketState(s.site)).toEqual(before);
    const forced = await s.run({ force: true });
    const plain = await s.run();

    expect(forced.articles.unpublished).toBe(1);
    expect(s.site.objects.has(pageOf(9))).toBe(false);
    expect(plain.objects.written).toBe(0);
    expect(plain.objects.deleted).toBe(0);
    expect(plain.articles.published).toBe(9);
  });

  it('share 1: nine of ten go without force, archives and all', async () => {
    const s = await publishedTen(1);
    for (let n = 0; n < 9; n++) await s.deleteSeed(fileOf(n));

    const summary = await s.run();

    expect(summary.articles).toMatchObject({ unpublished: 9, published: 1 });
    expect([...s.site.objects.keys()].filter((key) => key.startsWith('articles/') || key.startsWith('archive/'))).toEqual([pageOf(9)]);
  });
});

describe('a published seed dated in the future', () => {
  it('leaves the site (page deleted, held until its day), counted by the guard, and comes back under its permalink on its day', async () => {
    const s = siteOf(notes(0, 10), 3);
    await s.run();
    await s.writeSeed(fileOf(5), seed(FUTURE, 'Note 5', 'Postponed.'));

    const moved = await s.run();
    expect(moved.held).toEqual([{ file: fileOf(5), date: FUTURE }]);
    expect(moved.articles.unpublished).toBe(1);
    expect(s.site.objects.has(pageOf(5))).toBe(false);
    expect(linkedKeys(s.site.objects)).not.toContain(pageOf(5));
    s.now = new Date(`${FUTURE}T06:00:00Z`);
    const due = await s.run();

    expect(due.held).toEqual([]);
    expect(s.snapshot()[pageOf(5)]).toContain('Postponed.');
  });

  it('three of ten moved to the future are refused naming 3 of 10, the public site untouched; forced, held; the plain run after is quiet', async () => {
    const s = siteOf(notes(0, 10), 3);
    await s.run();
    for (const n of [1, 4, 8]) await s.writeSeed(fileOf(n), seed(FUTURE, `Note ${n}`, 'Postponed.'));
    const before = s.snapshot({ withManifest: false });
    const all = bucketState(s.site);

    const refused = await outcomeOf(s.run());
    expect(bucketState(s.site)).toEqual(all);
    expect(refused.error?.refused).toBe(true);
    expect(refused.error?.message).toMatch(/unpublish 3 of 10 published articles/);
    expect(s.snapshot({ withManifest: false })).toEqual(before);
    const again = await outcomeOf(s.run());
    expect(again.error?.message).toMatch(/unpublish 3 of 10 published articles/);
    const forced = await s.run({ force: true });
    const plain = await s.run();

    expect(forced.held.map((h) => h.file)).toEqual([fileOf(1), fileOf(4), fileOf(8)]);
    expect(forced.articles.unpublished).toBe(3);
    expect(plain.held).toHaveLength(3);
    expect(plain.objects.written).toBe(0);
    for (const n of [1, 4, 8]) expect(s.site.objects.has(pageOf(n))).toBe(false);
  });

  it('a broken published seed moved to the future while broken stays as its last good version, reported, not held', async () => {
    const s = siteOf(notes(0, 5));
    await s.run();
    await s.writeSeed(fileOf(2), BROKEN);
    await s.run();
    await s.writeSeed(fileOf(2), `date ${FUTURE}\n\nNo title.\n`);

    const summary = await s.run();

    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(2), keptPublished: true })]);
    expect(summary.held).toEqual([]);
    expect(s.snapshot()[pageOf(2)]).toContain('Good text 2.');
  });
});
