/**
 * Seeds and objects in a real bucket (the in-process s3rver) with awkward names and
 * states: keys that need encoding on the wire, look-alike names, long names, odd prefixes,
 * multipart ETags, objects the publisher did not write, and listings of more than one page.
 * The mock is used where request counts or a storage class matter.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publish, type PublishSummary } from '../../src/publish/publish.js';
import { archiveInBucket, bucketSeedsDependencies, fakeBucket, md5, mockS3, s3Requests, seed, type S3Mock } from './support.js';
import { type EmbeddedSiteOptions, embeddedSite, expectedItemId, useEmbeddedS3 } from './support-embedded-bucket.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const ID_PREFIX = 'tag:news.example.org,2026:';
const MANIFEST = '_publish/manifest.json';

const s3 = useEmbeddedS3('bucket-names-');

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let bucketCount = 0;

/** A bucket of its own on the embedded S3, published through the production wiring. */
const site = (options: Omit<EmbeddedSiteOptions, 'bucket' | 'now'> = {}) =>
  embeddedSite(s3, { now: NOW, ...options, bucket: `names-${++bucketCount}` });

describe('seed keys that need encoding on the wire', () => {
  // Each name is a seed an editor could upload with the console or `aws s3 cp`.
  const AWKWARD: Readonly<Record<string, string>> = {
    '2026-03-01-q&a #3.txt': seed('2026-03-01', 'Questions Number Three', 'Hash in the key.'),
    '2026-03-02-why?.txt': seed('2026-03-02', 'Why Indeed', 'Question mark in the key.'),
    ' 2026-03-03-leading space.txt': seed('2026-03-03', 'Leading Space', 'A space before the date.'),
    '2026-03-04-trailing .txt': seed('2026-03-04', 'Trailing Space', 'A space before the extension.'),
    "2026-03-05-it's (really) done!*.txt": seed('2026-03-05', 'Sub-delimiters', 'Quote, parentheses, bang, star.'),
    '2026-03-06-a=b;c,d:e@f$g~h.txt': seed('2026-03-06', 'Reserved Characters', 'Equals, semicolons and the rest.'),
    '2026-03-07-50%25 off.txt': seed('2026-03-07', 'Already Encoded Looking', 'A literal %25 in the key.'),
    '2026-03-08-Звіт.txt': seed('2026-03-08', 'Звіт за березень', 'Кирилиця в назві.'),
    '2026-03-09-Report.txt': seed('2026-03-09', 'Report Upper', 'Upper-case R.'),
    '2026-03-09-report.txt': seed('2026-03-09', 'Report Lower', 'Lower-case r.'),
    '2026-03-10-emoji-📰.txt': seed('2026-03-10', 'Emoji Key', 'A character beyond U+FFFF in the key.'),
    '2026-03-11-back\\slash [1] {x} ^|`.txt': seed('2026-03-11', 'Backslash And Brackets', 'Characters the SDK must encode.'),
  };
  let s: Awaited<ReturnType<typeof site>>;
  let first: PublishSummary;
  let firstItems: { id: string; url: string; title: string }[];

  beforeAll(async () => {
    s = await site();
    await s.seeds(AWKWARD);
    first = await s.run();
    firstItems = (await s.json()).items;
  });

  it('publishes every one of them under the id its NFC, RFC 3986 encoded name gives', () => {
    expect(first.rejected).toEqual([]);
    expect(first.articles).toMatchObject({ seeds: 12, read: 12, published: 12 });
    expect(firstItems.map((item) => item.id).sort()).toEqual(
      Object.keys(AWKWARD)
        .map((name) => expectedItemId(name, ID_PREFIX))
        .sort(),
    );
  });

  it('serves a page for each, with the title of the seed it came from', async () => {
    const byId = new Map(Object.entries(AWKWARD).map(([name, body]) => [expectedItemId(name, ID_PREFIX), body.split('\n')[0]!.slice(16)]));
    for (const item of firstItems) {
      expect(item.title, item.id).toBe(byId.get(item.id));
      const page = await fetch(item.url);
      expect(page.status, item.url).toBe(200);
      expect(await page.text(), item.url).toContain(item.title);
    }
  });

  it('keeps names that differ only in letter case as two articles with two pages', () => {
    const upper = firstItems.find((item) => item.id === expectedItemId('2026-03-09-Report.txt', ID_PREFIX));
    const lower = firstItems.find((item) => item.id === expectedItemId('2026-03-09-report.txt', ID_PREFIX));
    expect(upper?.title).toBe('Report Upper');
    expect(lower?.title).toBe('Report Lower');
    expect(upper!.url).not.toBe(lower!.url);
  });

  it('settles: the next two runs read no seed, write and delete nothing, and keep every id and URL', async () => {
    const before = await s.objects();
    const second = await s.run();
    const third = await s.run();
    for (const run of [second, third]) {
      expect(run.articles).toMatchObject({ seeds: 12, read: 0, published: 12, rejected: 0 });
      expect(run.objects).toMatchObject({ written: 0, deleted: 0 });
    }
    expect(await s.objects()).toEqual(before);
    expect((await s.json()).items).toEqual(firstItems);
  });

  it('re-reads exactly the edited one of them, by its awkward key', async () => {
    await s.seeds({ '2026-03-02-why?.txt': seed('2026-03-02', 'Why Indeed', 'Question mark in the key, edited.') });
    const run = await s.run();
    expect(run.articles).toMatchObject({ seeds: 12, read: 1, published: 12 });
    expect(run.objects.writtenKeys).toContain('articles/2026-03-02-why-indeed.html');
    expect(run.objects.deleted).toBe(0);
  });

  it('unpublishes one of them whose seed is deleted: its page, and only its page, goes', async () => {
    const gone = firstItems.find((item) => item.id === expectedItemId('2026-03-01-q&a #3.txt', ID_PREFIX))!;
    const pageKey = decodeURIComponent(new URL(gone.url).pathname.split('/').slice(2).join('/'));
    await s.delete(`seeds/2026-03-01-q&a #3.txt`);
    const run = await s.run();
    expect(run.articles).toMatchObject({ seeds: 11, published: 11, unpublished: 1 });
    expect(run.objects.deletedKeys).toEqual([pageKey]);
    expect((await s.json()).items.map((item) => item.id)).not.toContain(gone.id);
  });
});

