/**
 * Seeds kept in the bucket (SEEDS_SOURCE=bucket) as editors upload them, with the S3
 * console, `aws s3 cp/sync` and other tools: the headers those tools set (Content-Type,
 * Content-Encoding), multipart uploads, renames a tool makes (NFD, `.TXT`), a sync that deletes
 * and puts back, storage classes, and SEEDS_PREFIX as an operator types it. Published through
 * the production wiring against the embedded S3 (s3rver); the mock only where a storage class
 * or an S3 answer s3rver cannot give is needed. Fixed clock throughout.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPublishSettings } from '../../src/config.js';
import { localS3Credentials, localS3Region } from '../../src/local/embedded-s3.js';
import { publish } from '../../src/publish/publish.js';
import { createS3Client } from '../../src/storage/s3.js';
import { archiveInBucket, bucketSeedsDependencies, fakeBucket, mockS3, type S3Mock, s3Requests, seed } from './support.js';
import { type EmbeddedSiteOptions, embeddedSite, expectedItemId, useEmbeddedS3 } from './support-embedded-bucket.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const LATER = new Date('2026-06-02T06:00:00.000Z');
const ID_PREFIX = 'tag:news.example.org,2026:';
const MANIFEST = '_publish/manifest.json';

const s3 = useEmbeddedS3('bucket-seeds-uploads-');

const utf8 = (text: string) => new TextEncoder().encode(text);

let bucketCount = 0;

/** A bucket of its own on the embedded S3, published through the production wiring. */
const site = (options: Omit<EmbeddedSiteOptions, 'bucket' | 'now'> = {}) =>
  embeddedSite(s3, { now: NOW, ...options, bucket: `uploads-${++bucketCount}` });

/** Keys written or deleted between two listings, the manifest left out. */
function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => key !== MANIFEST && before.get(key) !== after.get(key)).sort();
}

const OTHERS: Readonly<Record<string, string>> = {
  '2026-05-01-one.txt': seed('2026-05-01', 'Story One', 'First lede.'),
  '2026-05-02-two.txt': seed('2026-05-02', 'Story Two', 'Second lede.'),
  '2026-05-03-three.txt': seed('2026-05-03', 'Story Three', 'Third lede.'),
  '2026-05-04-four.txt': seed('2026-05-04', 'Story Four', 'Fourth lede.'),
  '2026-05-05-five.txt': seed('2026-05-05', 'Story Five', 'Fifth lede.'),
};

