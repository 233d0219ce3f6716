/**
 * README promises that changed recently or that no other test checks as the README words them:
 * the S3 request table once there are archives, the Cache-Control setting against full
 * archives, and long slugs on a real file system.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { publish } from '../src/publish/publish.js';
import { archiveKeys } from '../src/site-files.js';
import { configFileJson, seedText } from './helpers/factory.js';
import { fakeIo } from './helpers/cli-io.js';
import { MANIFEST, memorySite } from './publish/support-site.js';
import { bucketSeedsDependencies, fakeBucket, mockS3, s3Requests, seed, testFeedConfig, utf8 } from './publish/support.js';

const s3 = mockS3();
const NOW = new Date('2026-06-01T06:00:00.000Z');
const SEEDS = 'seeds/';

const noteFile = (n: number) => `2026-03-0${n}-note.txt`;
const notePage = (n: number) => `articles/2026-03-0${n}-note-${n}.html`;
const noteSeed = (n: number) => seed(`2026-03-0${n}`, `Note ${n}`, `Paragraph ${n}.`);
const archiveDocs = (...numbers: number[]) => numbers.flatMap((n) => Object.values(archiveKeys(n))).sort();

/** Notes 1 to `count`, a day apart from March 1st. */
function notes(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 1; n <= count; n++) files[noteFile(n)] = noteSeed(n);
  return files;
}

// ---------------------------------------------------------------------------------------------

describe('README: what each request costs, once there are archives (real S3 client, seeds in the bucket)', () => {
  // Seven notes, two items a feed: feeds hold notes 7 and 6; archive 1 holds notes 1–2,
  // archive 2 notes 3–4, archive 3 (the newest, still filling) note 5.
  const deps = () => bucketSeedsDependencies({ itemLimit: 2, now: NOW, seedsPrefix: SEEDS });
  const requests = () => s3Requests(s3, SEEDS);
  let bucket: ReturnType<typeof fakeBucket>;
  const addSeed = (n: number) => {
    const body = utf8(noteSeed(n));
    bucket.set(SEEDS + noteFile(n), {
      key: SEEDS + noteFile(n),
      body,
      contentType: 'text/plain',
      cacheControl: undefined,
      etag: `"note-${n}"`,
    });
  };

  beforeEach(async () => {
    s3.reset();
    bucket = fakeBucket(s3, Object.fromEntries(Object.entries(notes(7)).map(([name, content]) => [SEEDS + name, utf8(content)])));
    await publish(deps());
    s3.resetHistory();
  });

  // README: "| one added | 4 | 1 | 1 | 6 (its page, index, 3 feeds, manifest), + 3 or 6 once there
  // are archives (the newest archive, and the one before it when a new one starts) | 0 |"
  it('one added that fills the newest archive: 4 LISTs, 1 seed GET, the manifest GET, 6 + 3 PUTs, no DELETE', async () => {
    // Prepare: note 8 pushes note 6 out of the feeds into archive 3, which then holds two.
    addSeed(8);

    // Act
    await publish(deps());

    // Assess
    expect(requests()).toEqual({
      list: 4,
      getSeeds: [SEEDS + noteFile(8)],
      getOther: [MANIFEST],
      puts: [...archiveDocs(3), 'atom.xml', 'feed.json', 'index.html', MANIFEST, notePage(8), 'rss.xml'].sort(),
      deletes: [],
    });
  });

  // README: "| one added | 4 | 1 | 1 | 6 (its page, index, 3 feeds, manifest), + 3 or 6 once there
  // are archives (the newest archive, and the one before it when a new one starts) | 0 |"
  it('one added that starts a new archive: 1 seed GET and 6 + 6 PUTs (archive 4, and archive 3 before it)', async () => {
    // Prepare: after note 8 archive 3 is full; note 9 pushes note 7 into a new archive 4.
    addSeed(8);
    await publish(deps());
    s3.resetHistory();
    addSeed(9);

    // Act
    await publish(deps());

    // Assess
    expect(requests()).toEqual({
      list: 4,
      getSeeds: [SEEDS + noteFile(9)],
      getOther: [MANIFEST],
      puts: [...archiveDocs(3, 4), 'atom.xml', 'feed.json', 'index.html', MANIFEST, notePage(9), 'rss.xml'].sort(),
      deletes: [],
    });
  });

  // README: "| one deleted | 4 | 0, or the seeds of the one archive it was in (up to `itemLimit`;
  // none for the newest archive, whose text is kept) | 1 | 5 if it was in the feeds (index, 3
  // feeds, manifest), else 1, + 3 for its archive | 1 (its page) … |"
  it('one deleted from a closed archive: the other seeds of its archive read, its archive and the manifest written, its page deleted', async () => {
    // Prepare: note 1 is in archive 1, with note 2.
    bucket.delete(SEEDS + noteFile(1));

    // Act
    await publish(deps());

    // Assess
    expect(requests()).toEqual({
      list: 4,
      getSeeds: [SEEDS + noteFile(2)],
      getOther: [MANIFEST],
      puts: [...archiveDocs(1), MANIFEST].sort(),
      deletes: [notePage(1)],
    });
  });

  // README: "| one deleted | … | 0, or the seeds of the one archive it was in …; when it was all of
  // the newest archive, those of the archive before it, which becomes the newest | … | 1 (its
  // page), + 3 when it was all of the newest archive (whose documents go) |"
  it('one deleted that was all of the newest archive: the seeds of the archive before it are read, as it becomes the newest', async () => {
    // Prepare: note 5 is all of archive 3, the newest; archive 2 holds notes 3 and 4.
    bucket.delete(SEEDS + noteFile(5));

    // Act
    await publish(deps());

    // Assess: the DELETE column's page and archive documents; the GET column's seeds of archive 2.
    expect(requests().deletes).toEqual([...archiveDocs(3), notePage(5)].sort());
    expect(requests().getSeeds).toEqual([SEEDS + noteFile(3), SEEDS + noteFile(4)].sort());
  });
});

