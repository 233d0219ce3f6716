/**
 * The deletion of archive documents numbered beyond the archive (archive/rss-N.xml,
 * archive/atom-N.xml, archive/feed-N.json): its S3 cost, every write of such a run failing in
 * turn, dry and forced runs, the unpublish guard, the settled shortcut, runs stopped by their
 * signal, overlapping runs, the manifest recovery path, and other files kept under archive/.
 *
 * The site of most tests: seven notes a day apart, two items a feed, so archives 1 (notes 1, 2),
 * 2 (notes 3, 4) and 3 (note 5). Deleting note 5 empties archive 3 (the archive loses its newest
 * page); an item limit of 3 cuts the five archived notes into two pages.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as manifestModule from '../../src/publish/manifest.js';
import { publish, PublishError, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { archiveKeys } from '../../src/site-files.js';
import type { Storage } from '../../src/storage/storage.js';
import { bucketSeedsDependencies, fakeBucket, mockS3, s3Requests, seed, SITE, testFeedConfig, text, utf8 } from './support.js';
import { failingFrom, MANIFEST, memorySite, type Site } from './support-site.js';
import { linksOf } from './site-links.js';
import { budget, SEEDS } from './support-runs.js';

vi.mock('../../src/publish/manifest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/publish/manifest.js')>();
  return { ...original, parseManifest: vi.fn(original.parseManifest) };
});

const s3 = mockS3();
const NOW = new Date('2026-06-01T06:00:00.000Z');

const noteFile = (n: number) => `2026-03-0${n}-note.txt`;
const notePage = (n: number) => `articles/2026-03-0${n}-note-${n}.html`;
const noteSeed = (n: number) => seed(`2026-03-0${n}`, `Note ${n}`, `Paragraph ${n}.`);
const archiveDocs = (...numbers: number[]) => numbers.flatMap((n) => Object.values(archiveKeys(n))).sort();

/** Notes 1 to `count`, a day apart from March 1st. */
function notes(count = 7): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 1; n <= count; n++) files[noteFile(n)] = noteSeed(n);
  return files;
}

// ---------------------------------------------------------------------------------------------
// The site as S3 serves it, and where its links lead

type Objects = ReadonlyMap<string, { readonly body: Uint8Array; readonly contentType?: string; readonly cacheControl?: string }>;

/** Every object but the manifest, with its bytes and the headers it is served with. */
function served(objects: Objects): Record<string, { body: string; contentType?: string; cacheControl?: string }> {
  return Object.fromEntries(
    [...objects]
      .filter(([key]) => key !== MANIFEST && !key.startsWith(SEEDS))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, object]) => [key, { body: text(object.body), contentType: object.contentType, cacheControl: object.cacheControl }]),
  );
}

/**
 * Links to objects that are not there, as `from → to`, from the index, the three feeds and every
 * archive document in the bucket (absolute URLs of the site, and relative hrefs in HTML).
 */
function danglingLinks(objects: Objects): string[] {
  const missing: string[] = [];
  const documents = ['index.html', 'rss.xml', 'atom.xml', 'feed.json', ...[...objects.keys()].filter((key) => key.startsWith('archive/'))];
  for (const key of documents) {
    const object = objects.get(key);
    if (!object) continue;
    for (const target of linksOf(key, text(object.body))) if (!objects.has(target)) missing.push(`${key} → ${target}`);
  }
  return missing;
}

/** The site a first publish of these seeds with these settings makes, as served. */
async function cleanPublish(files: Readonly<Record<string, string>>, settings: PlanSettings, now = NOW) {
  const fresh = memorySite(files, { now, config: settings.config, maxUnpublishShare: settings.maxUnpublishShare });
  fresh.settings = settings;
  await fresh.run();
  return served(fresh.site.objects);
}

function seedFiles(s: Site): Record<string, string> {
  return Object.fromEntries([...s.seeds.objects].map(([key, object]) => [key, text(object.body)]));
}

