/**
 * As users meet them: seeds renamed without changing their item id (withRenamedSeeds) across the
 * archive, the guard, broken seeds, a lost manifest, dry runs, the settled run after and the CLI;
 * CJK paragraphs wrapped in the editor (joinLines); page names cut between graphemes; the
 * direction of a page from its language's likely script; and the embedded S3's own LIST pages
 * (listInKeyOrder) with the publisher on top of them.
 */
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { loadPublishSettings } from '../../src/config.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { publish } from '../../src/publish/publish.js';
import { createS3Client } from '../../src/storage/s3.js';
import { bucketPublishDependencies } from '../../src/wiring.js';
import { fakeIo } from '../helpers/cli-io.js';
import { configFileJson } from '../helpers/factory.js';
import type { JsonFeed } from '../helpers/feeds.js';
import { seed, tempDir, testFeedConfig, text, type TempDir } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';
import { parseDocument } from './site-links.js';

const NOW = new Date('2026-03-01T06:00:00Z');
const PREFIX = 'tag:news.example.org,2026:';
const idOf = (fileName: string, prefix = PREFIX) =>
  `${prefix}articles/${encodeURIComponent(fileName.normalize('NFC').replace(/\.txt$/i, ''))}`;

const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';

function five(): Record<string, string> {
  return {
    'harbour.txt': seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs again from Monday.'),
    'bridge.txt': seed('2026-02-03', 'Bridge Opens', 'A footbridge now links the two banks.'),
    'market.txt': seed('2026-02-05', 'Market Hall Repaired', 'The roof is mended.'),
    'school.txt': seed('2026-02-07', 'School Reopens', 'Pupils are back.'),
    'tram.txt': seed('2026-02-09', 'Tram Line Extended', 'Two stops were added.'),
  };
}
const vote = (body = 'The first text.') => seed('2026-02-11', 'Council Vote', body);
const VOTE_PAGE = 'articles/2026-02-11-council-vote.html';

const pageKeys = (site: Site) => [...site.site.objects.keys()].filter((key) => key.startsWith('articles/')).sort();
const jsonFeed = (site: Site) => JSON.parse(text(site.site.objects.get('feed.json')!.body)) as JsonFeed;
const itemOf = (site: Site, fileName: string, prefix = PREFIX) => jsonFeed(site).items.find((item) => item.id === idOf(fileName, prefix));

/** Renames a seed in the memory seeds storage, bytes unchanged. */
async function renameSeed(site: Site, from: string, to: string): Promise<void> {
  const object = await site.seeds.get(from);
  await site.deleteSeed(from);
  await site.writeSeed(to, object!.body);
}

/** Each JSON archive's items, archive 1 first, as the stems of their ids. */
function archives(site: Site): string[][] {
  const pages: string[][] = [];
  for (let number = 1; site.site.objects.has(`archive/feed-${number}.json`); number++) {
    const { items } = parseDocument('json', text(site.site.objects.get(`archive/feed-${number}.json`)!.body));
    pages.push(items.map((item) => decodeURIComponent(item.id.split('/').at(-1)!)));
  }
  return pages;
}

