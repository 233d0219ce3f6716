import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';

const bucket = 'feeds-test';
const bigText = 'Съешь же ещё этих мягких французских булок 🥐, да выпей чаю ☕.\n'.repeat(100);
const bigBody = new TextEncoder().encode(bigText);

let directory: string;
let server: EmbeddedS3;

function localClient(): S3Client {
  return createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
}

function storage(prefix?: string): S3Storage {
  return new S3Storage({ client: localClient(), bucket, ...(prefix !== undefined && { prefix }) });
}

/** What a browser or feed reader gets: an unsigned GET of the object's URL. */
async function plainGet(key: string): Promise<Response> {
  return fetch(`${server.endpoint}/${bucket}/${key}`);
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'embedded-s3-'));
  server = await startEmbeddedS3({ directory, port: 0, bucket, silent: true });
});

afterAll(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

describe('S3Storage against s3rver', () => {
  it.each([
    ['a multi-KB UTF-8 body with Cyrillic and emoji', bigBody],
    ['a small body', new TextEncoder().encode('ok')],
    ['a zero-length body', new Uint8Array()],
  ])('gets back exactly the bytes it put, for %s', async (_label, body) => {
    // Prepare
    const s3 = storage('site/');

    // Act
    await s3.put('articles/body.txt', body, { contentType: 'text/plain; charset=utf-8', metadata: { 'content-hash': 'h' } });
    const object = await s3.get('articles/body.txt');
    const head = await s3.head('articles/body.txt');

    // Assess
    expect(object?.body).toEqual(body);
    expect(object?.metadata).toEqual({ 'content-hash': 'h' });
    expect(head?.size).toBe(body.byteLength);
  });

  it('reads the error shapes s3rver really sends for missing keys as undefined', async () => {
    // Prepare
    const s3 = storage();

    // Act
    const object = await s3.get('no/such/key');
    const head = await s3.head('no/such/key');

    // Assess
    expect(object).toBeUndefined();
    expect(head).toBeUndefined();
  });

  it('lists keys under the prefix with the storage prefix stripped', async () => {
    // Prepare
    const s3 = storage('listing/');
    for (const key of ['b.html', 'a.html', 'sub/c.html']) await s3.put(key, new Uint8Array([1]), { contentType: 'text/html' });
    await storage().put('elsewhere.html', new Uint8Array([1]), { contentType: 'text/html' });

    // Act
    const all = await s3.list('');
    const sub = await s3.list('sub/');

    // Assess
    expect(all).toEqual(['a.html', 'b.html', 'sub/c.html']);
    expect(sub).toEqual(['sub/c.html']);
  });

  it('serves a plain GET with the Content-Type and Cache-Control given at put time', async () => {
    // Prepare
    await storage().put('feeds/rss.xml', bigBody, {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
    });

    // Act
    const response = await plainGet('feeds/rss.xml');

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bigBody);
  });

  it('keeps objects across a restart on the same directory', async () => {
    // Prepare
    await storage().put('persisted.txt', bigBody, { contentType: 'text/plain' });
    await server.close();

    // Act
    server = await startEmbeddedS3({ directory, port: 0, bucket, silent: true });
    const object = await storage().get('persisted.txt');

    // Assess
    expect(object?.body).toEqual(bigBody);
  });
});

describe('checksum settings against s3rver', () => {
  it('with createS3Client, even a streamed body is stored as sent', async () => {
    // Prepare
    const client = localClient();

    // Act
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'streamed-safe.txt', Body: Readable.from([Buffer.from(bigBody)]), ContentLength: bigBody.byteLength }),
    );
    const response = await plainGet('streamed-safe.txt');

    // Assess
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bigBody);
  });

  it('documents the trap: a default SDK client streaming a body makes s3rver store the aws-chunked framing', async () => {
    // Prepare
    const defaultClient = new S3Client({
      region: localS3Region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: localS3Credentials,
    });

    // Act
    await defaultClient.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'streamed-trap.txt', Body: Readable.from([Buffer.from(bigBody)]), ContentLength: bigBody.byteLength }),
    );
    const response = await plainGet('streamed-trap.txt');
    const stored = Buffer.from(await response.arrayBuffer());

    // Assess
    expect(response.headers.get('content-encoding')).toBe('aws-chunked');
    expect(stored.byteLength).toBeGreaterThan(bigBody.byteLength);
    // The stored object starts with the hex chunk size and ends with the checksum trailer.
    expect(stored.subarray(0, 20).toString('latin1')).toMatch(/^[0-9a-f]+\r\n/);
    expect(stored.toString('latin1')).toMatch(/x-amz-checksum-[a-z0-9]+:/);
  });
});
