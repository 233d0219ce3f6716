/**
 * Seeds stored compressed (Content-Encoding) and within MAX_SEED_BYTES, UTF-16 without a byte
 * order mark, a seed that changed between the listing and the read (changedSinceListed) on a
 * bucket and on a folder, an upgrade from a first-version manifest carried over several runs
 * (legacyArticles), the index in the feeds' order, and publishedDayOf in zones whose clocks
 * change at midnight. Memory storages, a mocked S3 client and a temp folder; fixed clocks.
 */
import { createHash } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCalendarDate, publishInstant, publishedDayOf } from '../../src/article/calendar.js';
import { parseArticle } from '../../src/article/parse.js';
import { readManifestHead } from '../../src/publish/manifest.js';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import { listSeeds } from '../../src/publish/seeds.js';
import { md5Etag } from '../../src/storage/etag.js';
import type { Storage } from '../../src/storage/storage.js';
import { folderPublishDependencies } from '../../src/wiring.js';
import {
  archiveInBucket,
  bucketSeedsDependencies,
  fakeBucket,
  mockS3,
  type S3Mock,
  s3Requests,
  seed,
  tempDir,
  type TempDir,
  testFeedConfig,
  text,
  utf8,
  writeSeeds,
} from './support.js';
import { MANIFEST, memorySite, type Site, stoppedAtRead } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const LATER = new Date('2026-06-02T06:00:00.000Z');
const LIMITS = { seedBytes: 1024, feedBytes: 1024 * 1024 } as const;

const OTHERS: Readonly<Record<string, string>> = {
  '2026-05-01-one.txt': seed('2026-05-01', 'Story One', 'First lede.'),
  '2026-05-02-two.txt': seed('2026-05-02', 'Story Two', 'Second lede.'),
  '2026-05-03-three.txt': seed('2026-05-03', 'Story Three', 'Third lede.'),
};

/** A seed of exactly `bytes` bytes of UTF-8. */
function sized(date: string, title: string, bytes: number): string {
  const head = seed(date, title, 'Fill: ');
  const body = `${head.slice(0, -1)}${'y'.repeat(bytes - utf8(head).byteLength)}\n`;
  if (utf8(body).byteLength !== bytes) throw new Error('sized: wrong length');
  return body;
}

/** Stores a seed as an upload tool leaves it: these bytes, with this Content-Encoding. */
function putEncoded(site: Site, name: string, body: Uint8Array, contentEncoding: string): void {
  site.seeds.objects.set(name, { key: name, body, etag: md5Etag(body), contentType: 'text/plain', contentEncoding });
}

const ENCODERS: Readonly<Record<string, (bytes: Uint8Array) => Uint8Array>> = {
  gzip: (bytes) => gzipSync(bytes),
  deflate: (bytes) => deflateSync(bytes),
  br: (bytes) => brotliCompressSync(bytes),
};

function limitedSite(): Site {
  const site = memorySite(OTHERS, { now: NOW });
  site.settings = { ...site.settings, limits: LIMITS };
  return site;
}

/** One run of the site, with the keys of the seeds it read (GETs of the seeds' storage). */
async function runCountingReads(site: Site): Promise<{ summary: PublishSummary; seedGets: string[] }> {
  const seedGets: string[] = [];
  const seeds: Storage = {
    get: (key) => {
      seedGets.push(key);
      return site.seeds.get(key);
    },
    list: (prefix, options) => site.seeds.list(prefix, options),
    put: (key, body, options) => site.seeds.put(key, body, options),
    delete: (key) => site.seeds.delete(key),
  };
  const summary = await publish({ storage: site.site, seeds, settings: site.settings, now: () => site.now });
  return { summary, seedGets };
}

const feedTitles = (site: Site): string[] =>
  (JSON.parse(site.snapshot()['feed.json']!) as { items: { title: string }[] }).items.map((item) => item.title);