describe('a seed renamed without changing its item id', () => {
  it('keeps its place in a closed archive page when it is the page end and renamed to .TXT', async () => {
    // Prepare: notes 1–7 on their own days, two to a feed and to an archive page: archive 2 is [3, 4], closed at note 4.
    const file = (n: number) => `2026-03-0${n}-note.txt`;
    const files = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((n) => [file(n), seed(`2026-03-0${n}`, `Note ${n}`, `Paragraph ${n}.`)]));
    const site = memorySite(files, { now: new Date('2026-06-01T06:00:00Z'), config: testFeedConfig({ itemLimit: 2 }) });
    await site.run();
    const before = archives(site);
    expect(before[1]).toEqual(['2026-03-04-note', '2026-03-03-note']);

    // Act: note 4 saved back as .TXT, then (a later run) the newest note corrected.
    await renameSeed(site, file(4), '2026-03-04-note.TXT');
    await site.run();
    await site.writeSeed(file(7), seed('2026-03-07', 'Note 7', 'Paragraph 7, corrected.'));
    await site.run();

    // Assess: every article stays on its archive page.
    expect(archives(site)).toEqual(before);
  });

  it('renamed and edited in one run keeps its page and takes the edit date', async () => {
    // Prepare
    const site = memorySite({ ...five(), [NFC]: vote() }, { now: NOW });
    await site.run();

    // Act
    site.now = new Date('2026-03-02T06:00:00Z');
    await site.deleteSeed(NFC);
    await site.writeSeed(NFD, vote('The text, corrected.'));
    const summary = await site.run();

    // Assess
    expect(summary.articles.unpublished).toBe(0);
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(pageKeys(site).filter((key) => key.includes('council-vote'))).toEqual([VOTE_PAGE]);
    expect(text(site.site.objects.get(VOTE_PAGE)!.body)).toContain('The text, corrected.');
    expect(itemOf(site, NFD)?.date_modified).toBe('2026-03-02T06:00:00.000Z');
  });

  it('renamed in two steps (the look-alike saved beside it, refused, then the old one deleted) keeps its page', async () => {
    // Prepare
    const site = memorySite({ ...five(), 'vote.txt': vote() }, { now: NOW });
    await site.run();
    await site.writeSeed('vote.TXT', vote());
    const between = await site.run();
    expect(between.rejected.map((r) => r.file)).toEqual(['vote.TXT']);

    // Act
    await site.deleteSeed('vote.txt');
    const summary = await site.run();

    // Assess
    expect(summary.articles).toMatchObject({ unpublished: 0, rejected: 0, published: 6 });
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(itemOf(site, 'vote.TXT')?.url).toBe(`https://news.example.org/${VOTE_PAGE}`);
  });

  it('renamed while its new file is broken keeps its last good version published', async () => {
    // Prepare
    const site = memorySite({ ...five(), 'vote.txt': vote() }, { now: NOW });
    await site.run();

    // Act
    await site.deleteSeed('vote.txt');
    await site.writeSeed('vote.TXT', 'date 2026-02-31 Council Vote\n\nText.\n');
    const summary = await site.run();

    // Assess
    expect(summary.rejected).toEqual([expect.objectContaining({ file: 'vote.TXT', keptPublished: true })]);
    expect(summary.articles.unpublished).toBe(0);
    expect(site.site.objects.has(VOTE_PAGE)).toBe(true);
    expect(itemOf(site, 'vote.TXT')?.content_html).toContain('The first text.');
  });

  it('renamed in the run that finds the manifest lost keeps its page address', async () => {
    // Prepare
    const site = memorySite({ ...five(), [NFC]: vote() }, { now: NOW });
    await site.run();
    await site.site.delete(MANIFEST);

    // Act
    await renameSeed(site, NFC, NFD);
    const summary = await site.run();

    // Assess
    expect(summary.articles.unpublished).toBe(0);
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(pageKeys(site)).toHaveLength(6);
    expect(itemOf(site, NFD)?.url).toBe(`https://news.example.org/${VOTE_PAGE}`);
  });

  it('taken by one of two look-alike newcomers at once: the other is refused, nothing unpublished', async () => {
    // Prepare
    const site = memorySite({ ...five(), [NFC]: vote() }, { now: NOW });
    await site.run();

    // Act
    await site.deleteSeed(NFC);
    await site.writeSeed(NFD, vote());
    await site.writeSeed('caf\u00e9.TXT', vote());
    const summary = await site.run();

    // Assess
    expect(summary.articles.unpublished).toBe(0);
    expect(summary.rejected).toHaveLength(1);
    expect(summary.objects.deletedKeys).toEqual([]);
    expect(pageKeys(site).filter((key) => key.includes('council-vote'))).toEqual([VOTE_PAGE]);
  });

  it('every seed renamed to .TXT at once: the dry run and the run pass the guard, unpublish nothing, and the run after settles', async () => {
    // Prepare
    const files = { ...five(), 'vote.txt': vote() };
    const site = memorySite(files, { now: NOW });
    await site.run();
    const published = site.snapshot({ withManifest: false });

    // Act
    for (const name of Object.keys(files)) await renameSeed(site, name, name.replace(/\.txt$/, '.TXT'));
    const dry = await site.run({ dryRun: true });
    const real = await site.run();
    const after = await site.run();

    // Assess
    expect(dry.articles.unpublished).toBe(0);
    expect(real.articles).toMatchObject({ unpublished: 0, published: 6, rejected: 0 });
    expect(real.objects.deletedKeys).toEqual([]);
    expect(after.objects).toMatchObject({ written: 0, deleted: 0 });
    expect(after.articles).toMatchObject({ read: 0, published: 6 });
    expect(Object.keys(site.snapshot({ withManifest: false })).sort()).toEqual(Object.keys(published).sort());
  });

  it('renamed in the run that changes idPrefix keeps its page', async () => {
    // Prepare
    const site = memorySite({ ...five(), [NFC]: vote() }, { now: NOW });
    await site.run();
    const prefix = 'tag:news.example.org,2027:';

    // Act
    site.settings = { ...site.settings, config: testFeedConfig({ idPrefix: prefix }) };
    await renameSeed(site, NFC, NFD);
    const summary = await site.run();

    // Assess
    expect(summary.articles.unpublished).toBe(0);
    expect(itemOf(site, NFD, prefix)?.url).toBe(`https://news.example.org/${VOTE_PAGE}`);
  });

  it('cli build of a folder whose seed is renamed NFC → NFD gives the objects the bucket run gives', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'rename-cli-'));
    try {
      const files = { ...five(), [NFC]: vote() };
      await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
      await mkdir(join(dir, 'seeds'));
      for (const [name, content] of Object.entries(files)) await writeFile(join(dir, 'seeds', name), content);
      const build = ['build', '--seeds', 'seeds', '--out', 'out', '--now', NOW.toISOString()];
      expect(await runCli(build, fakeIo(dir, { now: NOW.toISOString() }))).toBe(0);
      const site = memorySite(files, { now: NOW });
      await site.run();

      // Act
      await rename(join(dir, 'seeds', NFC), join(dir, 'seeds', NFD));
      const io = fakeIo(dir, { now: NOW.toISOString() });
      expect(await runCli(build, io)).toBe(0);
      await renameSeed(site, NFC, NFD);
      await site.run();

      // Assess
      expect(await readdir(join(dir, 'out', 'articles'))).toHaveLength(6);
      const bucket = site.snapshot({ withManifest: false });
      for (const [key, body] of Object.entries(bucket)) expect(await readFile(join(dir, 'out', key), 'utf8'), key).toBe(body);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The paragraphs of the article page of a one-article site whose body is `body`. */
async function paragraphs(body: string): Promise<string[]> {
  const site = memorySite({ 'a.txt': `date 2026-02-01 Wrapped\n\n${body}\n` }, { now: NOW });
  await site.run();
  const page = text(site.site.objects.get('articles/2026-02-01-wrapped.html')!.body);
  const article = page.slice(page.indexOf('<article>'), page.indexOf('</article>'));
  return [...article.matchAll(/<p>(.*?)<\/p>/g)].map((match) => match[1]!);
}

describe('a paragraph wrapped in the editor', () => {
  it('reads as one in Chinese and Japanese, keeps its spaces in Korean and between CJK and Latin', async () => {
    // Act
    const shown = await paragraphs(
      [
        '北京今天',
        '天气很好。',
        '',
        '東京の天気は',
        '「晴れ」です！',
        '',
        '서울의 날씨는',
        '맑습니다.',
        '',
        '東京の',
        'Tokyo Tower',
        '',
        'Visit',
        '東京',
      ].join('\n'),
    );

    // Assess
    expect(shown).toEqual([
      '北京今天天气很好。',
      '東京の天気は「晴れ」です！',
      '서울의 날씨는 맑습니다.',
      '東京の Tokyo Tower',
      'Visit 東京',
    ]);
  });

  it('reads as one in Japanese when a line ends in the katakana middle dot', async () => {
    // Act
    const shown = await paragraphs(['ジョン・', 'スミス氏が来日した。'].join('\n'));

    // Assess
    expect(shown).toEqual(['ジョン・スミス氏が来日した。']);
  });
});

describe('a page name cut between graphemes', () => {
  it('keeps every Thai syllable whole within 200 bytes, and drops emoji sequences and flags', async () => {
    // Prepare: 40 syllables of a consonant, a vowel sign and a tone mark (one grapheme, three code points, nine bytes).
    const site = memorySite(
      {
        'thai.txt': seed('2026-02-11', 'ที่'.repeat(40), 'Text.'),
        'emoji.txt': seed('2026-02-12', '👨‍👩‍👧 Family 🇺🇦 Day 1️⃣ 🏳️‍🌈', 'Text.'),
      },
      { now: NOW },
    );

    // Act
    await site.run();

    // Assess
    const keys = pageKeys(site);
    const thai = keys.find((key) => key.startsWith('articles/2026-02-11-'))!;
    expect(thai).toMatch(/^articles\/2026-02-11-(?:ที่)+\.html$/u);
    expect(Buffer.byteLength(thai.slice('articles/'.length, -'.html'.length))).toBeLessThanOrEqual(200);
    expect(keys).toContain('articles/2026-02-12-family-day-1.html');
  });
});

describe('the direction of a page from its language', () => {
  it('is right to left where the likely script is (pa-PK, azb)', async () => {
    // Prepare
    const site = memorySite(
      { 'pa.txt': 'date 2026-02-01 Punjabi\nlang pa-PK\n\nText.\n', 'azb.txt': 'date 2026-02-02 Azeri\nlang azb\n\nText.\n' },
      { now: NOW },
    );

    // Act
    await site.run();

    // Assess
    expect(text(site.site.objects.get('articles/2026-02-01-punjabi.html')!.body)).toContain('<html lang="pa-PK" dir="rtl">');
    expect(text(site.site.objects.get('articles/2026-02-02-azeri.html')!.body)).toContain('<html lang="azb" dir="rtl">');
  });

  it('is left to right where the likely script is (sd-IN, ug-KZ), as pa is right to left in pa-PK', async () => {
    // Prepare
    const site = memorySite(
      {
        'sd.txt': 'date 2026-02-01 Sindhi\nlang sd-IN\n\nसिंधी भाषा.\n',
        'ug.txt': 'date 2026-02-02 Uyghur\nlang ug-KZ\n\nУйғур тили.\n',
      },
      { now: NOW },
    );

    // Act
    await site.run();

    // Assess
    expect(text(site.site.objects.get('articles/2026-02-01-sindhi.html')!.body)).toContain('<html lang="sd-IN">');
    expect(text(site.site.objects.get('articles/2026-02-02-uyghur.html')!.body)).toContain('<html lang="ug-KZ">');
  });
});

describe('the embedded S3', () => {
  const BUCKET = 'site';
  let dir: TempDir;
  let server: EmbeddedS3;
  let client: S3Client;

  beforeAll(async () => {
    dir = await tempDir('embedded-s3-listing-');
    server = await startEmbeddedS3({ directory: dir.path, port: 0, bucket: BUCKET, silent: true });
    client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await dir?.remove();
  });

  const put = (bucket: string, key: string, body: string | Uint8Array) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  it("lists no other bucket's objects for a prefix with a .. segment", async () => {
    // Prepare
    await client.send(new CreateBucketCommand({ Bucket: 'drafts' }));
    await put('drafts', 'unpublished/plan.txt', 'not for the site');
    await put(BUCKET, 'index.html', 'home');

    // Act
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: '../drafts/' }));

    // Assess
    expect((listed.Contents ?? []).map((object) => object.Key)).toEqual([]);
  });

  it('publishes seeds beside 1,000 photos, with 1,000 photos among the pages, renamed NFC → NFD, as the memory bucket does, and settles', async () => {
    // Prepare: seeds under seeds/ with photos beside them, photos under articles/2026/ beside the pages.
    const files = { ...five(), [NFC]: vote() };
    const extra = [
      ...Array.from({ length: 1000 }, (_, i) => `seeds/photo-${String(i).padStart(4, '0')}.jpg`),
      ...Array.from({ length: 1000 }, (_, i) => `articles/2026/photo-${String(i).padStart(4, '0')}.jpg`),
    ];
    for (let i = 0; i < extra.length; i += 50) await Promise.all(extra.slice(i, i + 50).map((key) => put(BUCKET, key, key)));
    for (const [name, content] of Object.entries(files)) await put(BUCKET, `seeds/${name}`, content);
    const deps = bucketPublishDependencies({
      client,
      feed: testFeedConfig(),
      publish: loadPublishSettings({ FEED_BUCKET: BUCKET, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: 'seeds/' }),
      defaultSeedsDir: '/nonexistent',
      now: () => NOW,
    });
    await publish(deps);
    const memory = memorySite(files, { now: NOW });
    await memory.run();

    // Act
    await put(BUCKET, `seeds/${NFD}`, files[NFC]!);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `seeds/${NFC}` }));
    const renamed = await publish(deps);
    const after = await publish(deps);
    await renameSeed(memory, NFC, NFD);
    await memory.run();

    // Assess
    expect(renamed.articles).toMatchObject({ unpublished: 0, published: 6 });
    expect(renamed.objects.deletedKeys).toEqual([]);
    expect(after.objects).toMatchObject({ written: 0, deleted: 0 });
    for (const [key, body] of Object.entries(memory.snapshot({ withManifest: false }))) {
      const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(await object.Body!.transformToString(), key).toBe(body);
    }
    const photos = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'articles/2026/', MaxKeys: 1000 }));
    expect(photos.KeyCount).toBe(1000);
  });
});
