/** S3Storage against a real S3 server (s3rver): bytes, ETags, deletes, listings and timeouts. */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { md5Etag } from '../../src/storage/etag.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { StorageError } from '../../src/storage/storage.js';
import { storageContract } from './contract.js';

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
    await s3.put('articles/body.txt', body, { contentType: 'text/plain; charset=utf-8' });
    const object = await s3.get('articles/body.txt');
    const listed = await s3.list('articles/body.txt');

    // Assess
    expect(object?.body).toEqual(body);
    expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([{ key: 'articles/body.txt', size: body.byteLength }]);
  });

  it.each([
    ['a multi-KB UTF-8 body', bigBody],
    ['a zero-length body', new Uint8Array()],
  ])('returns from put the ETag that get and list show, the quoted MD5 of the bytes, for %s', async (_label, body) => {
    // Prepare
    const s3 = storage('etags/');

    // Act
    const { etag } = await s3.put('object.txt', body, { contentType: 'text/plain; charset=utf-8' });
    const object = await s3.get('object.txt');
    const listed = await s3.list('object.txt');

    // Assess
    // The assumption src/storage/etag.ts documents: a single PutObject's ETag is the quoted hex MD5.
    expect(etag).toBe(md5Etag(body));
    expect(object?.etag).toBe(etag);
    expect(listed).toEqual([{ key: 'object.txt', etag, size: body.byteLength }]);
  });

  it('gives a rewritten object the ETag of its new bytes', async () => {
    // Prepare
    const s3 = storage('rewrite/');
    const { etag: before } = await s3.put('a.txt', new TextEncoder().encode('one'), { contentType: 'text/plain' });

    // Act
    const { etag: after } = await s3.put('a.txt', new TextEncoder().encode('two'), { contentType: 'text/plain' });
    const listed = await s3.list('');

    // Assess
    // md5("one") and md5("two"), from `md5sum`.
    expect(before).toBe('"f97c5d29941bfb1b2fdab0874906ab82"');
    expect(after).toBe('"b8a9f715dbb64fd5c56e7783c6820a61"');
    expect(listed).toEqual([{ key: 'a.txt', etag: after, size: 3 }]);
  });

  it('reads the error shapes s3rver really sends for missing keys as undefined', async () => {
    // Prepare
    const s3 = storage();

    // Act
    const object = await s3.get('no/such/key');

    // Assess
    expect(object).toBeUndefined();
  });

  it('deletes an object, and deleting a key that is not there succeeds', async () => {
    // Prepare
    const s3 = storage('deleting/');
    for (const key of ['a.html', 'b.html']) await s3.put(key, new Uint8Array([1]), { contentType: 'text/html' });

    // Act
    await s3.delete('a.html');
    const again = s3.delete('a.html');
    const never = s3.delete('never/written.html');

    // Assess
    await expect(again).resolves.toBeUndefined();
    await expect(never).resolves.toBeUndefined();
    expect(await s3.get('a.html')).toBeUndefined();
    expect((await s3.list('')).map((object) => object.key)).toEqual(['b.html']);
    expect((await plainGet('deleting/a.html')).status).toBe(404);
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
    expect(all.map((object) => object.key)).toEqual(['a.html', 'b.html', 'sub/c.html']);
    expect(sub.map((object) => object.key)).toEqual(['sub/c.html']);
  });

  it('with recursive false, lists only the objects directly under the prefix', async () => {
    // Prepare
    const s3 = storage('flat/');
    for (const key of ['index.html', 'feed.xml', 'articles/a.html', 'articles/deep/b.html', 'articles-index.html']) {
      await s3.put(key, new TextEncoder().encode(key), { contentType: 'text/plain' });
    }

    // Act
    const top = await s3.list('', { recursive: false });
    const articles = await s3.list('articles/', { recursive: false });
    const everything = await s3.list('');

    // Assess
    expect(top).toEqual([
      { key: 'articles-index.html', etag: md5Etag(new TextEncoder().encode('articles-index.html')), size: 19 },
      { key: 'feed.xml', etag: md5Etag(new TextEncoder().encode('feed.xml')), size: 8 },
      { key: 'index.html', etag: md5Etag(new TextEncoder().encode('index.html')), size: 10 },
    ]);
    expect(articles.map((object) => object.key)).toEqual(['articles/a.html']);
    expect(everything).toHaveLength(5);
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
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'streamed-safe.txt',
        Body: Readable.from([Buffer.from(bigBody)]),
        ContentLength: bigBody.byteLength,
      }),
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
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'streamed-trap.txt',
        Body: Readable.from([Buffer.from(bigBody)]),
        ContentLength: bigBody.byteLength,
      }),
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

/** A server on 127.0.0.1 that accepts every connection and never answers: S3 hanging mid-request. */
interface SilentServer {
  readonly endpoint: string;
  /** Connections accepted so far: one per attempt the SDK made. */
  readonly connections: () => number;
  close(): Promise<void>;
}

async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const tcp: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

describe('S3 calls against a server that never answers', () => {
  let silent: SilentServer;
  const clients: S3Client[] = [];

  function silentClient(timeouts: { requestTimeout?: number; maxAttempts?: number } = {}): S3Client {
    const client = createS3Client({
      region: localS3Region,
      endpoint: silent.endpoint,
      forcePathStyle: true,
      credentials: localS3Credentials,
      ...timeouts,
    });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    silent = await startSilentServer();
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await silent.close();
  });

  it('fails a get through S3Storage with a timeout error after a bounded number of attempts', async () => {
    // Prepare
    const s3 = new S3Storage({ client: silentClient({ requestTimeout: 300 }), bucket });
    const before = silent.connections();
    const started = performance.now();

    // Act
    const error = await s3.get('rss.xml').catch((caught: unknown) => caught);

    // Assess
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toContain('rss.xml');
    expect(((error as StorageError).cause as Error).name).toBe('TimeoutError');
    expect(((error as StorageError).cause as Error).message).toMatch(/requestTimeout/);
    // Three attempts of 300 ms plus backoff: far from hanging, and far under a 30 s test or a 60 s Lambda.
    expect(elapsed).toBeGreaterThanOrEqual(3 * 300 - 50);
    expect(elapsed).toBeLessThan(5_000);
    expect(silent.connections() - before).toBe(3);
  }, 15_000);

  it('with the defaults, turns an overrun into an error (not a warning) and bounds each call by 3 s to connect and 10 s to answer', async () => {
    // Prepare
    const client = silentClient();
    const started = performance.now();

    // Act
    // The per-call timeout shortens only the wait; whether an overrun throws comes from createS3Client.
    const error = await client
      .send(new GetObjectCommand({ Bucket: bucket, Key: 'rss.xml' }), { requestTimeout: 200 })
      .catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(5_000);
    // The NodeHttpHandler the SDK built from createS3Client's options.
    const handler = client.config.requestHandler as unknown as { httpHandlerConfigs(): Record<string, unknown> };
    expect(handler.httpHandlerConfigs()).toMatchObject({ connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true });
    expect(await client.config.maxAttempts()).toBe(3);
  }, 15_000);
});

let contractPrefixes = 0;
// Each test gets a prefix of its own in the one bucket, so it starts from an empty storage.
storageContract('S3Storage on s3rver', { fresh: async () => storage(`contract-${++contractPrefixes}/`), enforcesConditions: false });