/** A site published with seven notes at two a feed, then changed by `change`: what the run that follows must do. */
async function changed(change: (s: Site) => Promise<void>, maxUnpublishShare = 0.2): Promise<Site> {
  const s = memorySite(notes(), { now: NOW, config: testFeedConfig({ itemLimit: 2 }), maxUnpublishShare });
  await s.run();
  await change(s);
  return s;
}

/** The changes whose run deletes archive documents beyond the archive. */
const CHANGES: Record<string, (s: Site) => Promise<void>> = {
  'the newest archive emptied (note 5 deleted)': (s) => s.deleteSeed(noteFile(5)),
  'a middle archive emptied (notes 3 and 4 deleted; archive 3 renumbered 2)': async (s) => {
    await s.deleteSeed(noteFile(3));
    await s.deleteSeed(noteFile(4));
  },
  'the item limit raised from 2 to 3': async (s) => {
    s.settings = { ...s.settings, config: testFeedConfig({ itemLimit: 3 }) };
  },
};
const SHARE = 0.5;

/** A storage that records each write (put or delete) it passes on. */
function recording(storage: Storage): { storage: Storage; writes: string[] } {
  const writes: string[] = [];
  return {
    writes,
    storage: {
      get: (key, options) => storage.get(key, options),
      list: (prefix, options) => storage.list(prefix, options),
      put: (key, body, options) => {
        writes.push(`put ${key}`);
        return storage.put(key, body, options);
      },
      delete: (key) => {
        writes.push(`delete ${key}`);
        return storage.delete(key);
      },
    },
  };
}

/** Fails only the `n`-th write (put or delete, from 1); every other write goes through. */
function failingOnly(storage: Storage, n: number): Storage {
  let writes = 0;
  const fail = (what: string) => {
    if (++writes === n) throw new Error(`injected failure of ${what}`);
  };
  return {
    get: (key, options) => storage.get(key, options),
    list: (prefix, options) => storage.list(prefix, options),
    put: async (key, body, options) => {
      fail(`put ${key}`);
      return storage.put(key, body, options);
    },
    delete: async (key) => {
      fail(`delete ${key}`);
      return storage.delete(key);
    },
  };
}

async function outcome(run: Promise<PublishSummary>): Promise<{ summary?: PublishSummary; error?: PublishError }> {
  try {
    return { summary: await run };
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    return { error };
  }
}

beforeEach(() => {
  vi.mocked(manifestModule.parseManifest).mockClear();
});

describe('a run that deletes archive documents beyond the archive', () => {
  it('writes the newest archive and the feeds before it deletes, and deletes in every format', async () => {
    for (const [name, change] of Object.entries(CHANGES)) {
      // Prepare
      const s = await changed(change, SHARE);
      const { storage, writes } = recording(s.site);

      // Act
      await s.run({}, storage);

      // Assess
      const deletes = writes.filter((write) => write.startsWith('delete archive/'));
      const lastArchiveOrFeedPut = Math.max(
        ...writes.flatMap((write, index) => (/^put (archive\/|rss\.xml|atom\.xml|feed\.json)/.test(write) ? [index] : [])),
      );
      const firstDelete = writes.findIndex((write) => write.startsWith('delete '));
      expect(deletes.map((write) => write.slice('delete '.length)).sort(), name).toEqual(archiveDocs(3));
      expect(firstDelete, name).toBeGreaterThan(lastArchiveOrFeedPut);
      expect(served(s.site.objects), name).toEqual(await cleanPublish(seedFiles(s), s.settings));
    }
  });
});

type FailureMode = 'that write and every later one' | 'that write only';

/**
 * Runs `change`'s run once per write, failing that write (and, by `mode`, every later one), then
 * a plain run and one more: what went wrong, write by write.
 */
