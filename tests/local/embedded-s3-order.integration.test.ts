/**
 * The embedded s3rver's LIST pages in S3's order (UTF-8 bytes), whatever the keys: s3rver walks
 * its folders depth first and compares keys as JavaScript strings, so a page boundary next to a
 * folder that shares a name's beginning (`articles/2024/` beside `articles/2024-01-05-….html`),
 * or between a name with a character above U+E000 and one with an emoji, repeated keys on the
 * next page or skipped them. The publisher took the skipped pages for missing and wrote them
 * again on every run.
 */
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { tempDir, type TempDir } from '../publish/support.js';

const bucket = 'order-test';
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Keys whose S3 order differs from a depth-first walk's and from JavaScript's string order. */
const awkward = [
  'mix/a',
  'mix/a-b',
  'mix/a.txt',
  'mix/a/1',
  'mix/a/2',
  'mix/a/b/c',
  'mix/a0',
  'mix/x\u{1F600}.txt',
  'mix/x\uFF01.txt',
  'mix/x\uE000.txt',
  'mix/\u00E9t\u00E9',
  'mix/z',
];

/** Over one default page: pages of articles, and photos kept in a folder named like the pages' date prefix. */
const pages = Array.from({ length: 996 }, (_, i) => `site/articles/2024-01-${String(i).padStart(4, '0')}.html`);
const photos = Array.from({ length: 8 }, (_, i) => `site/articles/2024/photo-${i}.jpg`);

let dir: TempDir;
let server: EmbeddedS3;
let client: S3Client;

beforeAll(async () => {
  // Prepare (shared): one server holding both sets of keys.
  dir = await tempDir('embedded-s3-order-');
  server = await startEmbeddedS3({ directory: dir.path, port: 0, bucket, silent: true });
  client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
  const keys = [...awkward, ...pages, ...photos];
  for (let i = 0; i < keys.length; i += 32) {
    await Promise.all(keys.slice(i, i + 32).map((key) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }))));
  }
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await dir?.remove();
});

async function listPages(input: { Prefix: string; MaxKeys?: number; Delimiter?: string }): Promise<ListObjectsV2CommandOutput[]> {
  const result: ListObjectsV2CommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ ...input, Bucket: bucket, ...(token !== undefined && { ContinuationToken: token }) }),
    );
    result.push(page);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined && result.length < 2000);
  return result;
}

const keysOf = (listed: readonly ListObjectsV2CommandOutput[]) => listed.flatMap((page) => (page.Contents ?? []).map((o) => o.Key));

describe('LIST pages of the embedded S3 in S3 order', () => {
  it.each([1, 2, 3, 5])('pages of %i key(s) list every key once, in UTF-8 byte order', async (maxKeys) => {
    // Act
    const listed = await listPages({ Prefix: 'mix/', MaxKeys: maxKeys });

    // Assess
    expect(keysOf(listed)).toEqual([...awkward].sort(byteOrder));
    expect(listed.slice(0, -1).every((page) => page.KeyCount === maxKeys)).toBe(true);
  });

  it('a listing with a delimiter gives keys and common prefixes merged in order, each once across pages', async () => {
    // Act
    const listed = await listPages({ Prefix: 'mix/', Delimiter: '/', MaxKeys: 2 });

    // Assess: S3 counts common prefixes with keys in a page, and orders them together.
    const entries = listed.flatMap((page) => [
      ...(page.Contents ?? []).map((o) => o.Key!),
      ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
    ]);
    const expected = [...awkward.filter((key) => !key.slice(4).includes('/')), 'mix/a/'].sort(byteOrder);
    expect([...entries].sort(byteOrder)).toEqual(expected);
    expect(new Set(entries).size).toBe(entries.length);
    for (const [i, page] of listed.entries()) {
      const last = [...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!)]
        .sort(byteOrder)
        .at(-1);
      const next = listed[i + 1];
      const first =
        next && [...(next.Contents ?? []).map((o) => o.Key!), ...(next.CommonPrefixes ?? []).map((p) => p.Prefix!)].sort(byteOrder)[0];
      if (last !== undefined && first !== undefined) expect(byteOrder(last, first)).toBeLessThan(0);
    }
  });

  it('objects keep their size and ETag in a page', async () => {
    // Act
    const [page] = await listPages({ Prefix: 'mix/a.txt', MaxKeys: 1 });

    // Assess
    expect(page?.Contents?.[0]).toMatchObject({
      Key: 'mix/a.txt',
      Size: Buffer.byteLength('mix/a.txt'),
      ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
    });
  });

  it("the publisher's listing of more than 1,000 article keys, photos in a folder among them, has each key once", async () => {
    // Prepare
    const storage = new S3Storage({ client, bucket, prefix: 'site/' });

    // Act
    const listed = (await storage.list('articles/')).map((object) => object.key);

    // Assess
    expect(listed).toHaveLength(pages.length + photos.length);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort(byteOrder)).toEqual([...pages, ...photos].map((key) => key.slice('site/'.length)).sort(byteOrder));
  });
});
