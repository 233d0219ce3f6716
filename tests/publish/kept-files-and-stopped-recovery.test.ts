/**
 * Two things a demanding user meets after a fault:
 * - a site folder keeps a file that already holds the bytes a run would write (Storage.heldAs):
 *   what the run then reports, records and announces, and whether the run after it settles,
 *   with files changed, replaced by links, unreadable or copied without the manifest;
 * - a run that lost its manifest and stopped part way keeps the addresses of the articles it
 *   did not reach (recoveredRecords): seeds deleted, edited, broken, re-dated or joined by a
 *   colliding name before the run carrying on; approvals; dry runs; settling.
 */
import { cpSync, lstatSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publish, type PublishRequest } from '../../src/publish/publish.js';
import { FolderStorage } from '../../src/storage/folder.js';
import type { Storage, StoredObject } from '../../src/storage/storage.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import { seed, tempDir, type TempDir, testFeedConfig, writeSeeds } from './support.js';
import { correctedSite, HUNDRED_NOTES, MANIFEST, type Site, stoppedAtRead } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const HUB = 'https://hub.example.org/';

/** Five notes, March 1–5, 2026: with two items a feed, three of them are archived. */
const FIVE = Object.fromEntries(
  [1, 2, 3, 4, 5].map((n) => [`2026-03-0${n}-note.txt`, seed(`2026-03-0${n}`, `Note ${n}`, `Paragraph ${n} of the note.`)]),
);

/** Every file under `root` but the manifest, by path: inode and bytes. */
function siteFiles(root: string): Map<string, { ino: number; bytes: string }> {
  const found = new Map<string, { ino: number; bytes: string }>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (relative(root, path) !== MANIFEST) {
        const info = lstatSync(path);
        found.set(relative(root, path), { ino: info.ino, bytes: info.isSymbolicLink() ? 'LINK' : readFileSync(path, 'latin1') });
      }
    }
  };
  walk(root);
  return found;
}

/** A fetch that answers every WebSub notification with 204 and remembers the feed URL each names. */
function hubFetch(): { fetch: typeof fetch; pinged: string[] } {
  const pinged: string[] = [];
  return {
    pinged,
    fetch: async (_input, init) => {
      pinged.push(new URLSearchParams(String(init?.body ?? '')).get('hub.url') ?? '');
      return new Response(null, { status: 204 });
    },
  };
}

