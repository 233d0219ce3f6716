/**
 * Who may write to the embedded S3: the publisher, whose SDK signs with an Authorization header.
 * A reader's request (a browser, a feed reader, any web page open in the browser) only reads,
 * however it dresses the URL up: s3rver itself takes unsigned writes, and any well-formed
 * Signature V4 with its fixed key, checked or not.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { createS3Client } from '../../src/storage/s3.js';
import { tempDir, type TempDir } from '../publish/support.js';

const bucket = 'feeds';
let dir: TempDir;
let server: EmbeddedS3;
let client: S3Client;

beforeAll(async () => {
  // Prepare (shared): a server with the site's index as the publisher wrote it.
  dir = await tempDir('reader-requests-');
  server = await startEmbeddedS3({ directory: join(dir.path, 'data'), port: 0, bucket, silent: true });
  client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
  await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'index.html', Body: 'the index', ContentType: 'text/html; charset=utf-8' }),
  );
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await dir?.remove();
});

const indexNow = async () =>
  (await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'index.html' }))).Body!.transformToString()) as string;

/** Query parameters of a presigned URL made up on the spot: the shape s3rver takes, a signature it never checks. */
function forgedPresign(): string {
  const now = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  return new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${localS3Credentials.accessKeyId}/${now.slice(0, 8)}/us-east-1/s3/aws4_request`,
    'X-Amz-Date': now,
    'X-Amz-Expires': '900',
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': '0'.repeat(64),
  }).toString();
}

describe('writes to the embedded S3', () => {
  it.each([
    ['an unsigned PUT', () => fetch(`${server.endpoint}/${bucket}/index.html`, { method: 'PUT', body: 'defaced' })],
    ['an unsigned DELETE', () => fetch(`${server.endpoint}/${bucket}/index.html`, { method: 'DELETE' })],
    [
      'a form POST from another site',
      () => {
        const form = new FormData();
        form.set('key', 'index.html');
        form.set('file', new Blob(['defaced']), 'index.html');
        return fetch(`${server.endpoint}/${bucket}/`, { method: 'POST', body: form, headers: { origin: 'https://attacker.example' } });
      },
    ],
    [
      'a PUT to a presigned URL made up on the spot',
      () => fetch(`${server.endpoint}/${bucket}/index.html?${forgedPresign()}`, { method: 'PUT', body: 'defaced' }),
    ],
    [
      'a form POST to a presigned URL made up on the spot',
      () => {
        const form = new FormData();
        form.set('key', 'index.html');
        form.set('file', new Blob(['defaced']), 'index.html');
        return fetch(`${server.endpoint}/${bucket}/?${forgedPresign()}`, { method: 'POST', body: form });
      },
    ],
  ])('refuses %s with 403 and leaves the site as it was', async (_what, send) => {
    // Act
    const response = await send();

    // Assess
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    expect(await indexNow()).toBe('the index');
  });

  it('refuses a key that climbs out of the bucket with ..%2F, to the publisher too, and writes nothing outside its folder', async () => {
    // Act
    const unsigned = await fetch(`${server.endpoint}/${bucket}/..%2F..%2Fescaped.txt`, { method: 'PUT', body: 'out' });
    const signed = await client.send(new PutObjectCommand({ Bucket: bucket, Key: '../../escaped-signed.txt', Body: 'out' })).then(
      () => 'written',
      (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
    );

    // Assess
    expect(unsigned.status).toBe(400);
    expect(signed).toBe(400);
    expect(readdirSync(dir.path).filter((name) => name.startsWith('escaped'))).toEqual([]);
    expect(existsSync(join(dir.path, 'data', 'escaped.txt._S3rver_object'))).toBe(false);
  });

  it('shows a reader nothing outside the bucket: the server’s root is no list of buckets', async () => {
    // Act
    const root = await fetch(`${server.endpoint}/`);

    // Assess
    expect(root.status).toBe(404);
    expect(await root.text()).not.toContain(bucket);
  });

  it('takes the publisher’s signed writes', async () => {
    // Act
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'rss.xml', Body: '<rss/>', ContentType: 'application/xml' }));
    const read = await fetch(`${server.endpoint}/${bucket}/rss.xml`);

    // Assess
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('<rss/>');
  });
});