describe('look-alike and long seed names', () => {
  it('publishes one of two seeds whose names differ only in Unicode form (NFC, NFD) and names the other as a collision', async () => {
    const s = await site();
    await s.seeds({
      '2026-03-01-caf\u00e9.txt': seed('2026-03-01', 'Cafe Composed', 'NFC.'),
      '2026-03-01-cafe\u0301.txt': seed('2026-03-01', 'Cafe Decomposed', 'NFD.'),
    });
    const run = await s.run();
    expect(run.articles).toMatchObject({ seeds: 2, published: 1, rejected: 1 });
    expect(run.rejected[0]!.reason).toContain('same item id');
    const items = (await s.json()).items;
    expect(items.map((item) => item.id)).toEqual([expectedItemId('2026-03-01-café.txt', ID_PREFIX)]);
    expect((await s.run()).articles).toMatchObject({ read: 0, published: 1, rejected: 1 });
  });

  it('publishes a seed with a 200-byte Cyrillic file name, and settles with it', async () => {
    const s = await site();
    const name = `2026-03-01-${'ж'.repeat(93)}.txt`;
    expect(Buffer.byteLength(name)).toBe(201);
    await s.seeds({ [name]: seed('2026-03-01', `Довга назва ${'ж'.repeat(120)}`, 'Текст.') });
    const first = await s.run();
    expect(first.rejected).toEqual([]);
    const items = (await s.json()).items;
    expect(items.map((item) => item.id)).toEqual([expectedItemId(name, ID_PREFIX)]);
    expect((await fetch(items[0]!.url)).status).toBe(200);
    expect((await s.run()).objects).toMatchObject({ written: 0, deleted: 0 });
  });
});

