/**
 * Hostile and extreme input against the newer rules: seeds stored with a
 * Content-Encoding (decoded, within MAX_SEED_BYTES), UTF-16 told without a byte order mark, CJK
 * lines joined without a space, page names cut between graphemes, a page's direction from its
 * language tag, seeds renamed without changing their id (withRenamedSeeds), the legacyArticles
 * a manifest carries, and the embedded S3's own LIST (keysUnder). Memory storages and one
 * embedded S3 in a temp folder; fixed clocks; hangs are caught by per-test timeouts.
 */
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/article/parse.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { type ArticleRecord, type Manifest, MANIFEST_VERSION, serializeManifest } from '../../src/publish/manifest.js';
import { withRenamedSeeds } from '../../src/publish/renamed-seeds.js';
import { md5Etag } from '../../src/storage/etag.js';
import { createS3Client } from '../../src/storage/s3.js';
import { seed, tempDir, type TempDir, text, utf8 } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const ID_PREFIX = 'tag:news.example.org,2026:';

const OTHERS: Readonly<Record<string, string>> = {
  '2026-05-01-one.txt': seed('2026-05-01', 'Story One', 'First lede.'),
  '2026-05-02-two.txt': seed('2026-05-02', 'Story Two', 'Second lede.'),
};

interface Item {
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly date_modified?: string;
}

const items = (site: Site): Item[] => (JSON.parse(site.snapshot()['feed.json']!) as { items: Item[] }).items;
const titles = (site: Site): string[] => items(site).map((item) => item.title);
const pageKeys = (site: Site): string[] => [...site.site.objects.keys()].filter((key) => key.startsWith('articles/')).sort();
const idOf = (fileName: string): string => `${ID_PREFIX}articles/${encodeURIComponent(fileName.normalize('NFC').replace(/\.txt$/i, ''))}`;

/** Stores a seed as an upload tool leaves it: these bytes, with this Content-Encoding. */
function putStored(site: Site, name: string, body: Uint8Array, contentEncoding?: string): void {
  site.seeds.objects.set(name, {
    key: name,
    body,
    etag: md5Etag(body),
    contentType: 'text/plain',
    ...(contentEncoding === undefined ? {} : { contentEncoding }),
  });
}

/** The first version's hash of a seed, as a first-version manifest kept it. */
function legacyHash(fileName: string, content: string): string {
  const parsed = parseArticle(fileName, content);
  if (!parsed.ok) throw new Error('seed does not parse');
  const { date, title, blocks, language } = parsed.article;
  return createHash('sha256')
    .update(JSON.stringify({ date: date.iso, title, blocks, language }))
    .digest('hex');
}

/** A manifest of this version with no records yet, as an upgrade stopped before its first seed leaves it, plus these legacyArticles. */
function manifestWithLegacy(legacyArticles: Record<string, unknown>): Uint8Array {
  return serializeManifest({
    version: MANIFEST_VERSION,
    articles: {},
    objects: {},
    legacyArticles,
  } as unknown as Manifest);
}

