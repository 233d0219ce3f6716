/**
 * Look-alike seeds after a lost manifest, dry-run stops and listing shortcuts:
 * - With the manifest lost, of several look-alike seeds (`story.txt`, `story.TXT`, NFC and NFD
 *   names) the one whose title is the published item's keeps the article; a title with markup,
 *   entities and typographic quotes still tells them apart; three look-alikes as well as two.
 * - Telling look-alikes apart obeys what every other seed read does: a seed over MAX_SEED_BYTES
 *   is never read, and a read that fails for the bucket's own reasons (not the seed's) does
 *   not decide which file an article is (a newcomer never takes a published page over).
 * - A dry run stopped while the look-alikes are read is a stop that carries on, writing nothing.
 * - The listing digest does not depend on the order a listing comes in, characters above
 *   U+FFFF and from U+E000 included; a folder name with a backslash is reported, not listed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanSettings } from '../../src/publish/plan.js';
import { publish } from '../../src/publish/publish.js';
import { listingDigest } from '../../src/publish/settled.js';
import { FolderStorage } from '../../src/storage/folder.js';
import type { Storage } from '../../src/storage/storage.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, tempDir, type TempDir, testFeedConfig, text, utf8, writeSeeds } from './support.js';
import { MANIFEST } from './support-site.js';
import { noteDay as day, noteFile as fileOf, outcomeOf, runOn, SEEDS } from './support-runs.js';

const T0 = new Date('2026-03-01T06:00:00.000Z');
const T1 = new Date('2026-03-02T06:00:00.000Z');

function settingsOf(seedBytes?: number): PlanSettings {
  return {
    config: testFeedConfig({ itemLimit: 5 }),
    cacheControl: 'max-age=300',
    maxUnpublishShare: 0.2,
    ...(seedBytes ? { limits: { seedBytes, feedBytes: 1024 * 1024 } } : {}),
  };
}

async function putSeed(bucket: Storage, name: string, body: string): Promise<void> {
  await bucket.put(SEEDS + name, utf8(body), { contentType: 'text/plain' });
}

/** Twelve notes and `published` (published at T0 with `title`), the manifest lost, then `newcomers` added. */
async function lostWithLookAlikes(
  published: { name: string; title: string },
  newcomers: Record<string, string>,
  settings = settingsOf(),
): Promise<MemoryStorage> {
  const bucket = new MemoryStorage();
  for (let n = 0; n < 12; n++) await putSeed(bucket, fileOf(n), seed(day(n), `Note ${n}`, `Paragraph ${n}.`));
  await putSeed(bucket, published.name, seed(day(11), published.title, 'The text readers know.'));
  const first = await outcomeOf(runOn(bucket, settings, T0));
  if (!first.summary) throw first.error;
  await bucket.delete(MANIFEST);
  for (const [name, body] of Object.entries(newcomers)) await putSeed(bucket, name, body);
  return bucket;
}

/** The published JSON feed's titles, and the page of the one article at `slug`. */
function siteOf(bucket: MemoryStorage, slug: string) {
  const feed = JSON.parse(text(bucket.objects.get('feed.json')!.body)) as { items: { title: string; url: string }[] };
  const page = bucket.objects.get(`articles/${slug}.html`);
  return { titles: feed.items.map((item) => item.title), page: page ? text(page.body) : undefined };
}

/** The bucket with every get counted by key, and `fault(key, n)` deciding whether the n-th get of a key throws. */
function counting(bucket: MemoryStorage, fault: (key: string, n: number) => Error | undefined = () => undefined) {
  const gets = new Map<string, number>();
  const storage: Storage = {
    get: async (key) => {
      const n = (gets.get(key) ?? 0) + 1;
      gets.set(key, n);
      const error = fault(key, n);
      if (error) throw error;
      return bucket.get(key);
    },
    list: (prefix, options) => bucket.list(prefix, options),
    put: (key, body, options) => bucket.put(key, body, options),
    delete: (key) => bucket.delete(key),
  };
  return { storage, gets };
}