describe('headers an upload tool sets on a seed', () => {
  it('publishes a UTF-8 seed whatever Content-Type the tool gave it (binary/octet-stream, charset=ISO-8859-1, none)', async () => {
    const s = await site();
    await s.seed('2026-05-10-octet.txt', seed('2026-05-10', 'Café Über Straße', 'Bytes as an octet stream.'), {
      ContentType: 'binary/octet-stream',
    });
    await s.seed('2026-05-11-latin-header.txt', seed('2026-05-11', 'Київ Żółć', 'UTF-8 bytes, a Latin-1 label.'), {
      ContentType: 'text/plain; charset=ISO-8859-1',
    });
    await s.seed('2026-05-12-none.txt', seed('2026-05-12', 'Naïve Résumé', 'No type at all.'), { ContentType: undefined });
    const run = await s.run();
    expect(run.rejected).toEqual([]);
    expect((await s.items()).map((item) => item.title).sort()).toEqual(['Café Über Straße', 'Київ Żółć', 'Naïve Résumé'].sort());
  });

  it('refuses a Latin-1 seed labelled charset=ISO-8859-1 as the README says (file, line, "not valid UTF-8"), publishes the rest, and writes nothing on the next run', async () => {
    const s = await site();
    for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
    await s.seed('2026-05-10-latin.txt', Buffer.from(seed('2026-05-10', 'Café Crème', 'Écrit en Latin-1.'), 'latin1'), {
      ContentType: 'text/plain; charset=ISO-8859-1',
    });
    const run = await s.run();
    expect(run.articles).toMatchObject({ published: 5, rejected: 1 });
    expect(run.rejected).toEqual([expect.objectContaining({ file: '2026-05-10-latin.txt', line: 1, keptPublished: false })]);
    expect(run.rejected[0]!.reason).toMatch(/not valid UTF-8/);
    const before = await s.objects();
    const again = await s.run();
    expect(again.objects).toMatchObject({ written: 0, deleted: 0 });
    expect(again.rejected.map((bad) => bad.file)).toEqual(['2026-05-10-latin.txt']);
    expect(await s.objects()).toEqual(before);
  });

  it('publishes a seed stored with Content-Encoding: gzip (as `aws s3 cp --content-encoding gzip` or a gzipping sync tool leaves it) as the text it encodes', async () => {
    const s = await site();
    for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
    const body = seed('2026-05-10', 'Compressed On Upload', 'The tool gzipped this text.');
    await s.seed('2026-05-10-gzipped.txt', gzipSync(utf8(body)), { ContentEncoding: 'gzip' });
    const run = await s.run();
    expect(run.rejected).toEqual([]);
    expect(run.articles).toMatchObject({ published: 6 });
    const item = (await s.items()).find((entry) => entry.id === expectedItemId('2026-05-10-gzipped.txt', ID_PREFIX));
    expect(item?.title).toBe('Compressed On Upload');
  });

  it.each([
    ['LE', (text: string) => Buffer.from(text, 'utf16le')],
    ['BE', (text: string) => Buffer.from(text, 'utf16le').swap16()],
  ])(
    'reads a seed saved as UTF-16%s without a byte order mark (`iconv -t UTF-16LE`) as its text, not as mangled bytes',
    async (_order, encode) => {
      const s = await site();
      for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
      const body = ` ${seed('2026-05-10', 'Київ вночі', 'Місто світиться вночі.')}`;
      await s.seed('2026-05-10-kyiv.txt', encode(body), { ContentType: 'text/plain; charset=utf-16' });
      const run = await s.run();
      expect(run.rejected).toEqual([]);
      expect(run.articles.published).toBe(6);
      const items = await s.items();
      expect(items.map((item) => item.title)).toContain('Київ вночі');
      for (const item of items) expect(item.title).toMatch(/^(Story |Київ вночі$)/);
    },
  );
});