describe('a site folder that already holds the bytes a run would write', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  /** Seeds and a folder site built from them; `run` builds `into` as `cli build` does. */
  async function builtSite(options: { hub?: boolean } = {}) {
    dir = await tempDir('kept-files-');
    const seedsDir = join(dir.path, 'seeds');
    const outDir = join(dir.path, 'out');
    await writeSeeds(seedsDir, FIVE);
    const feed = testFeedConfig({ itemLimit: 2, ...(options.hub ? { websubHub: HUB } : {}) });
    const run = (
      into: string,
      request: PublishRequest = {},
      extra: { storage?: Storage; fetch?: typeof fetch; cacheControl?: string } = {},
    ) => {
      const deps = folderPublishDependencies({
        outDir: into,
        seedsDir,
        feed,
        cacheControl: extra.cacheControl ?? 'max-age=300',
        maxUnpublishShare: 0.2,
        now: () => NOW,
      });
      return publish({ ...deps, ...(extra.storage ? { storage: extra.storage } : {}), fetch: extra.fetch ?? hubFetch().fetch }, request);
    };
    const first = await run(outDir);
    expect(first.objects.written).toBeGreaterThan(10);
    return { root: dir.path, seedsDir, outDir, run, feed };
  }

  it('announces to the hub the feeds a run wrote and never announced, though the next run finds their bytes in place', async () => {
    // Prepare: a new article; a build that writes its page, the index and the feeds and then
    // cannot write the manifest (killed, the disk full), so no notification is pending anywhere.
    const site = await builtSite({ hub: true });
    await writeSeeds(site.seedsDir, { '2026-03-06-note.txt': seed('2026-03-06', 'Note 6', 'Paragraph 6 of the note.') });
    const folder = new FolderStorage(site.outDir);
    const noManifest: Storage = {
      get: (key) => folder.get(key),
      list: (prefix, options) => folder.list(prefix, options),
      delete: (key) => folder.delete(key),
      heldAs: (key, body) => folder.heldAs(key, body),
      put: async (key, body, options) => {
        if (key === MANIFEST) throw new Error('no space left on device');
        return folder.put(key, body, options);
      },
    };
    const crashedHub = hubFetch();
    await expect(site.run(site.outDir, {}, { storage: noManifest, fetch: crashedHub.fetch })).rejects.toThrow(/no space left/);
    expect(crashedHub.pinged).toEqual([]);

    // Act
    const hub = hubFetch();
    const next = await site.run(site.outDir, {}, { fetch: hub.fetch });

    // Assess: the feeds changed for readers (a new item) and the hub has not heard of it yet.
    expect(next.warnings).toEqual([]);
    expect([...hub.pinged].sort()).toEqual(Object.values(site.feed.feedUrls).sort());
  });

  it('copied without its manifest (`_publish/` left out of the backup): nothing is rewritten, and the build after it settles', async () => {
    // Prepare
    const site = await builtSite();
    const copy = join(site.root, 'restored');
    cpSync(site.outDir, copy, { recursive: true, filter: (source) => !source.includes('_publish') });
    const before = siteFiles(copy);

    // Act
    const restored = await site.run(copy);
    const again = await site.run(copy);

    // Assess
    expect(restored.objects.writtenKeys).toEqual([]);
    expect(restored.objects.unchanged).toBe(before.size);
    expect(restored.articles.unpublished).toBe(0);
    expect(siteFiles(copy)).toEqual(before);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.articles.read).toBe(0);
    expect(again.objects.unchanged).toBe(before.size);
  });

  it('a page replaced by a symbolic link to a file with its very bytes: a real file is written in its place, and the next build settles', async () => {
    // Prepare
    const site = await builtSite();
    const page = [...siteFiles(site.outDir).keys()].find((path) => path.startsWith('articles/'))!;
    const bytes = readFileSync(join(site.outDir, page));
    const elsewhere = join(site.root, 'elsewhere.html');
    writeFileSync(elsewhere, bytes);
    rmSync(join(site.outDir, page));
    symlinkSync(elsewhere, join(site.outDir, page));

    // Act
    const repaired = await site.run(site.outDir);
    const again = await site.run(site.outDir);

    // Assess: the link is replaced, not written through, and the file outside is untouched.
    expect(repaired.objects.writtenKeys).toEqual([page]);
    expect(lstatSync(join(site.outDir, page)).isFile()).toBe(true);
    expect(readFileSync(join(site.outDir, page))).toEqual(bytes);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.articles.read).toBe(0);
  });

  it("a file altered between the listing and the read (same size, other bytes): written with the run's bytes, and the next build settles", async () => {
    // Prepare: the site copied (every signature unknown), and a storage that alters one feed
    // right after the listing, as an editor saving over it mid-build would.
    const site = await builtSite();
    const copy = join(site.root, 'restored');
    cpSync(site.outDir, copy, { recursive: true });
    const original = readFileSync(join(copy, 'feed.json'), 'utf8');
    const folder = new FolderStorage(copy);
    let altered = false;
    const racing: Storage = {
      get: (key) => folder.get(key),
      put: (key, body, options) => folder.put(key, body, options),
      delete: (key) => folder.delete(key),
      list: async (prefix, options) => {
        const listed = await folder.list(prefix, options);
        if (!altered && prefix === '') {
          altered = true;
          writeFileSync(join(copy, 'feed.json'), original.replace('Note', 'Nite'));
        }
        return listed;
      },
      heldAs: (key, body) => folder.heldAs(key, body),
    };

    // Act
    const summary = await site.run(copy, {}, { storage: racing });
    const again = await site.run(copy);

    // Assess
    expect(altered).toBe(true);
    expect(summary.objects.writtenKeys).toEqual(['feed.json']);
    expect(readFileSync(join(copy, 'feed.json'), 'utf8')).toBe(original);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.articles.read).toBe(0);
  });

  it('a file that cannot be read when it is compared: the build writes it rather than fail, and the next build settles', async () => {
    // Prepare: the site copied; reading its feed.json fails (permission denied).
    const site = await builtSite();
    const copy = join(site.root, 'restored');
    cpSync(site.outDir, copy, { recursive: true });
    class Unreadable extends FolderStorage {
      override async get(key: string): Promise<StoredObject | undefined> {
        if (key === 'feed.json') throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
        return super.get(key);
      }
    }

    // Act
    const summary = await site.run(copy, {}, { storage: new Unreadable(copy) });
    const again = await site.run(copy);

    // Assess
    expect(summary.objects.writtenKeys).toEqual(['feed.json']);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.articles.read).toBe(0);
  });

  it('after a Cache-Control change, a dry run reports what the real run does: nothing to write, every object unchanged', async () => {
    // Prepare
    const site = await builtSite();
    const before = siteFiles(site.outDir);
    const manifest = readFileSync(join(site.outDir, MANIFEST), 'utf8');

    // Act
    const dry = await site.run(site.outDir, { dryRun: true }, { cacheControl: 'max-age=60' });
    const manifestAfterDry = readFileSync(join(site.outDir, MANIFEST), 'utf8');
    const real = await site.run(site.outDir, {}, { cacheControl: 'max-age=60' });

    // Assess
    expect(manifestAfterDry).toBe(manifest);
    expect(dry.objects).toMatchObject({ written: 0, deleted: 0, unchanged: before.size });
    expect(real.objects).toMatchObject({ written: 0, deleted: 0, unchanged: before.size });
    expect(siteFiles(site.outDir)).toEqual(before);
  });

  it('restored from a copy with an article added meanwhile: only its page, the index, the feeds and the archives that change are written, and they are announced', async () => {
    // Prepare
    const site = await builtSite({ hub: true });
    const copy = join(site.root, 'restored');
    cpSync(site.outDir, copy, { recursive: true });
    await writeSeeds(site.seedsDir, { '2026-03-06-note.txt': seed('2026-03-06', 'Note 6', 'Paragraph 6 of the note.') });
    const reference = join(site.root, 'reference');
    cpSync(site.outDir, reference, { recursive: true });
    const expected = await site.run(site.outDir);
    const hub = hubFetch();

    // Act
    const summary = await site.run(copy, {}, { fetch: hub.fetch });

    // Assess: the same writes and pings as on the folder the manifest describes.
    expect([...summary.objects.writtenKeys].sort()).toEqual([...expected.objects.writtenKeys].sort());
    expect(summary.objects.unchanged).toBe(expected.objects.unchanged);
    expect([...hub.pinged].sort()).toEqual(Object.values(site.feed.feedUrls).sort());
    expect(new Map([...siteFiles(copy)].map(([k, v]) => [k, v.bytes]))).toEqual(
      new Map([...siteFiles(site.outDir)].map(([k, v]) => [k, v.bytes])),
    );
  });
});