describe('a seed stored with a Content-Encoding, against MAX_SEED_BYTES', () => {
  it('publishes gzip, deflate and br seeds of exactly MAX_SEED_BYTES once decoded', async () => {
    const site = limitedSite();
    for (const [encoding, encode] of Object.entries(ENCODERS)) {
      putEncoded(site, `2026-05-10-${encoding}.txt`, encode(utf8(sized('2026-05-10', `At The Limit ${encoding}`, 1024))), encoding);
    }
    const run = await site.run();
    expect(run.rejected).toEqual([]);
    expect(feedTitles(site)).toEqual(expect.arrayContaining(['At The Limit gzip', 'At The Limit deflate', 'At The Limit br']));
  });

  it('refuses a compressed seed one byte over MAX_SEED_BYTES once decoded, as it refuses a plain one', async () => {
    const site = limitedSite();
    await site.writeSeed('2026-05-09-plain.txt', sized('2026-05-09', 'Plain Over', 1025));
    for (const [encoding, encode] of Object.entries(ENCODERS)) {
      putEncoded(site, `2026-05-10-${encoding}.txt`, encode(utf8(sized('2026-05-10', `Over ${encoding}`, 1025))), encoding);
    }
    const run = await site.run();
    expect(run.rejected.map((bad) => bad.file)).toEqual([
      '2026-05-09-plain.txt',
      '2026-05-10-br.txt',
      '2026-05-10-deflate.txt',
      '2026-05-10-gzip.txt',
    ]);
    for (const bad of run.rejected) expect(bad.reason).toContain('MAX_SEED_BYTES');
    expect(feedTitles(site).filter((title) => title.startsWith('Over '))).toEqual([]);
  });

  it('a plain seed over MAX_SEED_BYTES is refused unread, and the run after with nothing changed reads no seed', async () => {
    const site = limitedSite();
    await site.writeSeed('2026-05-10-big.txt', sized('2026-05-10', 'Too Big', 5000));
    const first = await site.run();
    expect(first.rejected.map((bad) => bad.file)).toEqual(['2026-05-10-big.txt']);
    site.now = LATER;
    const second = await runCountingReads(site);
    expect(second.summary.rejected.map((bad) => bad.file)).toEqual(['2026-05-10-big.txt']);
    expect(second.seedGets).toEqual([]);
  });

  it('a gzip seed over MAX_SEED_BYTES once decoded is refused, and the run after with nothing changed reads no seed', async () => {
    const site = limitedSite();
    putEncoded(site, '2026-05-10-bomb.txt', gzipSync(utf8(sized('2026-05-10', 'Too Big Inflated', 200_000))), 'gzip');
    const first = await site.run();
    expect(first.rejected.map((bad) => bad.file)).toEqual(['2026-05-10-bomb.txt']);
    expect(first.rejected[0]!.reason).toContain('MAX_SEED_BYTES');
    site.now = LATER;
    const second = await runCountingReads(site);
    expect(second.summary.rejected.map((bad) => bad.file)).toEqual(['2026-05-10-bomb.txt']);
    expect(second.seedGets).toEqual([]);
  });

  it('refuses a truncated gzip seed, naming it, and publishes the others', async () => {
    const site = limitedSite();
    const whole = gzipSync(utf8(seed('2026-05-10', 'Cut Short', 'The upload broke off.')));
    putEncoded(site, '2026-05-10-cut.txt', whole.subarray(0, whole.byteLength - 6), 'gzip');
    const run = await site.run();
    expect(run.rejected.map((bad) => bad.file)).toEqual(['2026-05-10-cut.txt']);
    expect(run.articles.published).toBe(3);
  });
});

describe('UTF-16 without a byte order mark', () => {
  const body = '\r\n \r\n\u00a0\tdate 2026-05-10 Київ вночі\r\n\r\nlang uk\r\n\r\nМісто світиться вночі.\r\n';
  it.each([
    ['LE', () => Buffer.from(body, 'utf16le')],
    ['BE', () => Buffer.from(body, 'utf16le').swap16()],
  ])('reads a UTF-16%s seed that opens with blank lines and spaces before `date`', async (_order, encode) => {
    const site = memorySite(OTHERS, { now: NOW });
    await site.writeSeed('2026-05-10-kyiv.txt', new Uint8Array(encode()));
    const run = await site.run();
    expect(run.rejected).toEqual([]);
    expect(feedTitles(site)).toContain('Київ вночі');
    const item = (JSON.parse(site.snapshot()['feed.json']!) as { items: { title: string; language?: string }[] }).items.find(
      (entry) => entry.title === 'Київ вночі',
    );
    expect(item?.language).toBe('uk');
  });
});