describe('uploads and syncs', () => {
  it('changes nothing when a sync deletes a seed and puts the same bytes back between two runs', async () => {
    const s = await site();
    for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
    await s.run();
    const before = await s.objects();
    await s.delete('seeds/2026-05-03-three.txt');
    await s.seed('2026-05-03-three.txt', OTHERS['2026-05-03-three.txt']!);
    s.setNow(LATER);
    const run = await s.run();
    expect(run.articles).toMatchObject({ read: 0, published: 5, unpublished: 0 });
    expect(run.objects).toMatchObject({ written: 0, deleted: 0 });
    expect(await s.objects()).toEqual(before);
  });

  it('publishes a seed whose key ends in .TXT under the id without its extension', async () => {
    const s = await site();
    for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
    await s.seed('2026-05-10-SHOUT.TXT', seed('2026-05-10', 'Upper Case Extension', 'Saved by an old tool.'));
    const run = await s.run();
    expect(run.rejected).toEqual([]);
    const item = (await s.items()).find((entry) => entry.title === 'Upper Case Extension');
    expect(item?.id).toBe(`${ID_PREFIX}articles/2026-05-10-SHOUT`);
    expect((await fetch(item!.url)).status).toBe(200);
  });

  for (const [label, from, to] of [
    ['.txt renamed .TXT', '2026-05-03-three.txt', '2026-05-03-three.TXT'],
    ['NFC renamed NFD', '2026-05-03-caf\u00e9.txt', '2026-05-03-cafe\u0301.txt'],
  ] as const) {
    it(`keeps the page, id and dates of a seed a sync re-uploads under a look-alike name (${label}), deleting nothing`, async () => {
      const s = await site();
      const body = seed('2026-05-03', 'Renamed By A Tool', 'Same text.');
      const others = Object.fromEntries(Object.entries(OTHERS).filter(([name]) => name !== '2026-05-03-three.txt'));
      for (const [name, text] of Object.entries(others)) await s.seed(name, text);
      await s.seed(from, body);
      await s.run();
      const itemBefore = (await s.items()).find((item) => item.title === 'Renamed By A Tool')!;
      const before = await s.objects();
      await s.delete(`seeds/${from}`);
      await s.seed(to, body);
      s.setNow(LATER);
      const run = await s.run();
      expect(run.rejected).toEqual([]);
      expect(run.articles).toMatchObject({ published: 5, unpublished: 0 });
      expect(run.objects.deleted).toBe(0);
      const itemAfter = (await s.items()).find((item) => item.title === 'Renamed By A Tool')!;
      expect(itemAfter).toEqual(itemBefore);
      expect(changed(before, await s.objects()).filter((key) => !key.startsWith('seeds/'))).toEqual([]);
      const settledBefore = await s.objects();
      expect((await s.run()).objects).toMatchObject({ written: 0, deleted: 0 });
      expect(await s.objects()).toEqual(settledBefore);
    });
  }

  it('gives a seed deleted in one run and put back as .TXT in the next its page back, at the same address', async () => {
    const s = await site();
    for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
    await s.run();
    const itemBefore = (await s.items()).find((item) => item.title === 'Story Three')!;
    await s.delete('seeds/2026-05-03-three.txt');
    const gone = await s.run();
    expect(gone.articles.unpublished).toBe(1);
    await s.seed('2026-05-03-three.TXT', OTHERS['2026-05-03-three.txt']!);
    const back = await s.run();
    expect(back.rejected).toEqual([]);
    const itemAfter = (await s.items()).find((item) => item.title === 'Story Three')!;
    expect(itemAfter.id).toBe(itemBefore.id);
    expect(itemAfter.url).toBe(itemBefore.url);
    expect((await fetch(itemAfter.url)).status).toBe(200);
  });

  it('takes a seed of exactly MAX_SEED_BYTES and refuses one a byte over, naming it and the limit', async () => {
    const s = await site({ env: { MAX_SEED_BYTES: '1KiB' } });
    for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
    const head = seed('2026-05-10', 'Exactly At The Limit', 'Fill: ');
    const exact = `${head.slice(0, -1)}${'y'.repeat(1024 - utf8(head).byteLength)}\n`;
    expect(utf8(exact).byteLength).toBe(1024);
    await s.seed('2026-05-10-exact.txt', exact);
    const over = `${exact.replace('Exactly At The Limit', 'One Byte Over The Limit').slice(0, 1024)}\n`;
    expect(utf8(over).byteLength).toBe(1025);
    await s.seed('2026-05-11-over.txt', over);
    const run = await s.run();
    expect(run.rejected).toEqual([expect.objectContaining({ file: '2026-05-11-over.txt', keptPublished: false })]);
    expect(run.rejected[0]!.reason).toContain('MAX_SEED_BYTES');
    expect((await s.items()).map((item) => item.title)).toContain('Exactly At The Limit');
  });
});