async function failEachWrite(change: (s: Site) => Promise<void>, mode: FailureMode): Promise<{ writes: string[]; problems: string[] }> {
  const reference = await changed(change, SHARE);
  const { storage: counted, writes } = recording(reference.site);
  await reference.run({}, counted);
  const clean = await cleanPublish(seedFiles(reference), reference.settings);
  const problems: string[] = [];
  for (let n = 1; n <= writes.length; n++) {
    const s = await changed(change, SHARE);
    const failing = mode === 'that write only' ? failingOnly(s.site, n) : failingFrom(s.site, n).storage;
    const failed = await outcome(s.run({}, failing));
    const dangling = danglingLinks(s.site.objects);
    await s.run();
    const after = await s.run();
    const at = `write ${n} (${writes[n - 1]})`;
    if (!failed.error) problems.push(`${at}: the run did not fail`);
    if (dangling.length > 0) problems.push(`${at}: dangling ${dangling.join(', ')}`);
    if (JSON.stringify(served(s.site.objects)) !== JSON.stringify(clean)) problems.push(`${at}: the next run did not converge`);
    if (after.objects.written + after.objects.deleted > 0)
      problems.push(`${at}: the run after still wrote ${after.objects.writtenKeys} and deleted ${after.objects.deletedKeys}`);
  }
  return { writes, problems };
}

describe('every write of a run that deletes archive documents failing in turn', () => {
  for (const [name, change] of Object.entries(CHANGES)) {
    for (const mode of ['that write and every later one', 'that write only'] as const) {
      if (name === 'the newest archive emptied (note 5 deleted)' && mode === 'that write only') continue;
      it(`${name}, failing ${mode}: no published link leads to a missing object, and the next run gives a clean publish’s site`, async () => {
        // Prepare
        const failing = mode;

        // Act: the run, its failure injected at each write in turn, then a plain run and one more.
        const { writes, problems } = await failEachWrite(change, failing);

        // Assess
        expect(writes.filter((write) => write.startsWith('delete archive/'))).toHaveLength(3);
        expect(problems).toEqual([]);
      });
    }
  }

  it('the newest archive emptied (note 5 deleted), failing that write only: no published link leads to a missing object, and the next run gives a clean publish’s site', async () => {
    // Prepare
    const change = CHANGES['the newest archive emptied (note 5 deleted)']!;

    // Act: the run, its failure injected at each write in turn, then a plain run and one more.
    const { writes, problems } = await failEachWrite(change, 'that write only');

    // Assess
    expect(writes.filter((write) => write.startsWith('delete archive/'))).toHaveLength(3);
    expect(problems).toEqual([]);
  });

  it('when the delete of one archive document fails, the article pages it links to are still there', async () => {
    // Prepare
    const s = await changed((site) => site.deleteSeed(noteFile(5)));
    const refusing: Storage = {
      ...recording(s.site).storage,
      delete: async (key) => {
        if (key === archiveKeys(3).atom) throw new Error('access denied');
        return s.site.delete(key);
      },
    };

    // Act
    const failed = await outcome(s.run({}, refusing));

    // Assess
    expect(failed.error?.message).toMatch(/access denied/);
    expect(text(s.site.objects.get(archiveKeys(3).atom)!.body)).toContain(`${SITE}${notePage(5)}`);
    expect(danglingLinks(s.site.objects)).toEqual([]);
  });
});