describe('a seed that changed between the listing and the read', () => {
  let s3: S3Mock | undefined;
  let dir: TempDir | undefined;
  afterEach(async () => {
    s3?.restore();
    s3 = undefined;
    await dir?.remove();
    dir = undefined;
  });

  it('in a folder, a seed only chmod-ed while the run reads is read once: the run after reads nothing and writes nothing', async () => {
    dir = await tempDir('seeds-read-');
    const seedsDir = join(dir.path, 'seeds');
    await writeSeeds(seedsDir, OTHERS);
    const deps = folderPublishDependencies({
      outDir: join(dir.path, 'out'),
      seedsDir,
      feed: testFeedConfig(),
      cacheControl: 'max-age=300',
      maxUnpublishShare: 0.2,
      now: () => NOW,
    });
    const touched = '2026-05-02-two.txt';
    const listedBefore = (await listSeeds(deps.seeds)).seeds.find((entry) => entry.fileName === touched)!.signature;
    // The change time moves on a clock tick; the file was written just now.
    await new Promise((resolve) => setTimeout(resolve, 30));
    let chmodded = false;
    const seeds: Storage = {
      get: async (key, options) => {
        if (key === touched && !chmodded) {
          chmodded = true;
          chmodSync(join(seedsDir, key), 0o640);
        }
        return deps.seeds.get(key, options);
      },
      list: (prefix, options) => deps.seeds.list(prefix, options),
      put: (key, body, options) => deps.seeds.put(key, body, options),
      delete: (key, options) => deps.seeds.delete(key, options),
    };
    const first = await publish({ ...deps, seeds });
    expect(first.articles.published).toBe(3);
    const listedAfter = (await listSeeds(deps.seeds)).seeds.find((entry) => entry.fileName === touched)!.signature;
    expect(listedAfter).not.toBe(listedBefore);
    const second = await publish(deps);
    expect(second.articles.read).toBe(0);
    expect(second.objects.written).toBe(0);
    const third = await publish(deps);
    expect(third.articles.read).toBe(0);
    expect(third.objects.written).toBe(0);
  });

  it('a seed a lifecycle rule archived to GLACIER and that was restored is read once, not on every run', async () => {
    s3 = mockS3();
    const key = 'seeds/2026-05-01-one.txt';
    const objects = fakeBucket(s3, Object.fromEntries(Object.entries(OTHERS).map(([name, body]) => [`seeds/${name}`, utf8(body)])));
    const deps = () => bucketSeedsDependencies({ itemLimit: 50, now: NOW, seedsPrefix: 'seeds/' });
    await publish(deps());
    // Listed as GLACIER from now on; restored, so a GET of it answers (with its storage class), as S3's does.
    archiveInBucket(s3, objects, key, 'GLACIER', { restored: true });
    const second = await publish(deps());
    expect(second.rejected).toEqual([]);
    s3.resetHistory();
    const third = await publish(deps());
    expect(third.rejected).toEqual([]);
    expect(s3Requests(s3, 'seeds/').getSeeds).toEqual([]);
    expect(third.articles.read).toBe(0);
  });
});

describe('an upgrade from a first-version manifest carried over several runs (legacyArticles)', () => {
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
  const name = (n: number) => `${day(n)}-n${n}.txt`;
  const EDITED = '2026-05-20T08:00:00.000Z';

  it('saves the unread articles when stopped, keeps them through a dry run, drops them once complete, and publishes their first-version edit dates', async () => {
    const files = Object.fromEntries(Array.from({ length: 70 }, (_, n) => [name(n), seed(day(n), `Note ${n}`, `Text ${n}.`)]));
    const site = memorySite(files, { now: NOW });
    const id = (n: number) => `tag:news.example.org,2026:articles/${day(n)}-n${n}`;
    const legacyHash = (n: number) => {
      const parsed = parseArticle(name(n), files[name(n)]!);
      if (!parsed.ok) throw new Error('seed does not parse');
      const { date, title, blocks, language } = parsed.article;
      return createHash('sha256')
        .update(JSON.stringify({ date: date.iso, title, blocks, language }))
        .digest('hex');
    };
    const v1 = {
      version: 1,
      articles: Object.fromEntries(Object.keys(files).map((_, n) => [id(n), { hash: legacyHash(n), updated: EDITED }])),
    };
    await site.site.put(MANIFEST, utf8(JSON.stringify(v1)), { contentType: 'application/json' });

    // A first run stopped in its second batch of seeds.
    await stoppedAtRead(site, 66);
    const saved = site.site.objects.get(MANIFEST)!.body;
    const left = Object.keys(readManifestHead(saved)?.legacyArticles ?? {}).sort();
    expect(left).toEqual([64, 65, 66, 67, 68, 69].map(id));
    // One of them deleted meanwhile, and a dry run that writes nothing.
    await site.deleteSeed(name(69));
    await site.run({ dryRun: true });
    expect(site.site.objects.get(MANIFEST)!.body).toEqual(saved);

    const done = await site.run();
    expect(done.articles.published).toBe(69);
    const bytes = site.site.objects.get(MANIFEST)!.body;
    expect(readManifestHead(bytes)?.legacyArticles).toBeUndefined();
    expect(text(bytes)).not.toContain('legacyArticles');
    const items = (JSON.parse(site.snapshot()['feed.json']!) as { items: { id: string; date_modified: string }[] }).items;
    for (const n of [64, 65, 66, 67, 68]) expect(items.find((item) => item.id === id(n))?.date_modified).toBe(EDITED);
    // And the run after it is settled.
    const after = await site.run();
    expect(after.articles.read).toBe(0);
    expect(after.objects.written).toBe(0);
  });
});

