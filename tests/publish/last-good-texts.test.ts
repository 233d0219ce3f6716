/**
 * The last good text of a broken seed read back from the JSON feeds (recovered.ts
 * publishedTexts, publish.ts readAndPlan, plan.ts needsTextKept), the archive documents not written again when their output is what was recorded (heldAs), `due` under
 * a clock set back, and the unpublish guard's count. All in memory but where a folder is named.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderStorage } from '../../src/storage/folder.js';
import { publish } from '../../src/publish/publish.js';
import { StorageError, type Storage } from '../../src/storage/storage.js';
import type { MemoryStorage } from '../helpers/memory-storage.js';
import { digest } from '../../src/publish/manifest.js';
import { seed, testFeedConfig, text } from './support.js';
import { cloneStorage, MANIFEST, memorySite, refusingRead, type Site } from './support-site.js';
import { BROKEN, contentOf, dayOf, fileOf, jsonDocsWith, notes, pageOf, settingsWith } from './support-broken.js';
import { outcomeOf } from './support-runs.js';

const NOW = new Date('2026-06-01T06:00:00Z');

function siteOf(files: Record<string, string>, itemLimit = 3, extra: Record<string, unknown> = {}): Site {
  return memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit, ...extra }) });
}

/** The storage, every call recorded. */
function counted(storage: Storage): { storage: Storage; gets: string[]; puts: string[] } {
  const gets: string[] = [];
  const puts: string[] = [];
  return {
    gets,
    puts,
    storage: {
      get: (key, options) => {
        gets.push(key);
        return storage.get(key, options);
      },
      list: (prefix, options) => storage.list(prefix, options),
      ...(storage.heldAs ? { heldAs: (key: string, body: Uint8Array) => storage.heldAs!(key, body) } : {}),
      put: (key, body, options) => {
        puts.push(key);
        return storage.put(key, body, options);
      },
      delete: (key, options) => storage.delete(key, options),
    },
  };
}

const manifestOf = (s: Site) => JSON.parse(s.snapshot()[MANIFEST]!) as { articles: Record<string, { text?: unknown }> };

/** The site's storage, its signal fired as the put of `key` returns (a deadline right after it). */
function stoppingAfterPut(storage: Storage, key: string): { storage: Storage; signal: AbortSignal } {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    storage: {
      get: (k, options) => storage.get(k, options),
      list: (prefix, options) => storage.list(prefix, options),
      put: async (k, body, options) => {
        const result = await storage.put(k, body, options);
        if (k === key) controller.abort(new Error('the deadline came'));
        return result;
      },
      delete: (k, options) => storage.delete(k, options),
    },
  };
}

/** Every object with its headers: what a reader and a cache get. */
function state(storage: MemoryStorage, withManifest = true): Record<string, string> {
  return Object.fromEntries(
    [...storage.objects]
      .filter(([key]) => withManifest || key !== MANIFEST)
      .map(([key, object]) => [key, `${object.contentType} | ${object.cacheControl} | ${text(object.body)}`]),
  );
}

/** A clean first publish of `files` with `config`, at the same clock. */
async function cleanPublish(files: Record<string, string>, config: Record<string, unknown>, now = NOW): Promise<MemoryStorage> {
  const s = memorySite(files, { now, config: testFeedConfig(config) });
  await s.run();
  return s.site;
}

const denied = (s: Site, n: number) =>
  refusingRead(s, fileOf(n), () => new StorageError('get', fileOf(n), { cause: Object.assign(new Error('denied'), { code: 'EACCES' }) }));