describe('S3 requests of a run that deletes archive documents, seeds in the bucket', () => {
  const deps = (itemLimit: number) => bucketSeedsDependencies({ itemLimit, now: NOW, seedsPrefix: SEEDS });
  const requests = () => s3Requests(s3, SEEDS);
  let bucket: ReturnType<typeof fakeBucket>;

  beforeEach(async () => {
    s3.reset();
    bucket = fakeBucket(s3, Object.fromEntries(Object.entries(notes()).map(([name, content]) => [SEEDS + name, utf8(content)])));
    await publish(deps(2));
    s3.resetHistory();
  });

  it('the newest archive emptied: four LISTs, the manifest and archive 2’s two seeds read, archive 2, the three feeds and the manifest written, four DELETEs', async () => {
    // Prepare: note 5 was archive 3, and all of it.
    bucket.delete(SEEDS + noteFile(5));

    // Act
    await publish(deps(2));

    // Assess: archive 2 becomes the newest (no next-archive link, the feeds' Cache-Control), the
    // feeds' prev-archive link moves to it; the index lists the same two items.
    expect(requests()).toEqual({
      list: 4,
      getSeeds: [SEEDS + noteFile(3), SEEDS + noteFile(4)],
      getOther: [MANIFEST],
      puts: [...archiveDocs(2), 'atom.xml', 'feed.json', MANIFEST, 'rss.xml'].sort(),
      deletes: [...archiveDocs(3), notePage(5)].sort(),
    });
  });

  it('the item limit raised to 3: the seeds of the two archives made again read, those archives, the index, the feeds and the manifest written, archive 3 deleted', async () => {
    // Act: notes 1 to 4 are read for archives 1 and 2; note 5, the newest archive's, has its text kept and becomes a feed item.
    await publish(deps(3));

    // Assess
    expect(requests()).toEqual({
      list: 4,
      getSeeds: [1, 2, 3, 4].map((n) => SEEDS + noteFile(n)),
      getOther: [MANIFEST],
      puts: [...archiveDocs(1, 2), 'atom.xml', 'feed.json', 'index.html', MANIFEST, 'rss.xml'].sort(),
      deletes: archiveDocs(3),
    });
  });

  it('the run after a deletion: the LISTs and the manifest, nothing else', async () => {
    // Prepare
    bucket.delete(SEEDS + noteFile(5));
    await publish(deps(2));
    s3.resetHistory();

    // Act
    const summary = await publish(deps(2));

    // Assess
    expect(requests()).toEqual({ list: 4, getSeeds: [], getOther: [MANIFEST], puts: [], deletes: [] });
    expect(summary.objects).toMatchObject({ written: 0, deleted: 0 });
  });
});

describe('dry, forced and refused runs that would delete archive documents', () => {
  it('a dry run deletes nothing and writes nothing, reports the archive documents it would delete, and the real run after still deletes them', async () => {
    for (const [name, change] of Object.entries(CHANGES)) {
      // Prepare
      const s = await changed(change, SHARE);
      const before = s.snapshot();

      // Act
      const dry = await s.run({ dryRun: true });
      const afterDry = s.snapshot();
      const real = await s.run();

      // Assess
      expect(afterDry, name).toEqual(before);
      expect(dry.objects.deletedKeys, name).toEqual(real.objects.deletedKeys);
      expect(dry.objects.deletedKeys, name).toEqual(expect.arrayContaining(archiveDocs(3)));
      expect(dry.objects.deleted, name).toBe(real.objects.deleted);
      expect([...dry.objects.writtenKeys].sort(), name).toEqual([...real.objects.writtenKeys].sort());
      expect(dry.articles.unpublished, name).toBe(real.articles.unpublished);
      for (const key of archiveDocs(3)) expect(s.site.objects.has(key), `${name}: ${key}`).toBe(false);
    }
  });

  it('a run refused by the unpublish guard deletes no archive document; forced, it deletes every one beyond the archive and leaves a clean publish’s site', async () => {
    // Prepare: notes 3, 4 and 5 (archives 2 and 3) deleted: 3 of 7, more than 20 %.
    const s = await changed(async (site) => {
      for (const n of [3, 4, 5]) await site.deleteSeed(noteFile(n));
    });
    const before = s.snapshot();

    // Act
    const refused = await outcome(s.run());
    const afterRefusal = s.snapshot();
    const forced = await s.run({ force: true });

    // Assess
    expect(refused.error?.message).toMatch(/would unpublish 3 of 7 published articles/);
    expect(afterRefusal).toEqual(before);
    expect(forced.objects.deletedKeys).toEqual([...archiveDocs(2, 3), notePage(3), notePage(4), notePage(5)].sort());
    expect(forced.articles.unpublished).toBe(3);
    expect(served(s.site.objects)).toEqual(await cleanPublish(seedFiles(s), s.settings));
    expect((await s.run()).objects).toMatchObject({ written: 0, deleted: 0 });
  });

  it('a forced run on a settled site deletes archive documents someone put back beyond the archive, and rewrites nothing else differently', async () => {
    // Prepare
    const s = await changed(async () => {});
    const clean = served(s.site.objects);
    for (const key of archiveDocs(4)) await s.site.put(key, utf8('<rss/>'), { contentType: 'application/xml' });

    // Act
    const forced = await s.run({ force: true });

    // Assess
    expect(forced.objects.deletedKeys).toEqual(archiveDocs(4));
    expect(served(s.site.objects)).toEqual(clean);
  });
});