describe('the index in the feeds’ order', () => {
  const hrefs = (html: string) => [...html.matchAll(/<h2><a href="(articles\/[^"]+)"/g)].map((match) => match[1]!);
  const feedUrls = (site: Site) =>
    (JSON.parse(site.snapshot()['feed.json']!) as { items: { url: string }[] }).items.map((item) =>
      item.url.slice('https://news.example.org/'.length),
    );

  it('agrees with the feeds for one day’s articles beside a held one and one whose seed broke after publication', async () => {
    const files = {
      '2026-05-20-a-b.txt': seed('2026-05-20', 'Beta', 'B.'),
      '2026-05-20-a.txt': seed('2026-05-20', 'Alpha', 'A.'),
      '2026-05-20-a_c.txt': seed('2026-05-20', 'Gamma', 'C.'),
      '2026-05-20-a~d.txt': seed('2026-05-20', 'Delta', 'D.'),
      '2026-05-19-z.txt': seed('2026-05-19', 'Zulu', 'Z.'),
      '2026-07-01-a.txt': seed('2026-07-01', 'Held', 'Later.'),
    };
    const site = memorySite(files, { now: NOW });
    await site.run();
    await site.writeSeed('2026-05-20-a_c.txt', 'no header here\n');
    site.now = LATER;
    const run = await site.run();
    expect(run.held.map((entry) => entry.file)).toEqual(['2026-07-01-a.txt']);
    expect(run.rejected.map((entry) => entry.file)).toEqual(['2026-05-20-a_c.txt']);
    expect(hrefs(site.snapshot()['index.html']!)).toEqual(feedUrls(site));
    expect(feedUrls(site)).toHaveLength(5);
  });
});

describe('publishedDayOf, publishInstant’s inverse', () => {
  it('gives back every day of 2024–2026 in zones whose clocks change at midnight, at 00:00, 00:30 and 23:30', () => {
    const wrong: string[] = [];
    for (const timeZone of ['America/Santiago', 'Asia/Beirut', 'America/Havana', 'America/Asuncion', 'America/Nuuk']) {
      for (const [hour, minute] of [
        [0, 0],
        [0, 30],
        [23, 30],
      ] as const) {
        for (let n = 0; n < 3 * 366; n++) {
          const iso = new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
          const time = { hour, minute, timeZone };
          const back = publishedDayOf(publishInstant(parseCalendarDate(iso)!, time).getTime(), time);
          if (back !== iso) wrong.push(`${timeZone} ${hour}:${minute} ${iso} → ${back}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('across year boundaries and in year 1', () => {
    for (const iso of ['0001-01-01', '0001-12-31', '0002-01-01', '2025-12-31', '2026-01-01', '9999-12-31']) {
      for (const timeZone of ['UTC', 'America/Santiago', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
        const time = { hour: 0, minute: 0, timeZone };
        expect(publishedDayOf(publishInstant(parseCalendarDate(iso)!, time).getTime(), time), `${iso} ${timeZone}`).toBe(iso);
      }
    }
  });
});
