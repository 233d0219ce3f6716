/**
 * A site folder whose files already hold what a run would write keeps them: a folder copied or
 * restored (its files under signatures no record knows) or a `Cache-Control` change (which a
 * folder does not store) costs reads, not rewrites, so each file keeps its inode and
 * modification time and a sync by time uploads nothing. What differs is still written, and
 * `force` still writes everything.
 */
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publish } from '../../src/publish/publish.js';
import { FolderStorage } from '../../src/storage/folder.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import { seed, tempDir, type TempDir, testFeedConfig, utf8, writeSeeds } from './support.js';
import { MANIFEST } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');

/** Five notes, March 1–5, 2026: with two items a feed, three of them are archived. */
const SEEDS = Object.fromEntries(
  [1, 2, 3, 4, 5].map((n) => [`2026-03-0${n}-note.txt`, seed(`2026-03-0${n}`, `Note ${n}`, `Paragraph ${n} of the note.`)]),
);

/** Every file under `root`, by path relative to it: its inode, modification time and bytes. */
function files(root: string): Map<string, { ino: number; mtimeMs: number; bytes: string }> {
  const found = new Map<string, { ino: number; mtimeMs: number; bytes: string }>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else {
        const info = statSync(path);
        found.set(relative(root, path), { ino: info.ino, mtimeMs: info.mtimeMs, bytes: readFileSync(path, 'latin1') });
      }
    }
  };
  walk(root);
  return found;
}

/** The site's own files (not the manifest), as `files` gives them. */
const siteFiles = (root: string) => new Map([...files(root)].filter(([path]) => path !== MANIFEST));

describe('a site folder that already holds the bytes a run would write', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  /** Seeds and a site built from them; `run` builds `outDir` (the site, or a copy) as `cli build` does. */
  async function builtSite() {
    dir = await tempDir('folder-held-');
    const seedsDir = join(dir.path, 'seeds');
    const outDir = join(dir.path, 'out');
    await writeSeeds(seedsDir, SEEDS);
    const run = (into: string, options: { cacheControl?: string; force?: boolean; dryRun?: boolean } = {}) =>
      publish(
        folderPublishDependencies({
          outDir: into,
          seedsDir,
          feed: testFeedConfig({ itemLimit: 2 }),
          cacheControl: options.cacheControl ?? 'max-age=300',
          maxUnpublishShare: 0.2,
          now: () => NOW,
        }),
        { ...(options.force ? { force: true } : {}), ...(options.dryRun ? { dryRun: true } : {}) },
      );
    const first = await run(outDir);
    expect(first.objects.written).toBeGreaterThan(10);
    return { root: dir.path, outDir, run };
  }

  it('restored from a copy: the build writes only the manifest, every file keeps its inode and time, and the next build writes nothing', async () => {
    // Prepare: the site copied as a CI cache restores it: new inodes and change times, the
    // modification times kept.
    const site = await builtSite();
    const copy = join(site.root, 'restored');
    cpSync(site.outDir, copy, { recursive: true, preserveTimestamps: true });
    const before = siteFiles(copy);
    const manifestBefore = readFileSync(join(copy, MANIFEST), 'utf8');

    // Act
    const restored = await site.run(copy);
    const again = await site.run(copy);

    // Assess: nothing rewritten, the manifest now knows the copy's files, and the build after it
    // finds the site settled.
    expect(restored.objects.writtenKeys).toEqual([]);
    expect(restored.objects.unchanged).toBe(before.size);
    expect(siteFiles(copy)).toEqual(before);
    expect(readFileSync(join(copy, MANIFEST), 'utf8')).not.toBe(manifestBefore);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.articles.read).toBe(0);
  });

  it('restored from a copy: a dry run lists nothing to write', async () => {
    // Prepare
    const site = await builtSite();
    const copy = join(site.root, 'restored');
    cpSync(site.outDir, copy, { recursive: true });

    // Act
    const dry = await site.run(copy, { dryRun: true });

    // Assess
    expect(dry.objects.writtenKeys).toEqual([]);
  });

  it('with another Cache-Control, which a folder does not store: no file is written, and the build after it writes nothing', async () => {
    // Prepare
    const site = await builtSite();
    const before = siteFiles(site.outDir);

    // Act
    const changed = await site.run(site.outDir, { cacheControl: 'max-age=60' });
    const again = await site.run(site.outDir, { cacheControl: 'max-age=60' });

    // Assess
    expect(changed.objects.writtenKeys).toEqual([]);
    expect(siteFiles(site.outDir)).toEqual(before);
    expect(again.objects.writtenKeys).toEqual([]);
    expect(again.articles.read).toBe(0);
  });

  it('restored from a copy with one page altered at the same length: that page alone is written again, with its own bytes', async () => {
    // Prepare: one byte of one page changed in the copy, its size kept.
    const site = await builtSite();
    const copy = join(site.root, 'restored');
    cpSync(site.outDir, copy, { recursive: true });
    const page = [...siteFiles(copy).keys()].find((path) => path.startsWith('articles/'))!;
    const original = readFileSync(join(copy, page), 'utf8');
    const altered = original.replace('Paragraph', 'Peragraph');
    expect(altered).not.toBe(original);
    expect(Buffer.byteLength(altered)).toBe(Buffer.byteLength(original));
    writeFileSync(join(copy, page), altered);

    // Act
    const summary = await site.run(copy);

    // Assess
    expect(summary.objects.writtenKeys).toEqual([page]);
    expect(readFileSync(join(copy, page), 'utf8')).toBe(original);
  });

  it('with force: every file is written again, held bytes or not', async () => {
    // Prepare
    const site = await builtSite();
    const before = siteFiles(site.outDir);

    // Act
    const forced = await site.run(site.outDir, { force: true });

    // Assess: new files (a write replaces the file), with the same bytes.
    expect(forced.objects.writtenKeys).toHaveLength(before.size);
    const after = siteFiles(site.outDir);
    for (const [path, file] of before) {
      expect(after.get(path)?.bytes).toBe(file.bytes);
      expect(after.get(path)?.ino).not.toBe(file.ino);
    }
  });
});

describe('FolderStorage.heldAs', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  it('gives the ETag the listing gives for a file with exactly these bytes, and nothing for other bytes, a missing file or a folder', async () => {
    // Prepare
    dir = await tempDir('folder-held-unit-');
    const storage = new FolderStorage(dir.path);
    await storage.put('articles/a.html', utf8('<p>one</p>'), { contentType: 'text/html' });
    await storage.put('articles/sub/b.html', utf8('<p>two</p>'), { contentType: 'text/html' });
    const [listed] = await storage.list('articles/a');

    // Act
    const same = await storage.heldAs('articles/a.html', utf8('<p>one</p>'));
    const other = await storage.heldAs('articles/a.html', utf8('<p>two</p>'));
    const longer = await storage.heldAs('articles/a.html', utf8('<p>one</p>\n'));
    const missing = await storage.heldAs('articles/c.html', utf8('<p>one</p>'));
    const folder = await storage.heldAs('articles/sub', utf8('<p>two</p>'));

    // Assess
    expect(same).toBe(listed?.etag);
    expect([other, longer, missing, folder]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