describe('the settled shortcut around archive deletions', () => {
  const recordsRead = () => vi.mocked(manifestModule.parseManifest).mock.calls.length;

  it('the run after one that deleted archive documents finds everything as it was left and reads no record', async () => {
    for (const [name, change] of Object.entries(CHANGES)) {
      // Prepare
      const s = await changed(change, SHARE);
      const deleting = await s.run();
      vi.mocked(manifestModule.parseManifest).mockClear();

      // Act
      const next = await s.run();

      // Assess
      expect(deleting.objects.deletedKeys, name).toEqual(expect.arrayContaining(archiveDocs(3)));
      expect(recordsRead(), name).toBe(0);
      expect(next.objects, name).toMatchObject({ written: 0, deleted: 0 });
      expect(next.articles.published, name).toBe(deleting.articles.published);
    }
  });

  it('after a run that deleted only archive documents put there behind its back, the next run reads no record', async () => {
    // Prepare
    const s = await changed(async () => {});
    for (const key of archiveDocs(4)) await s.site.put(key, utf8('stale'), { contentType: 'application/xml' });
    const cleaning = await s.run();
    vi.mocked(manifestModule.parseManifest).mockClear();

    // Act
    const next = await s.run();

    // Assess
    expect(cleaning.objects.deletedKeys).toEqual(archiveDocs(4));
    expect(recordsRead()).toBe(0);
    expect(next.objects).toMatchObject({ written: 0, deleted: 0 });
  });

  it('a settled site where an archive document beyond the archive reappears with the bytes it once had is not taken as settled: it is deleted', async () => {
    // Prepare
    const s = await changed((site) => site.deleteSeed(noteFile(5)));
    const old = s.site.objects.get(archiveKeys(3).rss)!;
    await s.run();
    await s.run();
    await s.site.put(old.key, old.body, { contentType: 'application/xml; charset=utf-8' });

    // Act
    const summary = await s.run();

    // Assess
    expect(summary.objects.deletedKeys).toEqual([archiveKeys(3).rss]);
    expect(s.site.objects.has(archiveKeys(3).rss)).toBe(false);
  });
});

/** A run of `s` whose signal fires as its `limit`-th storage call (site or seeds) returns; its calls as `op key`. */
async function stoppedRun(s: Site, limit: number, request: PublishRequest = {}) {
  const spent = budget(limit);
  const result = await outcome(
    publish(
      { storage: spent.wrap(s.site), seeds: spent.wrap(s.seeds, SEEDS), settings: s.settings, now: () => s.now },
      { ...request, signal: spent.signal },
    ),
  );
  return { ...result, calls: spent.calls.map(({ op, key }) => `${op} ${key}`) };
}

