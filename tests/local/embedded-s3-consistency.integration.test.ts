/**
 * The embedded S3 while a run writes: a reader's GET gets the whole old object or the whole new
 * one, with the length it says, as from S3, never a truncated body or one length over other
 * bytes. Readers poll `npm start` while it republishes; here they poll while one key is
 * rewritten again and again, and the listing never shows the temp files writes go through.
 */
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedS3, localS3Credentials, localS3Region, startEmbeddedS3 } from '../../src/local/embedded-s3.js';
import { createS3Client } from '../../src/storage/s3.js';
import { type TempDir, tempDir } from '../publish/support.js';

const bucket = 'feeds';
let dir: TempDir;
let server: EmbeddedS3;
let client: S3Client;

beforeAll(async () => {
  dir = await tempDir('embedded-s3-consistency-');
  server = await startEmbeddedS3({ directory: dir.path, port: 0, bucket });
  client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await dir?.remove();
});

/** A reader's GET: the status, the Content-Length it announced, and the bytes it got (even when cut short). */
function readerGet(url: string): Promise<{ status: number; length: number; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = (complete: boolean) =>
        resolve({ status: res.statusCode ?? 0, length: Number(res.headers['content-length']), body: Buffer.concat(chunks), complete });
      res.on('end', () => done(res.complete));
      res.on('aborted', () => done(false));
      res.on('error', () => done(false));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Two versions of a document of very different sizes, each recognisable whole. */
const versions = [Buffer.alloc(3 * 2 ** 20, 'a'), Buffer.alloc(40 * 2 ** 10, 'b')];

describe('the embedded S3 while an object is rewritten', () => {
  it('answers every GET with one whole version, at the length it announces', async () => {
    // Prepare
    const key = 'rss.xml';
    const url = `${server.endpoint}/${bucket}/${key}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: versions[0], ContentType: 'application/rss+xml' }));
    let writing = true;

    // Act: 30 rewrites, alternating the versions, while readers keep reading
    const writer = (async () => {
      for (let i = 1; i <= 30; i++) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: versions[i % 2], ContentType: 'application/rss+xml' }));
      }
      writing = false;
    })();
    const seen: { status: number; length: number; body: Buffer; complete: boolean }[] = [];
    const readers = Array.from({ length: 4 }, async () => {
      while (writing) seen.push(await readerGet(url));
    });
    await Promise.all([writer, ...readers]);

    // Assess
    const broken = seen.filter(
      (got) =>
        got.status !== 200 || !got.complete || got.body.length !== got.length || !versions.some((version) => version.equals(got.body)),
    );
    expect(
      broken.map((got) => `${got.status} announced ${got.length} got ${got.body.length}${got.complete ? '' : ' (cut short)'}`),
    ).toEqual([]);
    // Enough reads to have met the writes (a reader left waiting on a cut body reads far fewer).
    expect(seen.length).toBeGreaterThan(10);
  });

  it('answers a GET right after a PUT with the new bytes', async () => {
    // Prepare
    const key = 'atom.xml';
    const url = `${server.endpoint}/${bucket}/${key}`;

    for (let i = 0; i < 20; i++) {
      // Act
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: versions[i % 2], ContentType: 'application/atom+xml' }));
      const got = await readerGet(url);

      // Assess
      expect(got.body.equals(versions[i % 2]!), `GET after PUT ${i}: ${got.body.length} bytes`).toBe(true);
    }
  });

  it('lists the objects only, not the files a write goes through, and deletes as before', async () => {
    // Prepare
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: `articles/a-${i}.html`, Body: versions[1] })),
      ),
    );

    // Act
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'articles/a-0.html' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'articles/' }));

    // Assess
    const keys = (listed.Contents ?? []).map((object) => object.Key);
    expect(keys).toHaveLength(19);
    expect(keys.every((key) => /^articles\/a-\d+\.html$/.test(key!))).toBe(true);
    expect((await readerGet(`${server.endpoint}/${bucket}/articles/a-0.html`)).status).toBe(404);
  });
});