describe('the seeds prefix', () => {
  it('reads seeds under a prefix with spaces and Cyrillic, passing over folder markers and a folder named like a seed', async () => {
    const s = await site({ prefix: 'Редакція/чернетки 2026/' });
    await s.put('Редакція/', new Uint8Array());
    await s.put('Редакція/чернетки 2026/', new Uint8Array());
    // The console's "Create folder" with a name ending in .txt leaves a zero-byte key ending in "/".
    await s.put('Редакція/чернетки 2026/2026-03-09-folder.txt/', new Uint8Array());
    await s.put('Редакція/чернетки 2026/2026-03-09-folder.txt/inner.txt', seed('2026-03-09', 'Inner', 'Deeper.'));
    await s.seeds({
      '2026-03-10-one.txt': seed('2026-03-10', 'One Story', 'Text.'),
      'Нотатка.txt': seed('2026-03-11', 'Нотатка', 'Текст.'),
    });
    // What a Mac leaves beside a file copied to a volume without its metadata: not a seed.
    await s.seeds({ '._2026-03-10-one.txt': new Uint8Array([0, 5, 22, 7, 0, 2, 0, 0]) });
    const run = await s.run();
    expect(run.articles).toMatchObject({ seeds: 2, published: 2, rejected: 0 });
    expect((await s.json()).items.map((item) => item.id).sort()).toEqual(
      [expectedItemId('2026-03-10-one.txt', ID_PREFIX), expectedItemId('Нотатка.txt', ID_PREFIX)].sort(),
    );
    expect(run.objects.writtenKeys.filter((key) => key.startsWith('Редакція/'))).toEqual([]);
    expect((await s.run()).articles.read).toBe(0);
  });
});

describe('seed ETags', () => {
  it('does not read a seed re-uploaded with the same bytes (same ETag, new Last-Modified), nor rewrite the manifest', async () => {
    const s = await site();
    const body = seed('2026-03-01', 'Same Bytes', 'Unchanged.');
    await s.seeds({ '2026-03-01-same.txt': body });
    await s.run();
    const before = await s.objects();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await s.seeds({ '2026-03-01-same.txt': body });
    const run = await s.run();
    expect(run.articles.read).toBe(0);
    expect(run.objects.written).toBe(0);
    expect(await s.objects()).toEqual(before);
  });
});