describe('the last good text read back from the JSON documents', () => {
  it('after a run stopped between an edited page and its archive, the seed breaking never brings the archive’s older text back: its page keeps the edit, and the run says it left the archives', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(0), contentOf(0, 'Edited text 0.'));
    const stop = stoppingAfterPut(s.site, pageOf(0));
    const stopped = await outcomeOf(
      publish({ storage: stop.storage, seeds: s.seeds, settings: s.settings, now: () => s.now }, { signal: stop.signal }),
    );
    expect(stopped.error?.carriesOn).toBe(true);
    expect(s.snapshot()[pageOf(0)]).toContain('Edited text 0.');
    await s.writeSeed(fileOf(0), BROKEN);

    const summary = await s.run();

    // The archive holds the text before the edit, under the date before it: no last good version.
    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    expect(s.snapshot()[pageOf(0)]).toContain('Edited text 0.');
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual([]);
    expect(summary.warnings).toEqual([expect.stringContaining(`leave the archives until their seeds are fixed: ${fileOf(0)}`)]);
  });

  it('a seed breaking in the run that changes idPrefix stays in its archive, as it does when it broke a run earlier', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(0), BROKEN);
    settingsWith(s, { itemLimit: 3, idPrefix: 'tag:news.example.org,2027:' });

    const summary = await s.run();
    await s.run();

    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    expect(s.snapshot()[pageOf(0)]).toContain('Good text 0.');
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual(['archive/feed-1.json']);
  });

  it('a seed breaking in the run that changes siteUrl: kept in its archive, and nothing names the old site', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(0), BROKEN);
    settingsWith(s, { itemLimit: 3 }, 'https://moved.example.org/');

    const summary = await s.run();

    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual(['archive/feed-1.json']);
    const stale = Object.entries(s.snapshot({ withManifest: false }))
      .filter(([, body]) => body.includes('https://news.example.org/'))
      .map(([key]) => key);
    expect(stale).toEqual([]);
  });

  it('many archived seeds breaking at once: each JSON document is read at most once in the run', async () => {
    const s = siteOf(notes(0, 150));
    await s.run();
    for (let n = 0; n < 140; n++) await s.writeSeed(fileOf(n), BROKEN);
    const calls = counted(s.site);

    const summary = await publish({ storage: calls.storage, seeds: s.seeds, settings: s.settings, now: () => s.now });

    expect(summary.articles.rejected).toBe(140);
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual(['archive/feed-1.json']);
    const json = calls.gets.filter((key) => key !== MANIFEST);
    expect(json.length).toBe(new Set(json).size);
  });

  it('an unreadable archived seed whose item lost its full text: the runs after the first read no JSON document', async () => {
    const long = (n: number) => `Long text ${n}. ${'Words that fill the archive. '.repeat(90)}`;
    const files = notes(0, 40, long);
    const s = memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit: 8 }) });
    s.settings = { ...s.settings, limits: { seedBytes: 1024 * 1024, feedBytes: 16 * 1024 } };
    await s.run();
    const archived = JSON.parse(s.snapshot()['archive/feed-1.json']!) as { items: { id: string; content_text?: string }[] };
    expect(archived.items.find((item) => item.id.endsWith(`${dayOf(0)}-n0`))?.content_text).toBeDefined();
    // Saved again (its listing changes, so it is read), and no longer readable.
    await s.writeSeed(fileOf(0), contentOf(0, `${long(0)} Saved again.`));
    const refusing = denied(s, 0);
    const gets: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const calls = counted(s.site);
      const summary = await publish({ storage: calls.storage, seeds: refusing.seeds, settings: s.settings, now: () => s.now });
      expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
      gets.push(calls.gets);
    }

    expect(gets[2]).toEqual([MANIFEST]);
  });

  it('recovered, then nothing changes: the run is settled, reads only the manifest and writes nothing', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(0), BROKEN);
    await s.run();
    const before = state(s.site);
    const calls = counted(s.site);

    const summary = await publish({ storage: calls.storage, seeds: s.seeds, settings: s.settings, now: () => s.now });

    expect(calls.gets).toEqual([MANIFEST]);
    expect(calls.puts).toEqual([]);
    expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    expect(state(s.site)).toEqual(before);
  });

  it('recovered, then restored byte for byte: every object and the manifest are as before it broke', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    const before = state(s.site);
    await s.writeSeed(fileOf(0), BROKEN);
    await s.run();
    expect(manifestOf(s).articles[fileOf(0)]?.text).toBeDefined();
    await s.writeSeed(fileOf(0), contentOf(0));

    const restored = await s.run();

    expect(restored.rejected).toEqual([]);
    expect(restored.objects.writtenKeys).toEqual([]);
    expect(state(s.site)).toEqual(before);
  });

  it('recovered, then deleted: unpublished, its page and text gone, in no document, its tombstone keeps no text', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(0), BROKEN);
    await s.run();
    await s.deleteSeed(fileOf(0));

    const summary = await s.run();

    expect(summary.articles).toMatchObject({ unpublished: 1, published: 9, rejected: 0 });
    expect(s.site.objects.has(pageOf(0))).toBe(false);
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual([]);
    expect(manifestOf(s).articles[fileOf(0)]?.text).toBeUndefined();
    expect(Object.values(s.snapshot({ withManifest: false })).some((body) => body.includes(`${dayOf(0)}-note-0`))).toBe(false);
  });

  it('the same state gives the same manifest: broken in the feeds and pushed into the archives, or broken once archived', async () => {
    const inWindow = siteOf(notes(0, 6));
    await inWindow.run();
    await inWindow.writeSeed(fileOf(3), BROKEN);
    await inWindow.run();
    for (let n = 6; n < 10; n++) await inWindow.writeSeed(fileOf(n), contentOf(n));
    await inWindow.run();
    const archived = siteOf(notes(0, 10));
    await archived.run();
    await archived.writeSeed(fileOf(3), BROKEN);
    await archived.run();

    expect(jsonDocsWith(archived, 'Good text 3.')).toEqual(['archive/feed-2.json']);
    expect(state(archived.site)).toEqual(state(inWindow.site));
  });

  it('forced after the recovery: the same bytes, and the plain run after it writes nothing', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(0), BROKEN);
    await s.run();
    const before = state(s.site);

    const forced = await s.run({ force: true });
    const plain = await s.run();

    expect(forced.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
    expect(state(s.site)).toEqual(before);
    expect(plain.objects.written).toBe(0);
  });
});

