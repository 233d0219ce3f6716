/**
 * Fault injection on a site folder (`cli build --out`), where a run keeps the files that
 * already hold its bytes (Storage.heldAs): each write of a run that adds, edits and deletes
 * articles fails in turn, and every later one too. After each failed run every link of the
 * feeds and the index resolves to a file, the next run gives the bytes a run that never failed
 * gives, and the run after that writes nothing.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import { FolderStorage } from '../../src/storage/folder.js';
import type { Storage } from '../../src/storage/storage.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import { seed, tempDir, type TempDir, testFeedConfig, writeSeeds } from './support.js';
import { failingFrom, linkedKeys, MANIFEST } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const LATER = new Date('2026-06-02T06:00:00.000Z');

const note = (n: number, title = `Note ${n}`) => seed(`2026-03-${String(n).padStart(2, '0')}`, title, `Paragraph ${n} of the note.`);
const noteFile = (n: number) => `2026-03-${String(n).padStart(2, '0')}-note.txt`;

/** Eight notes: with two items a feed, three archive pages. */
const BEFORE = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((n) => [noteFile(n), note(n)]));

/** Every file under `root` but the manifest, by key: its bytes. */
function files(root: string): Map<string, { body: Uint8Array }> {
  const found = new Map<string, { body: Uint8Array }>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (relative(root, path) !== MANIFEST) found.set(relative(root, path), { body: readFileSync(path) });
    }
  };
  walk(root);
  return found;
}

const asText = (site: Map<string, { body: Uint8Array }>) =>
  Object.fromEntries([...site].map(([key, { body }]) => [key, Buffer.from(body).toString('utf8')]));

describe('a site folder whose writes fail from each position in turn', () => {
  let dir: TempDir;
  let seedsBefore: string;
  let seedsAfter: string;
  let reference: Map<string, { body: Uint8Array }>;
  let writesOfTheChange = 0;

  const deps = (outDir: string, seedsDir: string, now: Date, storage?: Storage) => {
    const built = folderPublishDependencies({
      outDir,
      seedsDir,
      feed: testFeedConfig({ itemLimit: 2 }),
      cacheControl: 'max-age=300',
      maxUnpublishShare: 0.5,
      now: () => now,
    });
    return storage ? { ...built, storage } : built;
  };

  beforeAll(async () => {
    // The seeds before and after the change: note 9 added, note 4's title corrected, note 2
    // deleted, and one word of notes 3 (archived) and 8 (in the feeds) changed.
    dir = await tempDir('folder-faults-');
    seedsBefore = join(dir.path, 'seeds-before');
    seedsAfter = join(dir.path, 'seeds-after');
    await writeSeeds(seedsBefore, BEFORE);
    const { [noteFile(2)]: _gone, ...kept } = BEFORE;
    const edited = (n: number) => note(n).replace('of the note', 'of the nope');
    await writeSeeds(seedsAfter, {
      ...kept,
      [noteFile(3)]: edited(3),
      [noteFile(4)]: note(4, 'Note 4, corrected'),
      [noteFile(8)]: edited(8),
      [noteFile(9)]: note(9),
    });
    // The reference: the change published by a run that never fails, its writes counted.
    const out = join(dir.path, 'reference');
    await publish(deps(out, seedsBefore, NOW));
    const counted = failingFrom(new FolderStorage(out), Number.POSITIVE_INFINITY);
    await publish(deps(out, seedsAfter, LATER, counted.storage));
    writesOfTheChange = counted.writes();
    reference = files(out);
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('makes enough writes for the injection to mean something', () => {
    // Assess: pages, archive documents, the index, the feeds, a deletion and the manifest.
    expect(writesOfTheChange).toBeGreaterThanOrEqual(10);
  });

  it('leaves every link resolvable, then converges to the bytes of a run that never failed, then settles', async () => {
    const problems: string[] = [];
    for (let n = 1; n <= writesOfTheChange; n++) {
      // Prepare: the site before the change, in a folder of its own.
      const out = join(dir.path, `site-${n}`);
      await publish(deps(out, seedsBefore, NOW));
      const failing = failingFrom(new FolderStorage(out), n);

      // Act
      const failed = await publish(deps(out, seedsAfter, LATER, failing.storage)).then(
        () => undefined,
        (error: unknown) => error,
      );
      const afterFailure = files(out);
      const healed: PublishSummary = await publish(deps(out, seedsAfter, LATER));
      const afterHeal = files(out);
      const settled: PublishSummary = await publish(deps(out, seedsAfter, LATER));

      // Assess
      if (failed === undefined) problems.push(`write ${n}: the run did not fail`);
      const missing = linkedKeys(afterFailure).filter((key) => !afterFailure.has(key));
      if (missing.length > 0) problems.push(`write ${n}: links to missing files after the failure: ${missing.join(', ')}`);
      if (JSON.stringify(asText(afterHeal)) !== JSON.stringify(asText(reference))) {
        const differing = [...new Set([...afterHeal.keys(), ...reference.keys()])].filter(
          (key) => Buffer.compare(afterHeal.get(key)?.body ?? Buffer.alloc(0), reference.get(key)?.body ?? Buffer.alloc(1)) !== 0,
        );
        problems.push(`write ${n}: the next run differs from a clean one in ${differing.join(', ')}`);
      }
      if (healed.objects.deletedKeys.some((key) => reference.has(key))) problems.push(`write ${n}: the healing run deleted a live file`);
      if (settled.objects.written + settled.objects.deleted > 0 || settled.articles.read > 0) {
        problems.push(`write ${n}: the run after healing did not settle (${settled.objects.writtenKeys.join(', ')})`);
      }
      rmSync(out, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  });
});
