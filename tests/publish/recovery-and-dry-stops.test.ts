/**
 * Dry runs stopped early, look-alikes and archives after a lost manifest, held bytes kept:
 * - A dry run stopped by its signal (the Lambda's deadline) is a stop, not a failure, wherever
 *   it stops: while listing the bucket, while reading the published feeds back after a lost
 *   manifest, or while reading seeds; the Lambda handler returns it instead of throwing.
 * - A run with the manifest lost gives a published article's id, page and address to the seed
 *   it was published from, not to a look-alike newcomer (`story.txt` beside `story.TXT`), as a
 *   run with its manifest does.
 * - With the manifest lost, the RFC 5005 archive documents keep every article on the page it
 *   was on, as a run with its manifest does.
 * - A site folder that already holds the bytes (Storage.heldAs): a recovery keeps the files and
 *   settles; a folder whose files are hard links shared with a backup keeps them, and a later
 *   build never writes through a link into the backup.
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler, type StoppedRun } from '../../handlers/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import type { Storage } from '../../src/storage/storage.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import type { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, tempDir, type TempDir, testFeedConfig, text, utf8, writeSeeds } from './support.js';
import { cloneStorage, MANIFEST, under } from './support-site.js';
import {
  bucketState as stateOf,
  noteContent as contentOf,
  noteDay as day,
  noteFile as fileOf,
  notesBucket,
  outcomeOf,
  runOn,
  SEEDS,
} from './support-runs.js';

const T0 = new Date('2026-03-01T06:00:00.000Z');
const T1 = new Date('2026-03-02T06:00:00.000Z');
const T2 = new Date('2026-03-03T06:00:00.000Z');

/** itemLimit 5 by default, so that a dozen articles make archives; the guard at its default 20 %. */
function settingsOf(itemLimit = 5): PlanSettings {
  return { config: testFeedConfig({ itemLimit }), cacheControl: 'max-age=300', maxUnpublishShare: 0.2 };
}

/** A memory bucket with notes 0..count-1 under `seeds/`. */
const bucketWith = (count: number): MemoryStorage => notesBucket(0, count);

/** A bucket published at T0 from `count` articles. */
async function publishedBucket(count: number, settings: PlanSettings): Promise<MemoryStorage> {
  const bucket = bucketWith(count);
  const first = await outcomeOf(runOn(bucket, settings, T0));
  if (!first.summary) throw first.error;
  return bucket;
}

/**
 * The bucket, with one request (`op` on `key`) abandoned when the run's signal fires, as the S3
 * client abandons a request in flight at the deadline. With `controller`, that request is also
 * what fires it (the deadline reached while it is in flight).
 */