describe('seeds stored with a Content-Encoding', () => {
  it('refuses a gzip bomb, a br bomb under 1 KB and a bomb in a second gzip member, naming MAX_SEED_BYTES, and publishes the others', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    const huge = Buffer.alloc(16 * 1024 * 1024, 0x61);
    const brBomb = brotliCompressSync(huge);
    expect(brBomb.byteLength).toBeLessThan(1024);
    putStored(site, '2026-05-10-gzip-bomb.txt', gzipSync(huge), 'gzip');
    putStored(site, '2026-05-10-br-bomb.txt', brBomb, 'br');
    const members = Buffer.concat([gzipSync(utf8(seed('2026-05-10', 'Innocent Start', 'Then a bomb.'))), gzipSync(huge)]);
    putStored(site, '2026-05-10-members.txt', members, 'gzip');

    const run = await site.run();

    expect(run.rejected.map((bad) => bad.file).sort()).toEqual([
      '2026-05-10-br-bomb.txt',
      '2026-05-10-gzip-bomb.txt',
      '2026-05-10-members.txt',
    ]);
    for (const bad of run.rejected) expect(bad.reason).toContain('MAX_SEED_BYTES');
    expect(titles(site).sort()).toEqual(['Story One', 'Story Two']);
  }, 20_000);

  it('refuses truncated and corrupt streams and br that is really gzip, naming each; a label that is an Object property name leaves the bytes as they are', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    const body = (title: string) => utf8(seed('2026-05-10', title, 'Some text for the stream.'));
    const br = brotliCompressSync(body('Cut Br'));
    putStored(site, '2026-05-10-cut-br.txt', br.subarray(0, br.byteLength - 3), 'br');
    const deflated = Buffer.from(deflateSync(body('Bad Check')));
    deflated[deflated.byteLength - 1]! ^= 0xff;
    putStored(site, '2026-05-10-bad-check.txt', deflated, 'deflate');
    putStored(site, '2026-05-10-br-is-gzip.txt', gzipSync(body('Br Is Gzip')), 'br');
    putStored(site, '2026-05-10-magic-only.txt', new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xfe, 0x80, 0x81]), 'gzip');
    putStored(site, '2026-05-10-proto.txt', body('Proto Label'), '__proto__');
    putStored(site, '2026-05-10-ctor.txt', body('Constructor Label'), 'constructor');

    const run = await site.run();

    expect(run.rejected.map((bad) => bad.file).sort()).toEqual([
      '2026-05-10-bad-check.txt',
      '2026-05-10-br-is-gzip.txt',
      '2026-05-10-cut-br.txt',
      '2026-05-10-magic-only.txt',
    ]);
    expect(titles(site).sort()).toEqual(['Constructor Label', 'Proto Label', 'Story One', 'Story Two']);
  }, 20_000);

  it('decodes a seed stored with a stacked Content-Encoding (gzip, gzip), or refuses it naming its Content-Encoding', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    putStored(
      site,
      '2026-05-10-twice.txt',
      gzipSync(gzipSync(utf8(seed('2026-05-10', 'Gzipped Twice', 'A sync tool and a proxy.')))),
      'gzip, gzip',
    );

    const run = await site.run();

    const refused = run.rejected.find((bad) => bad.file === '2026-05-10-twice.txt');
    if (refused === undefined) expect(titles(site)).toContain('Gzipped Twice');
    else expect(refused.reason).toMatch(/Content-Encoding/);
  });

  it('publishes a seed stored with Content-Encoding: deflate as raw DEFLATE, as a browser decodes it', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    putStored(site, '2026-05-10-raw.txt', deflateRawSync(utf8(seed('2026-05-10', 'Raw Deflate', 'No zlib header.'))), 'deflate');

    const run = await site.run();

    expect(run.rejected).toEqual([]);
    expect(titles(site)).toContain('Raw Deflate');
  });

  it('with MAX_SEED_BYTES at 4096 MiB, a 100-byte gzip seed is published', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    site.settings = { ...site.settings, limits: { seedBytes: 4096 * 1024 * 1024, feedBytes: 1024 * 1024 } };
    putStored(site, '2026-05-10-small.txt', gzipSync(utf8(seed('2026-05-10', 'Small Gzip', 'Tiny.'))), 'gzip');

    const run = await site.run();

    expect(run.rejected).toEqual([]);
    expect(titles(site)).toContain('Small Gzip');
  });
});

