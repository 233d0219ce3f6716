/**
 * RFC 5005 archives: older articles in archive documents chained to the feeds, every article
 * exactly once, archives stable as articles are added, and rendered only when they change.
 */
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { listPublished, publish } from '../../src/publish/publish.js';
import { listSeeds } from '../../src/publish/seeds.js';
import { listingDigest } from '../../src/publish/settled.js';
import { DEFAULT_LIMITS } from '../../src/config/limits.js';
import { digest } from '../../src/publish/manifest.js';
import { type PlanSettings, SITE_RENDER_VERSION } from '../../src/publish/plan.js';
import { PAGE_TEMPLATE_VERSION } from '../../src/site/article-page.js';
import { archiveDocument, archiveKeys, CONTENT_TYPES } from '../../src/site-files.js';
import type { Storage } from '../../src/storage/storage.js';
import { seed, SITE, testFeedConfig, text, utf8 } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Seven articles a day apart: with two items a feed, two in the feeds and five in three archives. */
function sevenSeeds(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let day = 1; day <= 7; day++) {
    const date = `2026-03-0${day}`;
    files[`${date}-note.txt`] = seed(date, `Note ${day}`, `Paragraph ${day}.`);
  }
  return files;
}

function site() {
  return memorySite(sevenSeeds(), { now: NOW, config: testFeedConfig({ itemLimit: 2 }) });
}

type Objects = ReadonlyMap<string, { body: Uint8Array }>;
const keyOf = (url: string) => url.slice(SITE.length);

/** Follows an XML feed's prev-archive links from the subscription document; the ids and documents seen. */
function followXml(objects: Objects, start: string, format: 'rss' | 'atom'): { ids: string[]; documents: string[] } {
  const ids: string[] = [];
  const documents: string[] = [];
  for (let key: string | undefined = start; key !== undefined; ) {
    documents.push(key);
    const parsed = xml.parse(text(objects.get(key)!.body)) as {
      rss?: { channel: Record<string, unknown> };
      feed?: Record<string, unknown>;
    };
    const container: Record<string, unknown> = format === 'rss' ? parsed.rss!.channel : parsed.feed!;
    const links = asArray(
      (format === 'rss' ? container['atom:link'] : container.link) as
        | { '@rel': string; '@href': string }
        | { '@rel': string; '@href': string }[],
    );
    type Item = { guid?: { '#text': string }; id?: string };
    const items = asArray((format === 'rss' ? container.item : container.entry) as Item | Item[] | undefined);
    ids.push(...items.map((item) => (format === 'rss' ? item.guid!['#text'] : item.id!)));
    const older: { '@href': string } | undefined = links.find((link) => link['@rel'] === 'prev-archive');
    key = older ? keyOf(older['@href']) : undefined;
  }
  return { ids, documents };
}

function followJson(objects: Objects): { ids: string[]; documents: string[] } {
  const ids: string[] = [];
  const documents: string[] = [];
  for (let key: string | undefined = 'feed.json'; key !== undefined; ) {
    documents.push(key);
    const feed = JSON.parse(text(objects.get(key)!.body)) as { items: { id: string }[]; next_url?: string };
    ids.push(...feed.items.map((item) => item.id));
    key = feed.next_url ? keyOf(feed.next_url) : undefined;
  }
  return { ids, documents };
}

/** The seeds' storage, recording the name of each seed read. */
function readsRecorded(storage: Storage, reads: string[]): Storage {
  return {
    get: (key) => {
      reads.push(key);
      return storage.get(key);
    },
    list: (prefix, options) => storage.list(prefix, options),
    put: (key, body, options) => storage.put(key, body, options),
    delete: (key) => storage.delete(key),
  };
}

const ALL_IDS = Array.from({ length: 7 }, (_, i) => `tag:news.example.org,2026:articles/2026-03-0${7 - i}-note`);