describe('a run that deletes archive documents, stopped by its signal after any storage call', () => {
  it('leaves no published link to a missing object, and the next run gives a clean publish’s site', async () => {
    for (const [name, change] of Object.entries(CHANGES)) {
      // Prepare
      const reference = await changed(change, SHARE);
      const whole = await stoppedRun(reference, Number.POSITIVE_INFINITY);
      const clean = await cleanPublish(seedFiles(reference), reference.settings);
      const problems: string[] = [];

      for (let k = 1; k < whole.calls.length; k++) {
        const s = await changed(change, SHARE);

        // Act
        const stopped = await stoppedRun(s, k);
        const dangling = danglingLinks(s.site.objects);
        await s.run();

        // Assess
        if (!stopped.error) problems.push(`call ${k}: the run was not stopped`);
        if (dangling.length > 0) problems.push(`call ${k}: dangling ${dangling.join(', ')}`);
        if (JSON.stringify(served(s.site.objects)) !== JSON.stringify(clean)) problems.push(`call ${k}: the next run did not converge`);
      }
      expect(
        whole.calls.filter((call) => call.startsWith('delete archive/')),
        name,
      ).toHaveLength(3);
      expect(problems, name).toEqual([]);
    }
  });

  it('stopped after its deletions, reports the one article it unpublished, not the archive documents it deleted', async () => {
    // Prepare
    const reference = await changed((site) => site.deleteSeed(noteFile(5)));
    const whole = await stoppedRun(reference, Number.POSITIVE_INFINITY);
    const lastDelete = whole.calls.findLastIndex((call) => call.startsWith('delete ')) + 1;
    const s = await changed((site) => site.deleteSeed(noteFile(5)));

    // Act
    const stopped = await stoppedRun(s, lastDelete);

    // Assess
    expect(stopped.error?.message).toMatch(/^stopped before writing the manifest: /);
    expect(stopped.error?.summary?.objects?.deletedKeys).toEqual([...archiveDocs(3), notePage(5)].sort());
    expect(stopped.error?.summary?.articles?.unpublished).toBe(1);
  });
});

/** The storage of a run that makes its first `n` calls and holds every later one until `resume()`. */
function pauseAfter(storage: Storage, n: number) {
  let count = 0;
  let resume!: () => void;
  const gate = new Promise<void>((resolve) => (resume = resolve));
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  const hold = async <T>(act: () => Promise<T>): Promise<T> => {
    if (++count > n) {
      reached();
      await gate;
    }
    return act();
  };
  const held: Storage = {
    get: (key, options) => hold(() => storage.get(key, options)),
    put: (key, body, options) => hold(() => storage.put(key, body, options)),
    delete: (key) => hold(() => storage.delete(key)),
    list: (prefix, options) => hold(() => storage.list(prefix, options)),
  };
  return { storage: held, paused, resume };
}