describe('an editor saving while a run reads', () => {
  it('shows the seed as the bucket holds it after an edit lands between the listing and the read, and is then undone', async () => {
    const key = 'seeds/2026-05-10-race.txt';
    const original = seed('2026-05-10', 'Race Story', 'The text as first written.');
    const mistaken = seed('2026-05-10', 'Race Story', 'A MISTAKEN EDIT, undone a minute later.');
    // A client of its own: the editor's upload lands just before the run's GET of that seed.
    const racing = createS3Client({
      region: localS3Region,
      endpoint: s3.server.endpoint,
      forcePathStyle: true,
      credentials: localS3Credentials,
    });
    let landed = false;
    let bucket = '';
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string };
        if (!landed && context.commandName === 'GetObjectCommand' && input.Key === key) {
          landed = true;
          await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: utf8(mistaken), ContentType: 'text/plain' }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'editorSavesMeanwhile' },
    );
    const s = await site({ client: racing });
    bucket = s.bucket;
    for (const [name, body] of Object.entries(OTHERS)) await s.seed(name, body);
    await s.put(key, original);
    await s.run();
    expect(landed).toBe(true);
    // The editor sees the mistake and puts the original back: the bucket holds what it held when the run listed it.
    await s.put(key, original);
    s.setNow(LATER);
    await s.run();
    const item = (await s.items()).find((entry) => entry.id === expectedItemId('2026-05-10-race.txt', ID_PREFIX))!;
    expect(item.content_html).toContain('The text as first written.');
    expect(item.content_html).not.toContain('MISTAKEN');
  });
});

describe('SEEDS_PREFIX as an operator types it', () => {
  for (const prefix of ['seeds', '/seeds/', 'seeds//', '']) {
    it(`refuses SEEDS_PREFIX=${JSON.stringify(prefix)} at start, naming the variable`, () => {
      expect(() => loadPublishSettings({ FEED_BUCKET: 'feeds-bucket', SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: prefix })).toThrow(
        /SEEDS_PREFIX/,
      );
    });
  }
});

describe('storage classes of seeds (mock)', () => {
  let s3: S3Mock;
  afterEach(() => s3.restore());

  for (const storageClass of ['GLACIER', 'DEEP_ARCHIVE'] as const) {
    it(`refuses a new seed uploaded straight to ${storageClass}, naming it, publishes the others, and writes nothing on the next run`, async () => {
      s3 = mockS3();
      const archived = 'seeds/2026-05-10-cold.txt';
      const objects = fakeBucket(s3, {
        ...Object.fromEntries(Object.entries(OTHERS).map(([name, body]) => [`seeds/${name}`, utf8(body)])),
        [archived]: utf8(seed('2026-05-10', 'Cold Storage', 'Archived on upload.')),
      });
      archiveInBucket(s3, objects, archived, storageClass);
      const deps = () => bucketSeedsDependencies({ itemLimit: 50, now: NOW, seedsPrefix: 'seeds/' });
      const first = await publish(deps());
      expect(first.articles).toMatchObject({ published: 5, rejected: 1 });
      expect(first.rejected).toEqual([expect.objectContaining({ file: '2026-05-10-cold.txt', keptPublished: false })]);
      expect(first.rejected[0]!.reason).toMatch(/storage class/);
      s3.resetHistory();
      const second = await publish(deps());
      expect(second.rejected.map((bad) => bad.file)).toEqual(['2026-05-10-cold.txt']);
      expect(s3Requests(s3, 'seeds/').puts.filter((key) => key !== MANIFEST)).toEqual([]);
      expect(s3Requests(s3, 'seeds/').deletes).toEqual([]);
    });
  }
  it('refuses, naming it, a seed uploaded with SSE-C (a customer key the publisher cannot have), and publishes the others', async () => {
    s3 = mockS3();
    const locked = 'seeds/2026-05-10-locked.txt';
    fakeBucket(s3, {
      ...Object.fromEntries(Object.entries(OTHERS).map(([name, body]) => [`seeds/${name}`, utf8(body)])),
      [locked]: utf8(seed('2026-05-10', 'Locked Story', 'Encrypted with a key of its own.')),
    });
    // What S3 answers a GET without the customer key of an object stored with SSE-C.
    s3.on(GetObjectCommand, { Key: locked }).rejects(
      Object.assign(
        new Error(
          'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.',
        ),
        { name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } },
      ),
    );
    const run = await publish(bucketSeedsDependencies({ itemLimit: 50, now: NOW, seedsPrefix: 'seeds/' }));
    expect(run.articles).toMatchObject({ published: 5, rejected: 1 });
    expect(run.rejected).toEqual([expect.objectContaining({ file: '2026-05-10-locked.txt', keptPublished: false })]);
  });
});