describe('UTF-16 told without a byte order mark', () => {
  it('publishes a UTF-8 seed with NULs inside `date`, its NULs dropped', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    putStored(site, '2026-05-10-nuls.txt', new Uint8Array(Buffer.from('d\0a\0t\0e\0 2026-05-10 Nul Title\n\nBody text.\n', 'latin1')));

    const run = await site.run();

    expect(run.rejected).toEqual([]);
    expect(titles(site)).toContain('Nul Title');
  });

  it('refuses, naming the file and UTF-16, a BOM-less UTF-16 seed with a lone surrogate or an odd byte count; the others are published', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    const good = Buffer.from('date 2026-05-10 Lone Surrogate\n\nText ', 'utf16le');
    putStored(site, '2026-05-10-lone.txt', new Uint8Array(Buffer.concat([good, Buffer.from([0x00, 0xd8, 0x41, 0x00])])));
    const odd = Buffer.from('date 2026-05-10 Odd Bytes\n\nText.\n', 'utf16le');
    putStored(site, '2026-05-10-odd.txt', new Uint8Array(odd.subarray(0, odd.byteLength - 1)));
    const be = Buffer.from('date 2026-05-10 Be Lone\n\nText ', 'utf16le').swap16();
    putStored(site, '2026-05-10-be.txt', new Uint8Array(Buffer.concat([be, Buffer.from([0xdc, 0x00, 0x00, 0x41])])));

    const run = await site.run();

    expect(run.rejected.map((bad) => bad.file).sort()).toEqual(['2026-05-10-be.txt', '2026-05-10-lone.txt', '2026-05-10-odd.txt']);
    for (const bad of run.rejected) expect(bad.reason).toMatch(/UTF-16/);
    expect(titles(site).sort()).toEqual(['Story One', 'Story Two']);
  });
});

describe('text at the limits: CJK lines, long titles', () => {
  it('joins 1 MB of wrapped CJK lines without a space, in one run that ends', async () => {
    const lines: string[] = [];
    for (let bytes = 0; bytes < 1_000_000; bytes += 28) lines.push('漢字かな漢字カナ、');
    const site = memorySite({ ...OTHERS, '2026-05-10-cjk.txt': `date 2026-05-10 漢字\n\n${lines.join('\n')}\n` }, { now: NOW });

    const run = await site.run();

    expect(run.rejected).toEqual([]);
    const page = site.snapshot()[pageKeys(site).find((key) => key.startsWith('articles/2026-05-10'))!]!;
    expect(page).toContain('カナ、漢字かな');
    expect(page).not.toContain('カナ、 漢字');
  }, 15_000);

  it('a title of 100,000 graphemes (Thai with tone marks, then ZWJ emoji) is kept whole on its page; the feeds, over MAX_FEED_BYTES with it, cut it between graphemes; its page name is cut between graphemes within 80 characters and 200 bytes', async () => {
    const title = `${'ก่'.repeat(90_000)} ${'👩🏽‍🚀'.repeat(10_000)}`;
    const site = memorySite({ ...OTHERS, '2026-05-10-long.txt': seed('2026-05-10', title, 'Long title.') }, { now: NOW });

    const run = await site.run();

    expect(run.rejected).toEqual([]);
    const inFeed = titles(site).find((shown) => shown.startsWith('ก่'))!;
    expect(inFeed).toMatch(/^(ก่)+…$/u);
    expect(inFeed.length).toBeGreaterThanOrEqual(1000);
    expect(run.warnings).toEqual([expect.stringMatching(/titles and summaries over \d+ characters are cut to it, in 1 items/)]);
    const page = Object.entries(site.snapshot()).find(([key]) => key.startsWith('articles/2026-05-10'))![1];
    expect(page).toContain(title);
    const slug = pageKeys(site)
      .find((key) => key.startsWith('articles/2026-05-10'))!
      .slice('articles/'.length, -'.html'.length);
    expect([...slug].length).toBeLessThanOrEqual(80);
    expect(Buffer.byteLength(slug)).toBeLessThanOrEqual(200);
    expect(slug).toMatch(/^2026-05-10-(ก่)+$/u);
  }, 15_000);
});