describe('objects the publisher did not write', () => {
  it('keeps hand-made objects under articles/, _publish/, at the root and folder markers through an unpublish, deleting only the page', async () => {
    const s = await site();
    await s.seeds({
      '2026-03-01-a.txt': seed('2026-03-01', 'Story A', 'A.'),
      '2026-03-02-b.txt': seed('2026-03-02', 'Story B', 'B.'),
      '2026-03-03-c.txt': seed('2026-03-03', 'Story C', 'C.'),
      '2026-03-04-d.txt': seed('2026-03-04', 'Story D', 'D.'),
      '2026-03-05-e.txt': seed('2026-03-05', 'Story E', 'E.'),
      '2026-03-06-f.txt': seed('2026-03-06', 'Story F', 'F.'),
    });
    const theirs = [
      'articles/',
      'articles/extra.html',
      'articles/img/photo.jpg',
      'archive/',
      'archive/notes.txt',
      '_publish/',
      '_publish/manifest.json.bak',
      '_publish/lock',
      'robots.txt',
      'Index.html',
    ];
    for (const key of theirs) await s.put(key, key.endsWith('/') ? '' : `kept: ${key}`);
    await s.run();
    await s.delete('seeds/2026-03-06-f.txt');
    const run = await s.run();
    expect(run.objects.deletedKeys).toEqual(['articles/2026-03-06-story-f.html']);
    const after = await s.objects();
    for (const key of theirs) expect(after.has(key), key).toBe(true);
    expect((await s.run()).objects).toMatchObject({ written: 0, deleted: 0 });
  });

  it('deletes nothing outside articles/ but archive documents numbered beyond the archive (as the README says)', async () => {
    const s = await site({ itemLimit: 2 });
    await s.seeds({
      '2026-03-01-a.txt': seed('2026-03-01', 'Story A', 'A.'),
      '2026-03-02-b.txt': seed('2026-03-02', 'Story B', 'B.'),
      '2026-03-03-c.txt': seed('2026-03-03', 'Story C', 'C.'),
      '2026-03-04-d.txt': seed('2026-03-04', 'Story D', 'D.'),
    });
    await s.run();
    const extra = ['archive/rss-999.xml', 'archive/atom-999.xml', 'archive/feed-999.json'];
    const lookAlikes = ['archive/rss-1.xml.bak', 'archive/RSS-9.xml', 'archive/rss-09.xml', 'archive/feed-9.xml', 'archive/old/rss-9.xml'];
    for (const key of [...extra, ...lookAlikes]) await s.put(key, `hand-made ${key}`);
    const run = await s.run();
    expect(run.objects.deletedKeys).toEqual([...extra].sort());
    const after = await s.objects();
    for (const key of lookAlikes) expect(after.has(key), key).toBe(true);
    expect(run.articles.unpublished).toBe(0);
  });

  it('with the manifest lost, does not let pages and images it did not write under articles/ dilute the unpublish guard', async () => {
    const s = await site();
    await s.seeds({
      '2026-03-01-a.txt': seed('2026-03-01', 'Story A', 'A.'),
      '2026-03-02-b.txt': seed('2026-03-02', 'Story B', 'B.'),
      '2026-03-03-c.txt': seed('2026-03-03', 'Story C', 'C.'),
      '2026-03-04-d.txt': seed('2026-03-04', 'Story D', 'D.'),
    });
    await s.run();
    // A press kit beside the articles: six objects the publisher never wrote.
    for (let n = 1; n <= 6; n++) await s.put(`articles/press/photo-${n}.jpg`, `photo ${n}`);
    await s.delete(MANIFEST);
    // Half of the published articles' seeds are gone: more than the default 20 %.
    await s.delete('seeds/2026-03-03-c.txt');
    await s.delete('seeds/2026-03-04-d.txt');
    await expect(s.run()).rejects.toThrow(/unpublish/i);
    expect((await s.get('articles/2026-03-03-story-c.html'))?.body).toBeDefined();
  });
});

describe('listings of more than one page', () => {
  it('settles with 1,005 objects of its own beside the site at the root (the root listing spans two pages)', {
    timeout: 60_000,
  }, async () => {
    const s = await site();
    await s.seeds({ '2026-03-01-a.txt': seed('2026-03-01', 'Story A', 'A.') });
    const keys = Array.from({ length: 1005 }, (_, n) => `asset-${String(n).padStart(4, '0')}.css`);
    for (let at = 0; at < keys.length; at += 32) await Promise.all(keys.slice(at, at + 32).map((key) => s.put(key, `/* ${key} */`)));
    const first = await s.run();
    expect([...first.objects.writtenKeys].sort()).toEqual([
      '404.html',
      'articles/2026-03-01-story-a.html',
      'atom.xml',
      'feed.css',
      'feed.json',
      'index.html',
      'rss.xml',
    ]);
    const before = await s.objects();
    const second = await s.run();
    expect(second.objects).toMatchObject({ written: 0, deleted: 0 });
    expect(await s.objects()).toEqual(before);
  });
});