describe('a run with the manifest lost, stopped part way, and what changes before the run carrying on', () => {
  const FILES = HUNDRED_NOTES;
  const NAMES = Object.keys(FILES).sort();
  /** The last seed in byte order: a stop at the 70th read never reaches it. */
  const LAST = NAMES[99]!;

  /** The reference (never lost its manifest) and the site that lost it and stopped, both before `change`. */
  async function bothSites() {
    const reference = await correctedSite();
    const s = await correctedSite();
    await s.site.delete(MANIFEST);
    await stoppedAtRead(s, 70);
    return { reference, s };
  }

  const pageKeys = (site: Site) => Object.keys(site.snapshot({ withManifest: false })).filter((key) => key.startsWith('articles/'));

  it('an unread article whose title is corrected again meanwhile keeps its page address, as with its manifest', async () => {
    // Prepare
    const { reference, s } = await bothSites();
    for (const site of [reference, s]) await site.writeSeed(LAST, FILES[LAST]!.replace(/^date (\S+) Note 99/, 'date $1 Third title 99'));

    // Act
    await reference.run();
    const next = await s.run();

    // Assess
    expect(next.articles).toMatchObject({ published: 100, unpublished: 0 });
    expect(pageKeys(s)).toEqual(pageKeys(reference));
    expect(s.snapshot()['articles/2026-04-10-note-99.html']).toContain('Third title 99');
  });

  it("unread seeds deleted meanwhile (within the guard's share) are unpublished and their pages deleted", async () => {
    // Prepare
    const { reference, s } = await bothSites();
    const gone = NAMES.slice(90, 100);
    for (const site of [reference, s]) for (const name of gone) await site.deleteSeed(name);

    // Act
    const expected = await reference.run();
    const next = await s.run();

    // Assess
    expect(next.articles).toMatchObject({ published: 90, unpublished: 10 });
    expect(next.articles).toMatchObject({ published: expected.articles.published, unpublished: expected.articles.unpublished });
    expect(pageKeys(s)).toHaveLength(90);
    expect(s.snapshot({ withManifest: false })).toEqual(reference.snapshot({ withManifest: false }));
  });

  it("unread seeds deleted meanwhile beyond the guard's share: the run carrying on is refused, writing nothing", async () => {
    // Prepare
    const { s } = await bothSites();
    for (const name of NAMES.slice(75, 100)) await s.deleteSeed(name);
    const before = s.snapshot();

    // Act
    const refused = s.run();

    // Assess
    await expect(refused).rejects.toThrow(/25/);
    expect(s.snapshot()).toEqual(before);
  });

  it('an unread article re-dated into the future meanwhile leaves the site, its page deleted, as with its manifest', async () => {
    // Prepare
    const { reference, s } = await bothSites();
    const later = FILES[LAST]!.replace(/^date \S+ Note 99/, 'date 2026-12-01 Corrected note 99');
    for (const site of [reference, s]) await site.writeSeed(LAST, later);

    // Act
    const expected = await reference.run();
    const next = await s.run();

    // Assess
    expect(expected.articles).toMatchObject({ published: 99, held: 1, unpublished: 1 });
    expect(pageKeys(s)).toEqual(pageKeys(reference));
    expect(next.articles).toMatchObject({ published: 99, held: 1, unpublished: 1 });
  });

  it('an unread seed broken meanwhile: the run carrying on does as a run that read the feeds back and was never stopped', async () => {
    // Prepare: the same loss on a site that is not stopped.
    const { s } = await bothSites();
    const unstopped = await correctedSite();
    await unstopped.site.delete(MANIFEST);
    for (const site of [s, unstopped]) await site.writeSeed(LAST, 'this is no article\n');

    // Act
    const expected = await unstopped.run();
    const next = await s.run();

    // Assess
    expect(next.rejected.map((r) => r.file)).toEqual([LAST]);
    expect(next.articles).toMatchObject({ published: expected.articles.published, unpublished: expected.articles.unpublished });
    expect(s.snapshot({ withManifest: false })).toEqual(unstopped.snapshot({ withManifest: false }));
  });

  it('a newcomer named like an unread published article (note.TXT beside note.txt) does not take its id or its page', async () => {
    // Prepare
    const { reference, s } = await bothSites();
    const newcomer = LAST.replace(/\.txt$/, '.TXT');
    const intruder = seed('2026-04-10', 'Someone else', 'Not the same article.');
    for (const site of [reference, s]) await site.writeSeed(newcomer, intruder);

    // Act
    const expected = await reference.run();
    const next = await s.run();

    // Assess: the newcomer is refused, the published article stays as it was.
    expect(expected.rejected.map((r) => r.file)).toEqual([newcomer]);
    expect(next.rejected.map((r) => r.file)).toEqual([newcomer]);
    expect(s.snapshot({ withManifest: false })).toEqual(reference.snapshot({ withManifest: false }));
  });

  it('a dry run carrying on reports the writes the real run then makes, and leaves the saved addresses for it', async () => {
    // Prepare
    const { reference, s } = await bothSites();
    await reference.run();
    const manifest = s.snapshot()[MANIFEST];

    // Act
    const dry = await s.run({ dryRun: true });
    const manifestAfterDry = s.snapshot()[MANIFEST];
    const real = await s.run();

    // Assess
    expect(manifestAfterDry).toBe(manifest);
    expect([...dry.objects.writtenKeys].sort()).toEqual([...real.objects.writtenKeys].sort());
    expect(dry.objects.deletedKeys).toEqual(real.objects.deletedKeys);
    expect(s.snapshot({ withManifest: false })).toEqual(reference.snapshot({ withManifest: false }));
  });

  it('the run after the one carrying on settles: nothing read, nothing written', async () => {
    // Prepare
    const { s } = await bothSites();
    await s.run();

    // Act
    const again = await s.run();

    // Assess
    expect(again.articles.read).toBe(0);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.warnings).toEqual([]);
  });

  it('stopped twice, the second time before it finished anything: the run after still keeps every address', async () => {
    // Prepare
    const reference = await correctedSite();
    await reference.run();
    const s = await correctedSite();
    await s.site.delete(MANIFEST);
    await stoppedAtRead(s, 70);
    await stoppedAtRead(s, 1);

    // Act
    const next = await s.run();

    // Assess
    expect(next.articles.unpublished).toBe(0);
    expect(s.snapshot({ withManifest: false })).toEqual(reference.snapshot({ withManifest: false }));
  });

  it("a forced run past the guard that stops: the scheduled run carrying on unpublishes exactly what it was told to, keeping the others' addresses", async () => {
    // Prepare: 30 % of the seeds gone with the manifest, a forced run stopped part way.
    const reference = await correctedSite();
    const s = await correctedSite();
    await s.site.delete(MANIFEST);
    const gone = NAMES.filter((_, n) => n % 10 < 3);
    for (const site of [reference, s]) for (const name of gone) await site.deleteSeed(name);
    await reference.run({ force: true });
    await stoppedAtRead(s, 40, { force: true });

    // Act
    const next = await s.run();

    // Assess
    expect(next.articles).toMatchObject({ published: 70, unpublished: 30 });
    expect(s.snapshot({ withManifest: false })).toEqual(reference.snapshot({ withManifest: false }));
  });
});