describe('archives (RFC 5005)', () => {
  it('chain every article exactly once from each feed, newest first, in RSS, Atom and JSON Feed', async () => {
    // Prepare
    const s = site();

    // Act
    await s.run();

    // Assess
    const rss = followXml(s.site.objects, 'rss.xml', 'rss');
    const atom = followXml(s.site.objects, 'atom.xml', 'atom');
    const json = followJson(s.site.objects);
    for (const chain of [rss, atom, json]) expect(chain.ids).toEqual(ALL_IDS);
    expect(rss.documents).toEqual(['rss.xml', 'archive/rss-3.xml', 'archive/rss-2.xml', 'archive/rss-1.xml']);
    expect(atom.documents).toEqual(['atom.xml', 'archive/atom-3.xml', 'archive/atom-2.xml', 'archive/atom-1.xml']);
    expect(json.documents).toEqual(['feed.json', 'archive/feed-3.json', 'archive/feed-2.json', 'archive/feed-1.json']);
  });

  it('mark archives with fh:archive and link them to the feed, to older and to newer archives; the feed itself is no archive', async () => {
    // Prepare
    const s = site();

    // Act
    await s.run();

    // Assess
    const middle = text(s.site.objects.get('archive/atom-2.xml')!.body);
    expect(middle).toContain('xmlns:fh="http://purl.org/syndication/history/1.0"');
    expect(middle).toContain('<fh:archive/>');
    expect(middle).toContain(`<link rel="self" href="${SITE}archive/atom-2.xml"/>`);
    expect(middle).toContain(`<link rel="current" href="${SITE}atom.xml"/>`);
    expect(middle).toContain(`<link rel="prev-archive" href="${SITE}archive/atom-1.xml"/>`);
    expect(middle).toContain(`<link rel="next-archive" href="${SITE}archive/atom-3.xml"/>`);
    const oldest = text(s.site.objects.get('archive/rss-1.xml')!.body);
    expect(oldest).toContain(`<atom:link href="${SITE}archive/rss-2.xml" rel="next-archive" type="application/rss+xml"/>`);
    expect(oldest).not.toContain('rel="prev-archive"');
    const current = text(s.site.objects.get('rss.xml')!.body);
    expect(current).not.toContain('fh:archive');
    expect(current).toContain(`<atom:link href="${SITE}archive/rss-3.xml" rel="prev-archive" type="application/rss+xml"/>`);
  });

  it('give full archives a long Cache-Control and the newest one, still filling, the feeds’ own', async () => {
    // Prepare
    const s = site();

    // Act
    await s.run();

    // Assess
    expect(s.site.objects.get('archive/rss-1.xml')!.cacheControl).toBe('max-age=86400');
    expect(s.site.objects.get('archive/feed-2.json')!.cacheControl).toBe('max-age=86400');
    expect(s.site.objects.get('archive/atom-3.xml')!.cacheControl).toBe('max-age=300');
  });

  it('stay stable: an added article changes only the newest archive (and the one before it when a new one starts)', async () => {
    // Prepare
    const s = site();
    await s.run();
    const seedReads: string[] = [];
    const seeds = readsRecorded(s.seeds, seedReads);

    // Act: the eighth article fills archive 3; the ninth starts archive 4.
    await s.writeSeed('2026-03-08-note.txt', seed('2026-03-08', 'Note 8', 'Paragraph 8.'));
    const eighth = await publish({ storage: s.site, seeds, settings: s.settings, now: () => s.now });
    await s.writeSeed('2026-03-09-note.txt', seed('2026-03-09', 'Note 9', 'Paragraph 9.'));
    const ninth = await s.run();

    // Assess
    const archivesWritten = (keys: readonly string[]) => keys.filter((key) => key.startsWith('archive/')).sort();
    expect(archivesWritten(eighth.objects.writtenKeys)).toEqual(['archive/atom-3.xml', 'archive/feed-3.json', 'archive/rss-3.xml']);
    expect(seedReads).toEqual(['2026-03-08-note.txt']);
    expect(archivesWritten(ninth.objects.writtenKeys)).toEqual([
      'archive/atom-3.xml',
      'archive/atom-4.xml',
      'archive/feed-3.json',
      'archive/feed-4.json',
      'archive/rss-3.xml',
      'archive/rss-4.xml',
    ]);
    expect(followJson(s.site.objects).ids).toHaveLength(9);
  });

  it('stay stable when an old article is deleted or edited: only its own archive changes, read from its own seeds', async () => {
    // Prepare: archives 1 to 3 hold notes 1–2, 3–4 and 5.
    const s = site();
    await s.run();
    const before = s.snapshot();
    const seedReads: string[] = [];
    const seeds = readsRecorded(s.seeds, seedReads);
    const archivesWritten = (keys: readonly string[]) => keys.filter((key) => key.startsWith('archive/')).sort();

    // Act
    await s.deleteSeed('2026-03-01-note.txt');
    const deleted = await publish({ storage: s.site, seeds, settings: s.settings, now: () => s.now });
    const readsForDeletion = [...seedReads];
    await s.writeSeed('2026-03-03-note.txt', seed('2026-03-03', 'Note 3, corrected', 'Paragraph 3.'));
    const edited = await s.run();

    // Assess
    expect(archivesWritten(deleted.objects.writtenKeys)).toEqual(['archive/atom-1.xml', 'archive/feed-1.json', 'archive/rss-1.xml']);
    expect(readsForDeletion).toEqual(['2026-03-02-note.txt']);
    expect(archivesWritten(edited.objects.writtenKeys)).toEqual(['archive/atom-2.xml', 'archive/feed-2.json', 'archive/rss-2.xml']);
    for (const key of ['archive/rss-3.xml', 'archive/atom-3.xml', 'archive/feed-3.json']) expect(s.snapshot()[key]).toBe(before[key]);
    const chain = followJson(s.site.objects);
    expect(chain.ids).toEqual(ALL_IDS.slice(0, 6));
    expect(chain.documents).toEqual(['feed.json', 'archive/feed-3.json', 'archive/feed-2.json', 'archive/feed-1.json']);
  });

  it('drop an archive whose articles are all gone, and still chain every article once', async () => {
    // Prepare
    const s = memorySite(sevenSeeds(), { now: NOW, config: testFeedConfig({ itemLimit: 2 }), maxUnpublishShare: 0.5 });
    await s.run();

    // Act: notes 1 and 2 were archive 1.
    await s.deleteSeed('2026-03-01-note.txt');
    await s.deleteSeed('2026-03-02-note.txt');
    await s.run();

    // Assess
    for (const format of ['rss', 'atom'] as const) {
      const chain = followXml(s.site.objects, `${format}.xml`, format);
      expect(chain.ids).toEqual(ALL_IDS.slice(0, 5));
      expect(chain.documents).toEqual([`${format}.xml`, `archive/${format}-2.xml`, `archive/${format}-1.xml`]);
    }
  });

  it('take a backdated article into the archive its day falls in, and start afresh when one grows past twice the page size', async () => {
    // Prepare: archive 1 holds notes 1 and 2.
    const s = site();
    await s.run();
    const backdated = (name: string) => s.writeSeed(`2026-03-01-${name}.txt`, seed('2026-03-01', `Found late: ${name}`, 'Text.'));
    const archivesWritten = (keys: readonly string[]) => keys.filter((key) => key.startsWith('archive/feed-')).sort();
    const page = (n: number) =>
      (JSON.parse(s.snapshot()[`archive/feed-${n}.json`]!) as { items: { id: string }[] }).items.map((item) => item.id.split('/').at(-1));

    // Act
    await backdated('extra');
    const one = await s.run();
    const firstArchive = page(1);
    await backdated('late');
    await backdated('more');
    const three = await s.run();

    // Assess: archive 1 alone took the first; with five, archive 1 is over twice the size and the archive is cut again.
    expect(archivesWritten(one.objects.writtenKeys)).toEqual(['archive/feed-1.json']);
    // Items of one day in id order, as in every feed document.
    expect(firstArchive).toEqual(['2026-03-02-note', '2026-03-01-extra', '2026-03-01-note']);
    expect(archivesWritten(three.objects.writtenKeys)).toEqual([
      'archive/feed-1.json',
      'archive/feed-2.json',
      'archive/feed-3.json',
      'archive/feed-4.json',
    ]);
    expect([page(1), page(2), page(3), page(4)]).toEqual([
      ['2026-03-01-more', '2026-03-01-note'],
      ['2026-03-01-extra', '2026-03-01-late'],
      ['2026-03-03-note', '2026-03-02-note'],
      ['2026-03-05-note', '2026-03-04-note'],
    ]);
    expect(followJson(s.site.objects).ids).toHaveLength(10);
  });

  it('are made again to fit when MAX_FEED_BYTES is lowered below their size, as a site published with it has them', async () => {
    // Prepare: two long articles per archive page, archives of about 13 KB, then a limit of 16 KiB
    // that only the full archives, not the feeds' two short items, are over.
    const files: Record<string, string> = {};
    for (let day = 1; day <= 6; day++) {
      const date = `2026-03-0${day}`;
      files[`${date}-long.txt`] = seed(date, `Long Read ${day}`, `Lede ${day}.`, 'Body text, at length. '.repeat(300));
    }
    files['2026-03-08-short.txt'] = seed('2026-03-08', 'Short 8', 'Short.');
    files['2026-03-09-short.txt'] = seed('2026-03-09', 'Short 9', 'Short.');
    const config = testFeedConfig({ itemLimit: 2 });
    const lowered = { seedBytes: 1024 * 1024, feedBytes: 16 * 1024 };
    const s = memorySite(files, { now: NOW, config });
    await s.run();
    const fresh = memorySite(files, { now: NOW, config });
    fresh.settings = { ...fresh.settings, limits: lowered };
    await fresh.run();

    // Act
    s.settings = { ...s.settings, limits: lowered };
    const summary = await s.run();

    // Assess
    const archives = (snapshot: Record<string, string>) => Object.entries(snapshot).filter(([key]) => key.startsWith('archive/'));
    expect(summary.objects.writtenKeys.filter((key) => key.startsWith('archive/')).length).toBeGreaterThan(0);
    expect(archives(s.snapshot())).toEqual(archives(fresh.snapshot()));
    for (const [key, body] of archives(s.snapshot())) expect(Buffer.byteLength(body), key).toBeLessThanOrEqual(16 * 1024);
  });

  it('are not rendered again when nothing changed, and an archive altered in the bucket is put back', async () => {
    // Prepare
    const s = site();
    await s.run();
    const clean = s.snapshot();

    // Act
    const unchanged = await s.run();
    await s.site.put('archive/rss-2.xml', new TextEncoder().encode('<rss/>'), { contentType: 'application/xml' });
    const repaired = await s.run();

    // Assess
    expect(unchanged.objects.written).toBe(0);
    expect(repaired.objects.writtenKeys.filter((key) => key.startsWith('archive/')).sort()).toEqual([
      'archive/atom-2.xml',
      'archive/feed-2.json',
      'archive/rss-2.xml',
    ]);
    expect(s.snapshot()).toEqual(clean);
  });

  it('are put back when missing, also when the newest archive is a closed page and nothing else changed', async () => {
    // Prepare: nine notes, two a page: archives [1, 2], [3, 4], [5, 6] closed and [7] filling.
    // Note 7 deleted leaves [5, 6] the newest archive, closed at its end.
    const files = sevenSeeds();
    for (const day of [8, 9]) files[`2026-03-0${day}-note.txt`] = seed(`2026-03-0${day}`, `Note ${day}`, `Paragraph ${day}.`);
    const s = memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit: 2 }) });
    await s.run();
    await s.deleteSeed('2026-03-07-note.txt');
    await s.run();
    const settled = s.snapshot();
    const newest = Object.values(archiveKeys(3));

    // Act: the newest archive's documents deleted behind the publisher's back.
    for (const key of newest) await s.site.delete(key);
    const repaired = await s.run();

    // Assess
    expect(Object.keys(settled).filter((key) => key.startsWith('archive/feed-'))).toHaveLength(3);
    expect([...repaired.objects.writtenKeys].sort()).toEqual([...newest].sort());
    expect(s.snapshot()).toEqual(settled);
  });

  describe('numbered beyond the archive', () => {
    /** The settled state's settings digest as the version before archive documents were deleted wrote it. */
    const earlierSettings = (settings: PlanSettings) =>
      digest(
        JSON.stringify([
          SITE_RENDER_VERSION,
          PAGE_TEMPLATE_VERSION,
          CONTENT_TYPES,
          settings.config,
          settings.cacheControl,
          settings.limits ?? DEFAULT_LIMITS,
          settings.maxUnpublishShare,
        ]),
      );

    /**
     * The site's storage, failing the test when a delete comes while a document that stays (every
     * one but the manifest and the archive documents numbered beyond `pages`) still links to the
     * key it deletes.
     */
    function deletingUnlinked(s: Site, pages: number): { storage: Storage; deleted: string[] } {
      const deleted: string[] = [];
      const stays = (key: string) => key !== MANIFEST && (archiveDocument(key)?.number ?? 0) <= pages;
      return {
        deleted,
        storage: {
          get: (key) => s.site.get(key),
          list: (prefix, options) => s.site.list(prefix, options),
          put: (key, body, options) => s.site.put(key, body, options),
          delete: async (key) => {
            for (const [other, object] of s.site.objects) {
              if (other !== key && stays(other) && text(object.body).includes(SITE + key))
                throw new Error(`${other} still links to ${key}`);
            }
            deleted.push(key);
            return s.site.delete(key);
          },
        },
      };
    }

    /** The site as a first publish of the same seeds with the same settings makes it, without the manifest. */
    async function cleanPublish(s: Site): Promise<Record<string, string>> {
      const files: Record<string, string> = {};
      for (const [key, object] of s.seeds.objects) files[key] = text(object.body);
      const fresh = memorySite(files, { now: s.now, config: s.settings.config });
      await fresh.run();
      return fresh.snapshot({ withManifest: false });
    }

    it('are deleted, in every format, once nothing links to them, when the archive loses its newest page', async () => {
      // Prepare: archives 1 (notes 1, 2), 2 (notes 3, 4) and 3 (note 5).
      const s = memorySite(sevenSeeds(), { now: NOW, config: testFeedConfig({ itemLimit: 2 }), maxUnpublishShare: 0.5 });
      await s.run();
      const { storage, deleted } = deletingUnlinked(s, 2);

      // Act: note 5 was archive 3, and all of it.
      await s.deleteSeed('2026-03-05-note.txt');
      const summary = await s.run({}, storage);

      // Assess: archive 3's documents are gone, and the site is what a first publish of six notes makes.
      const archive3 = Object.values(archiveKeys(3)).sort();
      expect(summary.objects.deletedKeys).toEqual([
        'archive/atom-3.xml',
        'archive/feed-3.json',
        'archive/rss-3.xml',
        'articles/2026-03-05-note-5.html',
      ]);
      expect(deleted.filter((key) => key.startsWith('archive/')).sort()).toEqual(archive3);
      expect(summary.articles.unpublished).toBe(1);
      expect(s.snapshot({ withManifest: false })).toEqual(await cleanPublish(s));
      expect((await s.run()).objects).toMatchObject({ written: 0, deleted: 0 });
    });

    it('are deleted when a new item limit cuts the archive afresh into fewer pages', async () => {
      // Prepare: with two items a page, three archives.
      const s = site();
      await s.run();

      // Act: three a page make two.
      s.settings = { ...s.settings, config: testFeedConfig({ itemLimit: 3 }) };
      const summary = await s.run();

      // Assess
      expect(summary.objects.deletedKeys).toEqual(Object.values(archiveKeys(3)).sort());
      expect(
        Object.keys(s.snapshot())
          .filter((key) => key.startsWith('archive/'))
          .sort(),
      ).toEqual([...Object.values(archiveKeys(1)), ...Object.values(archiveKeys(2))].sort());
      expect(s.snapshot({ withManifest: false })).toEqual(await cleanPublish(s));
    });

    it('are found by the next run when the run that should have deleted them stopped first', async () => {
      // Prepare
      const s = memorySite(sevenSeeds(), { now: NOW, config: testFeedConfig({ itemLimit: 2 }), maxUnpublishShare: 0.5 });
      await s.run();
      await s.deleteSeed('2026-03-05-note.txt');
      const refusingDeletes: Storage = { ...deletingUnlinked(s, 2).storage, delete: () => Promise.reject(new Error('access denied')) };
      await expect(s.run({}, refusingDeletes)).rejects.toThrow(/access denied/);

      // Act
      const summary = await s.run();

      // Assess
      expect(summary.objects.deletedKeys).toEqual(expect.arrayContaining(Object.values(archiveKeys(3))));
      expect(s.snapshot({ withManifest: false })).toEqual(await cleanPublish(s));
    });

    it('are deleted when they were left there by an earlier version that settled the site with them', async () => {
      // Prepare: a settled site, then documents numbered 4 and 9 as an earlier version left them,
      // recorded in the settled state's listing under that version's settings digest (the same
      // settings, as it spelt them: it had no RECONCILE_VERSION).
      const s = site();
      await s.run();
      const left = [...Object.values(archiveKeys(4)), ...Object.values(archiveKeys(9))];
      for (const key of left) await s.site.put(key, utf8('<rss version="2.0"/>'), { contentType: 'application/xml' });
      const { seeds } = await listSeeds(s.seeds);
      const listing = listingDigest(seeds, await listPublished(s.site));
      const manifest = text(s.site.objects.get(MANIFEST)!.body);
      const earlier = manifest.replace(
        /"settled": \{"listing":"[0-9a-f]+","settings":"[0-9a-f]+"/,
        `"settled": {"listing":"${listing}","settings":"${earlierSettings(s.settings)}"`,
      );
      expect(earlier).not.toBe(manifest);
      await s.site.put(MANIFEST, utf8(earlier), { contentType: 'application/json' });

      // Act
      const summary = await s.run();

      // Assess
      expect(summary.objects.deletedKeys).toEqual([...left].sort());
      expect(summary.objects.written).toBe(0);
      expect(s.snapshot({ withManifest: false })).toEqual(await cleanPublish(s));
    });

    it('are deleted when they appear behind the publisher’s back on a site with nothing else to do', async () => {
      // Prepare
      const s = site();
      await s.run();
      const clean = s.snapshot();
      for (const key of Object.values(archiveKeys(4))) await s.site.put(key, utf8('stale'), { contentType: 'application/xml' });

      // Act
      const summary = await s.run();

      // Assess
      expect(summary.objects).toMatchObject({ written: 0, deletedKeys: Object.values(archiveKeys(4)).sort() });
      expect(s.snapshot()).toEqual(clean);
    });

    it('are told from files of other names kept under archive/, which stay', async () => {
      // Prepare
      const s = memorySite(sevenSeeds(), { now: NOW, config: testFeedConfig({ itemLimit: 2 }), maxUnpublishShare: 0.5 });
      await s.run();
      const others = [
        'archive/notes.txt',
        'archive/rss-03.xml',
        'archive/rss-0.xml',
        'archive/rss-9.json',
        'archive/feed-9.xml',
        'archive/old/rss-9.xml',
      ];
      for (const key of others) await s.site.put(key, utf8('kept'), { contentType: 'text/plain' });

      // Act
      await s.deleteSeed('2026-03-05-note.txt');
      const summary = await s.run();

      // Assess
      expect(summary.objects.deletedKeys.filter((key) => key.startsWith('archive/'))).toEqual(Object.values(archiveKeys(3)).sort());
      for (const key of others) expect(s.snapshot()[key], key).toBe('kept');
    });
  });

  it('name their documents in a way only their own keys match', () => {
    // Assess
    for (const number of [1, 7, 120]) {
      const keys = archiveKeys(number);
      expect(archiveDocument(keys.rss)).toEqual({ number, format: 'rss' });
      expect(archiveDocument(keys.atom)).toEqual({ number, format: 'atom' });
      expect(archiveDocument(keys.json)).toEqual({ number, format: 'json' });
    }
    for (const key of [
      'archive/rss-01.xml',
      'archive/rss-0.xml',
      'archive/atom-2.json',
      'archive/feed-2.xml',
      'archive/x/rss-2.xml',
      'rss-2.xml',
      'archive/rss-2.xml.bak',
      'archive/rss-99999999999999999999.xml',
    ])
      expect(archiveDocument(key), key).toBeUndefined();
  });
});