function stateOf(bucket: MemoryStorage): Record<string, string> {
  return Object.fromEntries([...bucket.objects].map(([key, object]) => [key, object.etag]));
}

describe('look-alikes after a lost manifest, told apart by title', () => {
  it('a title with markup, entities and typographic quotes: the published story.TXT keeps its page', async () => {
    // Prepare
    const title = 'Use <b> & “quotes” — &amp; it’s  spaced';
    const bucket = await lostWithLookAlikes(
      { name: 'story.TXT', title },
      { 'story.txt': seed(day(11), 'Impostor', 'A newcomer that only looks alike.') },
    );

    // Act
    const run = await outcomeOf(runOn(bucket, settingsOf(), T1));

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.summary?.rejected.map((bad) => bad.file)).toEqual(['story.txt']);
    expect(siteOf(bucket, `${day(11)}-use-b-quotes-amp-it-s-spaced`).titles).not.toContain('Impostor');
    expect([...bucket.objects.keys()].filter((key) => key.startsWith('articles/') && /impostor/.test(key))).toEqual([]);
  });

  it('three look-alikes: the one of the published title keeps the article, both others refused', async () => {
    // Prepare
    const bucket = await lostWithLookAlikes(
      { name: 'story.Txt', title: 'Original Story' },
      {
        'story.txt': seed(day(11), 'Impostor One', 'A newcomer.'),
        'story.TXT': seed(day(11), 'Impostor Two', 'Another newcomer.'),
      },
    );

    // Act
    const run = await outcomeOf(runOn(bucket, settingsOf(), T1));

    // Assess
    expect(run.summary?.rejected.map((bad) => bad.file).sort()).toEqual(['story.TXT', 'story.txt']);
    const site = siteOf(bucket, `${day(11)}-original-story`);
    expect(site.page).toMatch(/Original Story/);
    expect(site.titles).toContain('Original Story');
  });

  it('a dry run whose deadline comes while a look-alike is read: a stop that carries on, nothing written', async () => {
    // Prepare
    const bucket = await lostWithLookAlikes(
      { name: 'story.TXT', title: 'Original Story' },
      { 'story.txt': seed(day(11), 'Impostor', 'A newcomer.') },
    );
    const before = stateOf(bucket);
    const controller = new AbortController();
    const { storage } = counting(bucket, (key) => {
      if (key !== `${SEEDS}story.TXT`) return undefined;
      controller.abort(new Error('the deadline came'));
      return new Error('request aborted');
    });

    // Act
    const dry = await outcomeOf(runOn(storage, settingsOf(), T1, { dryRun: true, signal: controller.signal }));

    // Assess
    expect(stateOf(bucket)).toEqual(before);
    expect(dry.error?.carriesOn).toBe(true);
    expect(dry.error?.message).toMatch(/a dry run: nothing was written/);
  });

  it('NFD and NFC names in a seeds folder: the NFD one published keeps its page against an NFC newcomer', async () => {
    // Prepare
    const dir = await tempDir('look-alikes-nfd-');
    try {
      const seedsDir = join(dir.path, 'seeds');
      const outDir = join(dir.path, 'out');
      const notes = Object.fromEntries(
        [1, 2, 3, 4, 5, 6].map((n) => [`2026-02-0${n}-note.txt`, seed(`2026-02-0${n}`, `Note ${n}`, `Paragraph ${n}.`)]),
      );
      await writeSeeds(seedsDir, { ...notes, 'cafe\u0301.txt': seed('2026-02-07', 'Café Opens', 'The text readers know.') });
      const run = () =>
        publish(
          folderPublishDependencies({
            outDir,
            seedsDir,
            feed: testFeedConfig({ itemLimit: 5 }),
            cacheControl: 'max-age=300',
            maxUnpublishShare: 0.2,
            now: () => T1,
          }),
        );
      await run();
      const folder = new FolderStorage(outDir);
      await folder.delete(MANIFEST);
      await writeSeeds(seedsDir, { 'caf\u00e9.txt': seed('2026-02-07', 'Impostor', 'A newcomer.') });

      // Act
      const recovered = await run();

      // Assess
      expect(recovered.rejected.map((bad) => bad.file)).toEqual(['caf\u00e9.txt']);
      const page = await folder.get('articles/2026-02-07-cafe-opens.html');
      expect(page && text(page.body)).toMatch(/Café Opens/);
    } finally {
      await dir.remove();
    }
  });
});