describe('a page’s direction from its language tag', () => {
  it('refuses, naming its line, a seed whose `lang` tag has 50,000 variant subtags (over 64 characters), in a run that ends', async () => {
    const tag = `ar-${Array.from({ length: 50_000 }, (_, i) => `v${i.toString(36).padStart(4, '0')}`).join('-')}`;
    const site = memorySite({ ...OTHERS, '2026-05-10-tag.txt': `date 2026-05-10 Long Tag\nlang ${tag}\n\nText.\n` }, { now: NOW });

    const run = await site.run();

    expect(run.articles.published).toBe(Object.keys(OTHERS).length);
    expect(run.rejected).toEqual([expect.objectContaining({ file: '2026-05-10-tag.txt', line: 2 })]);
  }, 4_000);

  it('gives each of 1,000 distinct Arabic and Hebrew tags its right-to-left page', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) {
      const tag = `${i % 2 === 0 ? 'ar' : 'he'}-v${i.toString(36).padStart(4, '0')}`;
      files[`2026-05-10-t${i}.txt`] = `date 2026-05-10 Tag ${i}\nlang ${tag}\n\nText ${i}.\n`;
    }
    const site = memorySite(files, { now: NOW });

    const run = await site.run();

    expect(run.articles.published).toBe(1000);
    const snapshot = site.snapshot();
    const notRtl = pageKeys(site).filter((key) => !/<html lang="(ar|he)-v[0-9a-z]{4}" dir="rtl">/.test(snapshot[key]!));
    expect(notRtl).toEqual([]);
  }, 30_000);
});

describe('seeds renamed without changing their id (withRenamedSeeds)', () => {
  it('1,000 seeds renamed to .TXT at once keep their pages: nothing unpublished, written or deleted', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) {
      const day = new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      files[`${day}-n${i}.txt`] = seed(day, `Note ${i}`, `Text ${i}.`);
    }
    const site = memorySite(files, { now: NOW });
    await site.run();
    const before = pageKeys(site);
    for (const [name, content] of Object.entries(files)) {
      await site.deleteSeed(name);
      await site.writeSeed(name.replace(/\.txt$/, '.TXT'), content);
    }

    const run = await site.run();

    expect(run.articles.unpublished).toBe(0);
    expect(run.objects).toMatchObject({ written: 0, deleted: 0 });
    expect(pageKeys(site)).toEqual(before);
  }, 30_000);

  it('with 10,000 gone records and 10,000 newcomers of other ids, moves nothing; with 10,000 renamed, moves each record', () => {
    const articles: Record<string, ArticleRecord> = {};
    for (let i = 0; i < 10_000; i++) {
      articles[`2026-01-01-gone-${i}.txt`] = { seed: '"e"', hash: 'h', day: '2026-01-01', slug: `2026-01-01-gone-${i}` };
    }
    const manifest: Manifest = { version: MANIFEST_VERSION, articles, objects: {} };

    const unmatched = withRenamedSeeds(
      manifest,
      Array.from({ length: 10_000 }, (_, i) => `2026-01-01-new-${i}.txt`),
      ID_PREFIX,
    );
    const renamed = withRenamedSeeds(
      manifest,
      Array.from({ length: 10_000 }, (_, i) => `2026-01-01-gone-${i}.TXT`),
      ID_PREFIX,
    );

    expect(Object.keys(unmatched.articles).sort()).toEqual(Object.keys(articles).sort());
    expect(Object.keys(renamed.articles).filter((name) => !name.endsWith('.TXT'))).toEqual([]);
    expect(renamed.articles['2026-01-01-gone-7.TXT']?.slug).toBe('2026-01-01-gone-7');
  }, 10_000);
});