describe('two overlapping runs around an archive deletion', () => {
  it('on the same change, the second started at any point of the first: after the next run, no link dangles and the site is a clean publish’s', async () => {
    // Prepare
    const reference = await changed((site) => site.deleteSeed(noteFile(5)));
    const whole = await stoppedRun(reference, Number.POSITIVE_INFINITY);
    const clean = await cleanPublish(seedFiles(reference), reference.settings);
    const problems: string[] = [];

    for (let n = 0; n <= whole.calls.length; n++) {
      const s = await changed((site) => site.deleteSeed(noteFile(5)));
      const a = pauseAfter(s.site, n);

      // Act
      const first = outcome(s.run({}, a.storage));
      await Promise.race([a.paused, first]);
      const second = await outcome(s.run());
      a.resume();
      await first;
      const reconciled = await outcome(s.run());

      // Assess
      if (second.error) problems.push(`n=${n}: the second failed: ${second.error.message}`);
      if (reconciled.error) problems.push(`n=${n}: the next run failed: ${reconciled.error.message}`);
      const dangling = danglingLinks(s.site.objects);
      if (dangling.length > 0) problems.push(`n=${n}: dangling ${dangling.join(', ')}`);
      if (JSON.stringify(served(s.site.objects)) !== JSON.stringify(clean)) problems.push(`n=${n}: did not converge`);
    }
    expect(problems).toEqual([]);
  });

  it('a run that listed the seed before it was deleted writes its page and archive back after the other run deleted them: the next run deletes both', async () => {
    // Prepare: note 5 edited (so its page and archive 3 are to be written); the first run lists
    // the seeds, the seed is then deleted and a second run unpublishes note 5 and drops archive 3.
    const s = await changed((site) => site.writeSeed(noteFile(5), seed('2026-03-05', 'Note 5, corrected', 'Paragraph 5, corrected.')));
    const a = pauseAfter(s.site, 4);
    const first = outcome(s.run({}, a.storage));
    await a.paused;
    await s.deleteSeed(noteFile(5));
    const second = await outcome(s.run());
    a.resume();
    const lost = await first;
    const writtenBack = [notePage(5), archiveKeys(3).rss].map((key) => s.site.objects.has(key));

    // Act
    await s.run();

    // Assess
    expect(second.error).toBeUndefined();
    expect(second.summary?.objects.deletedKeys).toEqual([...archiveDocs(3), notePage(5)].sort());
    expect(lost.error?.message).toMatch(/another publish run wrote _publish\/manifest\.json/);
    expect(writtenBack).toEqual([true, true]);
    expect(s.site.objects.has(archiveKeys(3).rss)).toBe(false);
    expect(served(s.site.objects)).toEqual(await cleanPublish(seedFiles(s), s.settings));
  });
});

describe('the manifest recovery path and archive deletions', () => {
  it('a manifest lost while an archive page has fewer articles than the item limit: the archive keeps its pages, read back from the published archives', async () => {
    // Prepare: note 3 deleted leaves archives 1 (notes 1, 2), 2 (note 4) and 3 (note 5); then the manifest is lost.
    const s = await changed((site) => site.deleteSeed(noteFile(3)));
    await s.run();
    const archives = () =>
      Object.fromEntries(
        [...s.site.objects].filter(([key]) => key.startsWith('archive/')).map(([key, object]) => [key, text(object.body)]),
      );
    const before = archives();
    expect(Object.keys(before)).toEqual(expect.arrayContaining(archiveDocs(3)));
    await s.site.delete(MANIFEST);

    // Act
    const summary = await s.run();

    // Assess: every archive document holds what it held (RFC 5005); with no record of them, they
    // are written again, with the same bytes.
    expect(summary.warnings.join('\n')).toMatch(/manifest\.json is missing/);
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(archives()).toEqual(before);
    expect(danglingLinks(s.site.objects)).toEqual([]);
    expect((await s.run()).objects).toMatchObject({ written: 0, deleted: 0 });
  });

  it('a manifest lost and an article deleted that was all of the newest archive: its archive and its page are both gone after the run', async () => {
    // Prepare
    const s = await changed((site) => site.deleteSeed(noteFile(5)));
    await s.site.delete(MANIFEST);

    // Act
    const summary = await s.run();

    // Assess
    expect(summary.objects.deletedKeys).toEqual(expect.arrayContaining(archiveDocs(3)));
    expect(served(s.site.objects)).toEqual(await cleanPublish(seedFiles(s), s.settings));
  });

  it('reads back the JSON archives, never a file of another name under archive/, and deletes none of those', async () => {
    // Prepare
    const s = await changed((site) => site.deleteSeed(noteFile(5)));
    const others = ['archive/feed-03.json', 'archive/feed-9.json.bak', 'archive/FEED-9.json', 'archive/x/feed-9.json'];
    for (const key of others) await s.site.put(key, utf8('{"items":[]}'), { contentType: 'application/json' });
    await s.site.delete(MANIFEST);
    const reads: string[] = [];
    const watched: Storage = {
      ...recording(s.site).storage,
      get: (key) => {
        reads.push(key);
        return s.site.get(key);
      },
    };

    // Act
    await s.run({}, watched);

    // Assess
    expect(reads.filter((key) => key.startsWith('archive/')).sort()).toEqual([
      'archive/feed-1.json',
      'archive/feed-2.json',
      'archive/feed-3.json',
    ]);
    for (const key of others) expect(s.site.objects.has(key), key).toBe(true);
    for (const key of archiveDocs(3)) expect(s.site.objects.has(key), key).toBe(false);
  });
});