describe('archive documents not written again when their output is as recorded', () => {
  it('a dry run lists exactly what the real run writes: ttlMinutes changed and an archived seed breaking in the same run', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    await s.writeSeed(fileOf(0), BROKEN);
    settingsWith(s, { itemLimit: 3, ttlMinutes: 15 });
    const before = state(s.site);

    const dry = await s.run({ dryRun: true });
    expect(state(s.site)).toEqual(before);
    const real = await s.run();

    expect([...dry.objects.writtenKeys].sort()).toEqual([...real.objects.writtenKeys].filter((key) => key !== MANIFEST).sort());
    expect(dry.objects.unchanged).toBe(real.objects.unchanged);
    expect(real.objects.writtenKeys.filter((key) => key.startsWith('archive/')).sort()).toEqual([
      'archive/rss-1.xml',
      'archive/rss-2.xml',
      'archive/rss-3.xml',
    ]);
    expect(jsonDocsWith(s, 'Good text 0.')).toEqual(['archive/feed-1.json']);
  });

  it('stopped by the deadline among the archives after a ttlMinutes change: every output the manifest records is what the bucket holds, and the next run ends as a clean publish', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    settingsWith(s, { itemLimit: 3, ttlMinutes: 15 });
    const stop = stoppingAfterPut(s.site, 'archive/rss-2.xml');
    const stopped = await outcomeOf(
      publish({ storage: stop.storage, seeds: s.seeds, settings: s.settings, now: () => s.now }, { signal: stop.signal }),
    );
    expect(stopped.error?.carriesOn).toBe(true);

    const recorded = (JSON.parse(s.snapshot()[MANIFEST]!) as { objects: Record<string, { etag: string; output?: string }> }).objects;
    for (const [key, record] of Object.entries(recorded)) {
      if (!key.startsWith('archive/')) continue;
      const object = s.site.objects.get(key)!;
      expect(record.etag, key).toBe(object.etag);
      if (record.output !== undefined) expect(record.output, key).toBe(digest(object.contentType!, object.cacheControl!, object.body));
    }
    const next = await s.run();

    expect(next.objects.writtenKeys.filter((key) => key.startsWith('archive/')).sort()).toEqual(['archive/rss-1.xml']);
    expect(state(s.site)).toEqual(state(await cleanPublish(notes(0, 10), { itemLimit: 3, ttlMinutes: 15 })));
  });

  it('overlapping runs with different ttlMinutes, the later one losing its manifest write: the next run ends as a clean publish', async () => {
    const s = siteOf(notes(0, 10));
    await s.run();
    const seen = cloneStorage(s.site);
    settingsWith(s, { itemLimit: 3, ttlMinutes: 30 });
    await s.run();
    // Listed and read before the first run wrote: writes land on the bucket.
    const late: Storage = {
      get: (key) => seen.get(key),
      list: (prefix, options) => seen.list(prefix, options),
      put: (key, body, options) => s.site.put(key, body, options),
      delete: (key) => s.site.delete(key),
    };
    const lost = await outcomeOf(
      publish({
        storage: late,
        seeds: s.seeds,
        settings: { ...s.settings, config: testFeedConfig({ itemLimit: 3, ttlMinutes: 90 }) },
        now: () => s.now,
      }),
    );
    expect(lost.error?.message).toContain('another publish run wrote');

    await s.run();

    expect(state(s.site)).toEqual(state(await cleanPublish(notes(0, 10), { itemLimit: 3, ttlMinutes: 30 })));
  });
});