describe('the legacyArticles a manifest carries', () => {
  it('an edit date no clock can read is not written into a record the next run refuses', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    const legacy = {
      [idOf('2026-05-01-one.txt')]: { hash: legacyHash('2026-05-01-one.txt', OTHERS['2026-05-01-one.txt']!), updated: 'not a date' },
    };
    await site.site.put(MANIFEST, manifestWithLegacy(legacy), { contentType: 'application/json' });
    await site.run();
    await site.writeSeed('2026-05-03-three.txt', seed('2026-05-03', 'Story Three', 'Third lede.'));
    site.now = new Date('2026-06-02T06:00:00.000Z');

    const next = await site.run();

    expect(next.warnings.filter((line) => line.includes(MANIFEST))).toEqual([]);
    expect(next.articles.read).toBe(1);
  });

  it('a hostile head (a __proto__ id, an edit date in the future, one that is no string, 100,000 ids long gone) publishes, warns of the future date, and is dropped once complete', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    const legacy: Record<string, unknown> = JSON.parse('{"__proto__": {"hash": "polluted", "updated": "2026-01-01T00:00:00.000Z"}}');
    legacy[idOf('2026-05-01-one.txt')] = {
      hash: legacyHash('2026-05-01-one.txt', OTHERS['2026-05-01-one.txt']!),
      updated: '2099-01-01T00:00:00.000Z',
    };
    legacy[idOf('2026-05-02-two.txt')] = { hash: legacyHash('2026-05-02-two.txt', OTHERS['2026-05-02-two.txt']!), updated: 12345 };
    for (let i = 0; i < 100_000; i++) legacy[`${ID_PREFIX}articles/gone-${i}`] = { hash: 'h', updated: '2026-01-01T00:00:00.000Z' };
    await site.site.put(MANIFEST, manifestWithLegacy(legacy), { contentType: 'application/json' });

    const run = await site.run();

    expect(run.articles.published).toBe(2);
    expect(run.warnings.some((line) => line.includes('2099-01-01T00:00:00.000Z') && line.includes('dropped'))).toBe(true);
    for (const item of items(site))
      if (item.date_modified !== undefined) expect(Date.parse(item.date_modified)).toBeLessThanOrEqual(NOW.getTime());
    expect(text(site.site.objects.get(MANIFEST)!.body)).not.toContain('legacyArticles');
    expect(({} as Record<string, unknown>).hash).toBeUndefined();
  }, 20_000);

  it('legacyArticles of a wrong type hand-edited into a published site’s manifest: a warning, and every page address and edit date kept', async () => {
    const site = memorySite(OTHERS, { now: NOW });
    await site.run();
    site.now = new Date('2026-06-02T06:00:00.000Z');
    for (const [name, content] of Object.entries(OTHERS)) await site.writeSeed(name, content.replace('Story', 'Corrected story'));
    await site.run();
    const pages = pageKeys(site);
    const edited = items(site).map((item) => [item.id, item.url, item.date_modified]);
    const manifest = text(site.site.objects.get(MANIFEST)!.body);
    const hostile = manifest.replace('{\n "version": 2,', '{\n "version": 2,\n "legacyArticles": [{"__proto__": 1}],');
    expect(hostile).not.toBe(manifest);
    await site.site.put(MANIFEST, utf8(hostile), { contentType: 'application/json' });
    site.now = new Date('2026-06-03T06:00:00.000Z');

    const run = await site.run();

    expect(run.warnings.some((line) => line.includes(MANIFEST))).toBe(true);
    expect(run.articles.unpublished).toBe(0);
    expect(pageKeys(site)).toEqual(pages);
    expect(items(site).map((item) => [item.id, item.url, item.date_modified])).toEqual(edited);
  });
});

describe('the embedded S3’s LIST under hostile prefixes', () => {
  const BUCKET = 'site';
  let dir: TempDir | undefined;
  let server: EmbeddedS3 | undefined;
  let client: S3Client | undefined;

  beforeAll(async () => {
    dir = await tempDir('hostile-new-rules-s3-');
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    server = await startEmbeddedS3({ directory: dir.path, port: 0, bucket: BUCKET, silent: true });
    client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
    await client.send(new CreateBucketCommand({ Bucket: 'drafts' }));
    await client.send(new PutObjectCommand({ Bucket: 'drafts', Key: 'plan.txt', Body: 'not for the site' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'articles/a.html', Body: 'a' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'index.html', Body: 'home' }));
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await dir?.remove();
  });

  const keys = async (prefix: string): Promise<string[]> =>
    ((await client!.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((object) => object.Key!);

  it('lists nothing, and no other bucket’s keys, for prefixes with ., .., // or an empty segment', async () => {
    for (const prefix of ['..', '../', '../drafts/', '.', './', '//', '/', 'articles/./', 'articles//', 'articles/../', 'articles/..']) {
      expect(await keys(prefix), JSON.stringify(prefix)).toEqual([]);
    }
    expect(await keys('articles/')).toEqual(['articles/a.html']);
  });

  it('lists nothing for a prefix with a 300-byte folder name, as S3 does', async () => {
    expect(await keys(`${'x'.repeat(300)}/`)).toEqual([]);
  });
});