describe('reading look-alikes obeys the rules of every seed read', () => {
  it('a look-alike over MAX_SEED_BYTES is never read', async () => {
    // Prepare: story.TXT published, then grown over the 2 KiB limit; a newcomer story.txt.
    const settings = settingsOf(2048);
    const bucket = await lostWithLookAlikes({ name: 'story.TXT', title: 'Original Story' }, {}, settings);
    await putSeed(bucket, 'story.TXT', seed(day(11), 'Original Story', 'x'.repeat(10_000)));
    await putSeed(bucket, 'story.txt', seed(day(11), 'Impostor', 'A newcomer.'));
    const { storage, gets } = counting(bucket);

    // Act
    const run = await outcomeOf(runOn(storage, settings, T1));

    // Assess
    expect(run.error).toBeUndefined();
    expect(gets.get(`${SEEDS}story.TXT`) ?? 0).toBe(0);
  });

  it('a transient failure reading the published look-alike does not hand its page to the newcomer', async () => {
    // Prepare: the first read of story.TXT fails as S3 fails under load (503 SlowDown).
    const bucket = await lostWithLookAlikes(
      { name: 'story.TXT', title: 'Original Story' },
      { 'story.txt': seed(day(11), 'Impostor', 'A newcomer that only looks alike.') },
    );
    const slowDown = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    const { storage } = counting(bucket, (key, n) => (key === `${SEEDS}story.TXT` && n === 1 ? slowDown : undefined));

    // Act: the run (it may fail, as any other failed seed read fails it), then a retry.
    await outcomeOf(runOn(storage, settingsOf(), T1));
    await outcomeOf(runOn(storage, settingsOf(), T1));

    // Assess
    const site = siteOf(bucket, `${day(11)}-original-story`);
    expect(site.page ?? '').not.toMatch(/Impostor/);
    expect(site.titles).not.toContain('Impostor');
  });
});

describe('listing shortcuts', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  it('the listing digest is the same whatever order keys above U+FFFF and from U+E000 come in', () => {
    // Prepare: code point order (S3's) puts U+FF01 before U+1F600; UTF-16 order the other way.
    const object = (key: string) => ({ key, etag: `"${key.length}"`, size: 1 });
    const codePoint = ['a.txt', 'x\uFF01.html', 'x\u{1F600}.html', 'z.html'].map(object);
    const utf16 = ['a.txt', 'x\u{1F600}.html', 'x\uFF01.html', 'z.html'].map(object);
    const seeds = [
      { fileName: '\uE000.txt', signature: '1', size: 1 },
      { fileName: '\u{20000}.txt', signature: '2', size: 1 },
    ];

    // Act
    const digests = [
      listingDigest(seeds, codePoint),
      listingDigest([...seeds].reverse(), utf16),
      listingDigest(seeds, [...codePoint].reverse()),
    ];

    // Assess
    expect(new Set(digests).size).toBe(1);
    expect(listingDigest(seeds, codePoint.slice(1))).not.toBe(digests[0]);
  });

  it('a folder file named with a backslash is reported, not listed; the others list in byte order', async () => {
    // Prepare
    dir = await tempDir('look-alikes-folder-');
    mkdirSync(join(dir.path, 'articles'));
    for (const name of ['a\\b.html', 'ok.html', 'x\u{1F600}.html', 'x\uFF01.html']) writeFileSync(join(dir.path, 'articles', name), 'x');
    const skipped: string[] = [];

    // Act
    const listed = await new FolderStorage(dir.path).list('articles/', { skipped: (key) => skipped.push(key) });

    // Assess
    expect(skipped).toEqual(['articles/a\\b.html']);
    expect(listed.map((object) => object.key)).toEqual(['articles/ok.html', 'articles/x\uFF01.html', 'articles/x\u{1F600}.html']);
  });
});