describe('due under a clock set back', () => {
  it('an article published today, edited under a clock set back behind its publish time, stays; one new that day is held; both out once the clock is right', async () => {
    const today = '2026-06-01';
    const s = siteOf({ ...notes(0, 5), 'today.txt': seed(today, 'Today', 'First.') });
    await s.run();
    expect(s.site.objects.has('articles/2026-06-01-today.html')).toBe(true);
    s.now = new Date('2026-05-31T23:00:00Z');
    await s.writeSeed('today.txt', seed(today, 'Today', 'First, corrected.'));
    await s.writeSeed('also.txt', seed(today, 'Also today', 'Second.'));

    const back = await s.run();

    expect(back.articles.unpublished).toBe(0);
    expect(back.held).toEqual([{ file: 'also.txt', date: today }]);
    expect(s.snapshot()['articles/2026-06-01-today.html']).toContain('First, corrected.');
    expect(s.site.objects.has('articles/2026-06-01-also-today.html')).toBe(false);
    s.now = NOW;
    const right = await s.run();
    expect(right.held).toEqual([]);
    expect(s.site.objects.has('articles/2026-06-01-also-today.html')).toBe(true);
  });
});

describe('a site folder', () => {
  it('a chmod of the site folder, then an archived seed breaking: it stays in its archive', async () => {
    const root = mkdtempSync(join(tmpdir(), 'last-good-texts-'));
    try {
      const s = siteOf(notes(0, 10));
      const folder = () => new FolderStorage(root);
      await s.run({}, folder());
      for (const sub of ['', 'archive']) {
        for (const entry of readdirSync(join(root, sub), { withFileTypes: true })) {
          if (entry.isFile()) chmodSync(join(root, sub, entry.name), 0o640);
        }
      }
      await s.writeSeed(fileOf(0), BROKEN);

      const summary = await s.run({}, folder());

      expect(summary.rejected).toEqual([expect.objectContaining({ file: fileOf(0), keptPublished: true })]);
      expect(readFileSync(join(root, 'archive', 'feed-1.json'), 'utf8')).toContain('Good text 0.');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