describe('objects of other names under archive/', () => {
  const OTHERS = [
    'archive/RSS-4.xml',
    'archive/rss-4.XML',
    'archive/rss-4.xml.gz',
    'archive/rss-4.xml/',
    'archive/rss-4.xml\n',
    'archive/ rss-4.xml',
    'archive/rss- 4.xml',
    'archive/rss-+4.xml',
    'archive/rss-4e0.xml',
    'archive/rss-0x4.xml',
    'archive/rss-٤.xml',
    'archive/atom-4.json',
    'archive/feed-4.xml',
    'archivex/rss-4.xml',
    'Archive/rss-4.xml',
    'archive//rss-4.xml',
  ];

  it('stay whatever the run: one that empties the archive altogether (item limit above every article), a forced one, and a dry one', async () => {
    // Prepare
    const s = await changed(async () => {});
    for (const key of OTHERS) await s.site.put(key, utf8('kept'), { contentType: 'text/plain' });

    // Act
    const dry = await s.run({ dryRun: true, force: true });
    s.settings = { ...s.settings, config: testFeedConfig({ itemLimit: 10 }) };
    const emptied = await s.run();
    const forced = await s.run({ force: true });

    // Assess
    for (const summary of [dry, emptied, forced]) for (const key of OTHERS) expect(summary.objects.deletedKeys).not.toContain(key);
    expect(emptied.objects.deletedKeys).toEqual(archiveDocs(1, 2, 3));
    for (const key of OTHERS) expect(text(s.site.objects.get(key)!.body), JSON.stringify(key)).toBe('kept');
    expect(Object.keys(s.snapshot()).filter((key) => key.startsWith('archive/') && !OTHERS.includes(key))).toEqual([]);
  });
});

describe('an article dated later, which empties the newest archive', () => {
  it('leaves with its archive as a clean publish without it has them, and when its day comes archive 3 is made again, every link resolving', async () => {
    // Prepare: note 5 moved to July 1st, after the clock.
    const s = await changed((site) => site.writeSeed(noteFile(5), seed('2026-07-01', 'Note 5', 'Paragraph 5.')));

    // Act
    const held = await s.run();
    const whileHeld = served(s.site.objects);
    s.now = new Date('2026-07-01T06:00:00.000Z');
    const due = await s.run();
    const after = await s.run();

    // Assess: while held, the site of the six others; once due, note 5 (its page keeps the address
    // it was first published under) is the newest item, and note 6 moves into a new archive 3.
    expect(held.held).toEqual([{ file: noteFile(5), date: '2026-07-01' }]);
    expect(held.objects.deletedKeys).toEqual([...archiveDocs(3), notePage(5)].sort());
    expect(whileHeld).toEqual(
      await cleanPublish(Object.fromEntries(Object.entries(seedFiles(s)).filter(([name]) => name !== noteFile(5))), s.settings),
    );
    expect(due.objects.writtenKeys).toEqual(expect.arrayContaining([notePage(5), ...archiveDocs(3)]));
    const archive3 = JSON.parse(text(s.site.objects.get(archiveKeys(3).json)!.body)) as { items: { url: string }[] };
    expect(archive3.items.map((item) => item.url)).toEqual([SITE + notePage(6)]);
    expect(danglingLinks(s.site.objects)).toEqual([]);
    expect(after.objects).toMatchObject({ written: 0, deleted: 0 });
  });
});