function abandoning(bucket: MemoryStorage, op: 'get' | 'list', key: string, controller?: AbortController): Storage {
  const hang = (signal: AbortSignal | undefined) =>
    new Promise<never>((_, reject) => {
      if (!signal) return reject(new Error('the request was sent without the run’s signal'));
      controller?.abort(new Error('the deadline came'));
      if (signal.aborted) reject(signal.reason);
      else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return {
    get: (k, options) => (op === 'get' && k === key ? hang(options?.signal) : bucket.get(k)),
    list: (prefix, options) => (op === 'list' && prefix === key ? hang(options?.signal) : bucket.list(prefix, options)),
    put: (k, body, options) => bucket.put(k, body, options),
    delete: (k) => bucket.delete(k),
  };
}

/** The JSON archive's item ids, page by page. */
function archiveIds(bucket: MemoryStorage): Record<string, string[]> {
  const pages: Record<string, string[]> = {};
  for (const [key, object] of bucket.objects) {
    if (!/^archive\/feed-\d+\.json$/.test(key)) continue;
    pages[key] = (JSON.parse(text(object.body)) as { items: { id: string }[] }).items.map((item) => item.id).sort();
  }
  return pages;
}

describe('a dry run stopped by its deadline', () => {
  it('while the bucket is listed: a stop that carries on, saying once that nothing was written', async () => {
    // Prepare: a published bucket; the deadline comes while `articles/` is listed.
    const settings = settingsOf();
    const bucket = await publishedBucket(12, settings);
    const before = stateOf(bucket);
    const controller = new AbortController();

    // Act
    const dry = await outcomeOf(
      runOn(abandoning(bucket, 'list', 'articles/', controller), settings, T1, { dryRun: true, signal: controller.signal }),
    );

    // Assess
    expect(stateOf(bucket)).toEqual(before);
    expect(dry.error?.summary?.dryRun).toBe(true);
    expect(dry.error?.carriesOn).toBe(true);
    expect(dry.error?.message.match(/nothing was written/g)).toHaveLength(1);
  });

  it('while the published feeds are read back after a lost manifest: a stop that carries on', async () => {
    // Prepare: a published bucket whose manifest is lost; the deadline comes while feed.json is read.
    const settings = settingsOf();
    const bucket = await publishedBucket(12, settings);
    await bucket.delete(MANIFEST);
    const before = stateOf(bucket);
    const controller = new AbortController();

    // Act
    const dry = await outcomeOf(
      runOn(abandoning(bucket, 'get', 'feed.json', controller), settings, T1, { dryRun: true, signal: controller.signal }),
    );

    // Assess
    expect(stateOf(bucket)).toEqual(before);
    expect(dry.error?.message).toMatch(/nothing was written/);
    expect(dry.error?.carriesOn).toBe(true);
  });

  it('through the Lambda handler, while the published feeds are read back: returned as stopped, not thrown', async () => {
    // Prepare: a lost manifest; feed.json answers only when the handler's own deadline signal
    // abandons the request (200 ms of a 400 ms invocation).
    const settings = settingsOf();
    const bucket = await publishedBucket(12, settings);
    await bucket.delete(MANIFEST);
    const before = stateOf(bucket);
    const handler = createHandler(
      { FEED_BUCKET: 'feeds-bucket', SITE_URL: 'https://news.example.org/', AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      { storage: abandoning(bucket, 'get', 'feed.json'), seeds: under(bucket, SEEDS), settings, now: () => T1 },
    );

    // Act
    let returned: PublishSummary | StoppedRun | undefined;
    let thrown: unknown;
    try {
      returned = await handler({ dryRun: true }, { getRemainingTimeInMillis: () => 400 });
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(stateOf(bucket)).toEqual(before);
    expect(thrown).toBeUndefined();
    expect((returned as StoppedRun | undefined)?.stopped).toMatch(/a dry run: nothing was written/);
  });

  it('while the seeds are read in a recovery: a stop that writes nothing, and the real run after it recovers as if it never ran', async () => {
    // Prepare: a lost manifest and one seed deleted; twin buckets, one for the dry run.
    const settings = settingsOf();
    const bucket = await publishedBucket(12, settings);
    await bucket.delete(MANIFEST);
    await bucket.delete(SEEDS + fileOf(3));
    const twin = cloneStorage(bucket);
    const before = stateOf(bucket);
    const controller = new AbortController();
    const stopping: Storage = {
      ...abandoning(bucket, 'get', 'never'),
      get: async (key) => {
        if (key === SEEDS + fileOf(6)) controller.abort(new Error('the deadline came'));
        return bucket.get(key);
      },
    };

    // Act
    const dry = await outcomeOf(runOn(stopping, settings, T1, { dryRun: true, signal: controller.signal }));
    const afterDry = stateOf(bucket);
    const real = await outcomeOf(runOn(bucket, settings, T1));
    const realTwin = await outcomeOf(runOn(twin, settings, T1));

    // Assess
    expect(afterDry).toEqual(before);
    expect(dry.error?.carriesOn).toBe(true);
    expect(dry.error?.message).toMatch(/a dry run: nothing was written/);
    expect(real.summary?.articles).toEqual(realTwin.summary?.articles);
    expect(stateOf(bucket)).toEqual(stateOf(twin));
  });
});

describe('a lost manifest and a look-alike newcomer', () => {
  /** Twelve notes and `story.TXT`, published at T0; then `story.txt` added with other text. */
  async function withNewcomer(loseManifest: boolean) {
    const settings = settingsOf();
    const bucket = bucketWith(12);
    await bucket.put(`${SEEDS}story.TXT`, utf8(seed(day(11), 'Original Story', 'The text readers know.')), { contentType: 'text/plain' });
    const first = await outcomeOf(runOn(bucket, settings, T0));
    if (!first.summary) throw first.error;
    if (loseManifest) await bucket.delete(MANIFEST);
    await bucket.put(`${SEEDS}story.txt`, utf8(seed(day(11), 'Impostor', 'A newcomer that only looks alike.')), {
      contentType: 'text/plain',
    });
    const run = await outcomeOf(runOn(bucket, settings, T1));
    const page = text(bucket.objects.get('articles/2025-01-12-original-story.html')?.body ?? new Uint8Array());
    const feed = JSON.parse(text(bucket.objects.get('feed.json')!.body)) as { items: { id: string; title: string }[] };
    return { run, page, feed };
  }

  it('with the manifest kept: the published story.TXT keeps its id and page, the newcomer story.txt is refused', async () => {
    // Prepare, Act
    const kept = await withNewcomer(false);

    // Assess
    expect(kept.run.summary?.rejected.map((bad) => bad.file)).toEqual(['story.txt']);
    expect(kept.page).toMatch(/Original Story/);
  });

  it('with the manifest lost: as with it kept, the newcomer does not take the published article’s id and page', async () => {
    // Prepare, Act
    const recovered = await withNewcomer(true);

    // Assess
    expect(recovered.run.summary?.rejected.map((bad) => bad.file)).toEqual(['story.txt']);
    expect(recovered.page).toMatch(/Original Story/);
    expect(recovered.page).not.toMatch(/Impostor/);
    expect(recovered.feed.items.map((item) => item.title)).not.toContain('Impostor');
  });
});

describe('a lost manifest and the RFC 5005 archive', () => {
  it('after archived articles were deleted, an added article moves no archived article to another page', async () => {
    // Prepare: 23 notes (itemLimit 5: the feeds and four archive pages, three closed); two
    // archived notes deleted (pages now shorter than five); twin buckets, one losing its manifest.
    const settings = settingsOf();
    const bucket = await publishedBucket(23, settings);
    await bucket.delete(SEEDS + fileOf(2));
    await bucket.delete(SEEDS + fileOf(7));
    const deleted = await outcomeOf(runOn(bucket, settings, T1));
    expect(deleted.summary?.articles.unpublished).toBe(2);
    const lost = cloneStorage(bucket);
    await lost.delete(MANIFEST);
    for (const target of [bucket, lost]) await target.put(SEEDS + fileOf(40), utf8(contentOf(40)), { contentType: 'text/plain' });

    // Act
    const withManifest = await outcomeOf(runOn(bucket, settings, T2));
    const recovered = await outcomeOf(runOn(lost, settings, T2));

    // Assess: the same pages, each with the same articles, and every link of the feeds resolves.
    expect(recovered.error).toBeUndefined();
    expect(withManifest.error).toBeUndefined();
    expect(archiveIds(lost)).toEqual(archiveIds(bucket));
    expect(Object.keys(archiveIds(lost))).toHaveLength(4);
    expect([...lost.objects.keys()].filter((key) => key.startsWith('articles/')).sort()).toEqual(
      [...bucket.objects.keys()].filter((key) => key.startsWith('articles/')).sort(),
    );
  });
});

describe('a site folder that already holds the bytes', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  const SEEDS_FIVE = Object.fromEntries(
    [1, 2, 3, 4, 5].map((n) => [`2026-03-0${n}-note.txt`, seed(`2026-03-0${n}`, `Note ${n}`, `Paragraph ${n} of the note.`)]),
  );

  /** Seeds and a folder site built from them at NOW, as `cli build` builds it. */
  async function builtSite() {
    dir = await tempDir('recovery-edges-');
    const seedsDir = join(dir.path, 'seeds');
    const outDir = join(dir.path, 'out');
    await writeSeeds(seedsDir, SEEDS_FIVE);
    const run = (into: string = outDir) =>
      publish(
        folderPublishDependencies({
          outDir: into,
          seedsDir,
          feed: testFeedConfig({ itemLimit: 2 }),
          cacheControl: 'max-age=300',
          maxUnpublishShare: 0.2,
          now: () => new Date('2026-06-01T06:00:00.000Z'),
        }),
      );
    await run();
    return { root: dir.path, seedsDir, outDir, run };
  }

  /** Every file under `root` (the manifest left out), by path: its inode and bytes. */
  function filesOf(root: string): Map<string, { ino: number; bytes: string }> {
    const found = new Map<string, { ino: number; bytes: string }>();
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (relative(root, path) !== MANIFEST)
          found.set(relative(root, path), { ino: statSync(path).ino, bytes: readFileSync(path, 'latin1') });
      }
    };
    walk(root);
    return found;
  }

  it('with the manifest lost and one seed deleted: its page alone is deleted, every other file kept, and the next build settles', async () => {
    // Prepare
    const site = await builtSite();
    rmSync(join(site.outDir, MANIFEST));
    rmSync(join(site.seedsDir, '2026-03-02-note.txt'));
    const before = filesOf(site.outDir);

    // Act
    const recovered = await site.run();
    const again = await site.run();

    // Assess: the index, feeds and the archive that named it change; no page is rewritten.
    const after = filesOf(site.outDir);
    expect(recovered.objects.deletedKeys).toEqual(['articles/2026-03-02-note-2.html']);
    expect(recovered.objects.writtenKeys.filter((key) => key.startsWith('articles/'))).toEqual([]);
    for (const [path, file] of after) if (path.startsWith('articles/')) expect(file.ino).toBe(before.get(path)?.ino);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.articles.read).toBe(0);
  });

  it('whose files are hard links shared with a backup: kept as they are, and a later edit never writes through into the backup', async () => {
    // Prepare: a backup made with hard links (`cp -al`), and the manifest lost so that every
    // file is compared by its bytes.
    const site = await builtSite();
    const backup = join(site.root, 'backup');
    for (const [path] of filesOf(site.outDir)) {
      mkdirSync(join(backup, path, '..'), { recursive: true });
      linkSync(join(site.outDir, path), join(backup, path));
    }
    const backupBefore = filesOf(backup);
    rmSync(join(site.outDir, MANIFEST));

    // Act: a build that keeps every file, then one after an edit of the newest note.
    const kept = await site.run();
    await writeSeeds(site.seedsDir, { '2026-03-05-note.txt': seed('2026-03-05', 'Note 5', 'Paragraph 5, corrected.') });
    const edited = await site.run();

    // Assess
    expect(kept.objects.writtenKeys).toEqual([]);
    expect(edited.objects.writtenKeys).toContain('articles/2026-03-05-note-5.html');
    expect(readFileSync(join(site.outDir, 'articles/2026-03-05-note-5.html'), 'utf8')).toMatch(/corrected/);
    const backupAfter = filesOf(backup);
    for (const [path, file] of backupBefore) expect(backupAfter.get(path)?.bytes).toBe(file.bytes);
  });
});