describe('storage classes and request counts (mock)', () => {
  let s3: S3Mock;
  afterEach(() => s3.restore());

  it('keeps online a published seed that a lifecycle rule later archived to GLACIER, reporting it and writing nothing', async () => {
    s3 = mockS3();
    const objects = fakeBucket(s3, {
      'seeds/2026-03-01-a.txt': utf8(seed('2026-03-01', 'Story A', 'A.')),
      'seeds/2026-03-02-b.txt': utf8(seed('2026-03-02', 'Story B', 'B.')),
    });
    const deps = () => bucketSeedsDependencies({ itemLimit: 50, now: NOW, seedsPrefix: 'seeds/' });
    await publish(deps());
    const feedBefore = objects.get('feed.json')!.body;
    // Listed as GLACIER from now on; its GET fails as S3's does until it is restored.
    archiveInBucket(s3, objects, 'seeds/2026-03-01-a.txt', 'GLACIER');
    s3.resetHistory();
    const run = await publish(deps());
    expect(run.rejected).toEqual([expect.objectContaining({ file: '2026-03-01-a.txt', keptPublished: true })]);
    expect(run.articles).toMatchObject({ published: 2, unpublished: 0 });
    expect(s3Requests(s3, 'seeds/').deletes).toEqual([]);
    expect(s3Requests(s3, 'seeds/').puts.filter((key) => key !== MANIFEST)).toEqual([]);
    expect(objects.get('feed.json')!.body).toEqual(feedBefore);
  });

  it('settles with a multipart-uploaded seed (ETag "…-2"), and re-reads it once, writing no page, when re-uploaded in one part with the same bytes', async () => {
    s3 = mockS3();
    const key = 'seeds/2026-03-01-big.txt';
    const objects = fakeBucket(s3, { [key]: utf8(seed('2026-03-01', 'Uploaded In Parts', 'Text.')) });
    objects.set(key, { ...objects.get(key)!, etag: '"0123456789abcdef0123456789abcdef-2"' });
    const deps = () => bucketSeedsDependencies({ itemLimit: 50, now: NOW, seedsPrefix: 'seeds/' });
    const first = await publish(deps());
    expect(first.articles).toMatchObject({ read: 1, published: 1 });
    s3.resetHistory();
    const second = await publish(deps());
    expect(s3Requests(s3, 'seeds/')).toMatchObject({ getSeeds: [], puts: [], deletes: [] });
    expect(second.articles.read).toBe(0);
    // `aws s3 cp` of the same file, now small enough for one part: the MD5 ETag.
    objects.set(key, { ...objects.get(key)!, etag: md5(objects.get(key)!.body) });
    s3.resetHistory();
    const third = await publish(deps());
    expect(third.articles.read).toBe(1);
    expect(s3Requests(s3, 'seeds/').puts.filter((put) => put !== MANIFEST)).toEqual([]);
  });

  it('publishes a seed whose key is 1,000 bytes long (S3 allows 1,024) under its full id, and settles with it', async () => {
    s3 = mockS3();
    const name = `2026-03-01-${'long-name-'.repeat(98)}x.txt`;
    expect(Buffer.byteLength(`seeds/${name}`)).toBeLessThanOrEqual(1024);
    const objects = fakeBucket(s3, { [`seeds/${name}`]: utf8(seed('2026-03-01', 'Long Key', 'Text.')) });
    const deps = () => bucketSeedsDependencies({ itemLimit: 50, now: NOW, seedsPrefix: 'seeds/' });
    const first = await publish(deps());
    expect(first.rejected).toEqual([]);
    const items = JSON.parse(text(objects.get('feed.json')!.body)).items as { id: string }[];
    expect(items.map((item) => item.id)).toEqual([expectedItemId(name, ID_PREFIX)]);
    s3.resetHistory();
    const second = await publish(deps());
    expect(second.articles.read).toBe(0);
    expect(s3Requests(s3, 'seeds/').getSeeds).toEqual([]);
    expect(s3Requests(s3, 'seeds/').puts).toEqual([]);
  });
});