// ---------------------------------------------------------------------------------------------

describe('README: CACHE_CONTROL and full archives', () => {
  // README (publishing settings): "| `CACHE_CONTROL` | `Cache-Control` of every published object
  // (default `max-age=300`) |", and under step 4: "A changed `Cache-Control` setting reaches every
  // object."
  it('gives every published object the configured Cache-Control, full archives included', async () => {
    // Prepare: seven notes, two items a feed, so archives 1 and 2 are full and archive 3 is the newest.
    const site = memorySite(notes(7), { now: NOW, config: testFeedConfig({ itemLimit: 2 }) });
    site.settings = { ...site.settings, cacheControl: 'no-store' };

    // Act
    await site.run();

    // Assess
    const headers = Object.fromEntries(
      [...site.site.objects].filter(([key]) => key !== MANIFEST).map(([key, object]) => [key, object.cacheControl]),
    );
    expect(Object.keys(headers)).toEqual(expect.arrayContaining(archiveDocs(1, 2, 3)));
    for (const [key, cacheControl] of Object.entries(headers)) expect({ key, cacheControl }).toEqual({ key, cacheControl: 'no-store' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('README: a 350-character title, built into a real folder', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'readme-promises-'));
    await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // README (Bad input): "| a 350-character title | accepted; title whole, page slug cut to 80
  // characters and 200 bytes, before the `-2` a look-alike gets (a file name must fit the 255
  // bytes file systems allow) |"
  it.each([
    ['Latin', 'Harbour '.repeat(44).trim().slice(0, 350)],
    ['Chinese (3 bytes a character)', '港口渡轮恢复运营'.repeat(44).slice(0, 350)],
    ['CJK Extension B (4 bytes a character)', '𠀀𠀁𠀂𠀃'.repeat(88).slice(0, 700)],
  ])(
    '%s: the whole title in the feeds, two look-alike pages in the folder, slugs within 80 characters and 200 bytes before the -2',
    async (_script, title) => {
      // Prepare: two seeds of the same day and title, so the second page is the first's slug and -2.
      await mkdir(join(dir, 'seeds'));
      await writeFile(join(dir, 'seeds', 'a.txt'), seedText('2026-02-10', title, 'First.'));
      await writeFile(join(dir, 'seeds', 'b.txt'), seedText('2026-02-10', title, 'Second.'));
      const io = fakeIo(dir);

      // Act
      const code = await runCli(['build', '--seeds', 'seeds', '--out', 'out', '--now', '2026-03-01T00:00:00Z'], io);

      // Assess
      expect({ code, err: io.err }).toEqual({ code: 0, err: [] });
      const pages = (await readdir(join(dir, 'out', 'articles'))).map((name) => name.normalize('NFC')).sort();
      expect(pages).toHaveLength(2);
      const [first, second] = pages.map((name) => name.replace(/\.html$/, '')) as [string, string];
      const base = first.length < second.length ? first : second;
      expect([first, second].sort()).toEqual([base, `${base}-2`].sort());
      expect(base.startsWith('2026-02-10-')).toBe(true);
      expect([...base.slice('2026-02-10-'.length)].length).toBeLessThanOrEqual(80);
      expect(Buffer.byteLength(base)).toBeLessThanOrEqual(200);
      const feed = JSON.parse(await readFile(join(dir, 'out', 'feed.json'), 'utf8')) as { items: { title: string }[] };
      expect(feed.items.map((item) => item.title)).toEqual([title, title]);
    },
  );
});
