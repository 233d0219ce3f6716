/**
 * What a folder's listing signature (inode, modification and change times, size) and the string
 * order must not break: the last good version of an article whose seed stopped parsing stays
 * published when its page only looks altered (a chmod, a signature of an earlier version), and
 * an archive layout whose same-day ends are in code point order is read back as written.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/publish/manifest.js';
import { publish } from '../../src/publish/publish.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import { seed, tempDir, type TempDir, testFeedConfig, writeSeeds } from './support.js';
import { MANIFEST, memorySite } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');

/** Note `n`, dated March `n`, 2026. */
const noteFile = (n: number) => `2026-03-${String(n).padStart(2, '0')}-note.txt`;
const notePage = (n: number) => `articles/2026-03-${String(n).padStart(2, '0')}-note-${n}.html`;
const noteSeed = (n: number) => seed(`2026-03-${String(n).padStart(2, '0')}`, `Note ${n}`, `Paragraph ${n}.`);

/** A seeds folder and a site folder, published as `cli build` does: two items a feed and an archive page. */
async function folderSite(days: readonly number[]) {
  const dir = await tempDir('folder-signatures-');
  const seedsDir = join(dir.path, 'seeds');
  const outDir = join(dir.path, 'out');
  await writeSeeds(seedsDir, Object.fromEntries(days.map((n) => [noteFile(n), noteSeed(n)])));
  const deps = folderPublishDependencies({
    outDir,
    seedsDir,
    feed: testFeedConfig({ itemLimit: 2 }),
    cacheControl: 'max-age=300',
    maxUnpublishShare: 0.5,
    now: () => NOW,
  });
  return { dir, seedsDir, outDir, run: () => publish(deps, {}) };
}

describe('a folder site (cli build) whose archived article has a seed that stopped parsing', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });
  /** Notes 1–7 published; note 1 is in archive 1 (no text kept), and its seed then breaks. */
  async function withBrokenArchivedSeed() {
    const site = await folderSite([1, 2, 3, 4, 5, 6, 7]);
    dir = site.dir;
    await site.run();
    writeFileSync(join(site.seedsDir, noteFile(1)), 'not a seed\n');
    await site.run();
    expect(existsSync(join(site.outDir, notePage(1)))).toBe(true);
    return site;
  }

  it('keeps the article published after `chmod` of the site folder', async () => {
    // Prepare
    const site = await withBrokenArchivedSeed();

    // Act: the pages' permissions set again (content and modification time untouched), then a plain build.
    for (const name of readdirSync(join(site.outDir, 'articles'))) chmodSync(join(site.outDir, 'articles', name), 0o644);
    const summary = await site.run();

    // Assess: its last good version stays published, as README's hostile-input table promises.
    expect(summary.articles.published).toBe(7);
    expect(existsSync(join(site.outDir, notePage(1)))).toBe(true);
  });
  it('keeps the article published on the first build after an upgrade from signatures made of the modification time', async () => {
    // Prepare: then the manifest as an earlier version wrote it for these very files: each
    // signature "ino-time-size" with the modification time, not the change time (here a time
    // the files do not have, so that every page lists as altered).
    const site = await withBrokenArchivedSeed();
    const manifestPath = join(site.outDir, MANIFEST);
    const current = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, current.replace(/\\"([0-9a-z]+)-[0-9a-z]+-([0-9a-z]+)\\"/g, '\\"$1-0-$2\\"'));
    expect(readFileSync(manifestPath, 'utf8')).not.toBe(current);

    // Act: the first build of this version, nothing changed since.
    const summary = await site.run();

    // Assess
    expect(summary.articles.published).toBe(7);
    expect(existsSync(join(site.outDir, notePage(1)))).toBe(true);
  });
});

describe('archive page ends on one day, between a name beyond U+FFFF and one from U+E000 to U+FFFF', () => {
  it('are read back by the next run, which does not rebuild the manifest', async () => {
    // Prepare: three articles on one day, one item a feed and a page: archives [b-😀], [b-Ａ].
    const files = {
      'a.txt': seed('2026-03-01', 'First', 'Paragraph a.'),
      'b-\uFF21.txt': seed('2026-03-01', 'Fullwidth', 'Paragraph b.'),
      'b-\u{1F600}.txt': seed('2026-03-01', 'Emoji', 'Paragraph c.'),
    };
    const s = memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit: 1 }) });
    await s.run();
    const written = s.site.objects.get(MANIFEST)!.body;

    // Act
    const parsed = parseManifest(written, NOW);
    const second = await s.run();

    // Assess
    expect(parsed.problem).toBeUndefined();
    expect(second.warnings).toEqual([]);
  });
});
