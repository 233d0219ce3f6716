import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { StorageError } from '../../src/storage/storage.js';

const s3 = mockClient(S3Client);

function storage(): S3Storage {
  const client = createS3Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return new S3Storage({ client, bucket: 'feeds-bucket', prefix: 'site/' });
}

/** The SDK's streaming body, reduced to the one method S3Storage reads it through. */
function sdkBody(bytes: Uint8Array): GetObjectCommandOutput['Body'] {
  return { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput['Body'];
}

function serviceError(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, message: `${name} from the mock`, $fault: 'client', $metadata: { httpStatusCode } });
}

beforeEach(() => {
  s3.reset();
});

describe('S3Storage.put', () => {
  it('sends the bytes with their length, headers and lower-cased metadata under the prefixed key', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const body = new TextEncoder().encode('<rss>Привет 👋</rss>');

    // Act
    await storage().put('feeds/rss.xml', body, {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
      metadata: { 'Content-Hash': 'sha256-abc' },
    });

    // Assess
    const calls = s3.commandCalls(PutObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({
      Bucket: 'feeds-bucket',
      Key: 'site/feeds/rss.xml',
      Body: body,
      ContentLength: body.byteLength,
      ContentType: 'application/rss+xml; charset=utf-8',
      CacheControl: 'public, max-age=300',
      Metadata: { 'content-hash': 'sha256-abc' },
    });
  });

  it('turns a failed upload into a StorageError naming the key', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(serviceError('SlowDown', 503));

    // Act
    const result = storage().put('feeds/rss.xml', new Uint8Array([1]), { contentType: 'text/plain' });

    // Assess
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.toMatchObject({ operation: 'put', key: 'feeds/rss.xml' });
  });
});

describe('S3Storage.get', () => {
  it('returns the body, headers and metadata of the prefixed key', async () => {
    // Prepare
    const bytes = new TextEncoder().encode('{"title":"Ёлка"}');
    s3.on(GetObjectCommand, { Bucket: 'feeds-bucket', Key: 'site/feed.json' }).resolves({
      Body: sdkBody(bytes),
      ContentType: 'application/feed+json',
      CacheControl: 'max-age=60',
      Metadata: { 'content-hash': 'h1' },
    });

    // Act
    const object = await storage().get('feed.json');

    // Assess
    expect(object).toEqual({
      key: 'feed.json',
      body: bytes,
      contentType: 'application/feed+json',
      cacheControl: 'max-age=60',
      metadata: { 'content-hash': 'h1' },
    });
  });

  it('returns undefined for a missing key', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
    );

    // Act
    const object = await storage().get('articles/gone.html');

    // Assess
    expect(object).toBeUndefined();
  });

  it.each([
    ['AccessDenied', 403],
    ['InternalError', 500],
  ])('turns %s (%i) into a StorageError naming the key, not a missing object', async (name, status) => {
    // Prepare
    const failure = serviceError(name, status);
    s3.on(GetObjectCommand).rejects(failure);

    // Act
    const result = storage().get('articles/a.html');

    // Assess
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.toMatchObject({
      operation: 'get',
      key: 'articles/a.html',
      message: expect.stringContaining('articles/a.html'),
      cause: failure,
    });
  });

  it('treats a missing bucket as an error even though it is a 404', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }),
    );

    // Act
    const result = storage().get('feed.json');

    // Assess
    await expect(result).rejects.toThrow(StorageError);
  });
});

describe('S3Storage.head', () => {
  it('returns size and headers without the body', async () => {
    // Prepare
    s3.on(HeadObjectCommand, { Bucket: 'feeds-bucket', Key: 'site/atom.xml' }).resolves({
      ContentLength: 1234,
      ContentType: 'application/atom+xml',
      Metadata: { 'content-hash': 'h2' },
    });

    // Act
    const head = await storage().head('atom.xml');

    // Assess
    expect(head).toEqual({ key: 'atom.xml', size: 1234, contentType: 'application/atom+xml', metadata: { 'content-hash': 'h2' } });
  });

  it('returns undefined for the body-less 404 that HeadObject gives for a missing key', async () => {
    // Prepare
    s3.on(HeadObjectCommand).rejects(serviceError('NotFound', 404));

    // Act
    const head = await storage().head('atom.xml');

    // Assess
    expect(head).toBeUndefined();
  });
});

describe('S3Storage.list', () => {
  it('follows continuation tokens across pages and strips the prefix', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 'token-1',
        Contents: [{ Key: 'site/articles/a.html' }, { Key: 'site/articles/b.html' }],
      })
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 'token-2',
        Contents: [{ Key: 'site/articles/c.html' }],
      })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'site/articles/d.html' }] });

    // Act
    const keys = await storage().list('articles/');

    // Assess
    expect(keys).toEqual(['articles/a.html', 'articles/b.html', 'articles/c.html', 'articles/d.html']);
    const inputs = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'feeds-bucket', Prefix: 'site/articles/' },
      { Bucket: 'feeds-bucket', Prefix: 'site/articles/', ContinuationToken: 'token-1' },
      { Bucket: 'feeds-bucket', Prefix: 'site/articles/', ContinuationToken: 'token-2' },
    ]);
  });

  it('returns an empty list for an empty page without Contents', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).resolves({ IsTruncated: false, KeyCount: 0 });

    // Act
    const keys = await storage().list('nothing/');

    // Assess
    expect(keys).toEqual([]);
  });

  it('turns a failing page into a StorageError naming the prefix', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ IsTruncated: true, NextContinuationToken: 't', Contents: [{ Key: 'site/a' }] })
      .rejectsOnce(serviceError('InternalError', 500));

    // Act
    const result = storage().list('articles/');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'list', key: 'articles/' });
  });
});
