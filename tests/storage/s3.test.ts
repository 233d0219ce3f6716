/** S3Storage against a mocked client: the exact requests sent and how each S3 error is read. */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
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
import { PreconditionFailedError, StorageError } from '../../src/storage/storage.js';

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
  it('sends the bytes with their length and headers under the prefixed key, and no condition', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ETag: '"etag-from-s3"' });
    const body = new TextEncoder().encode('<rss>Привет 👋</rss>');

    // Act
    const result = await storage().put('feeds/rss.xml', body, {
      contentType: 'application/rss+xml; charset=utf-8',
      cacheControl: 'public, max-age=300',
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
    });
    expect(result).toEqual({ etag: '"etag-from-s3"' });
  });

  it('falls back to the quoted MD5 of the bytes when the response carries no ETag', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const result = await storage().put('greeting.txt', new TextEncoder().encode('hello'), { contentType: 'text/plain' });

    // Assess
    // md5("hello"), from `md5sum`.
    expect(result).toEqual({ etag: '"5d41402abc4b2a76b9719d911017c592"' });
  });

  it('turns a failed upload into a StorageError naming the key', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(serviceError('SlowDown', 503));

    // Act
    const result = storage().put('feeds/rss.xml', new Uint8Array([1]), { contentType: 'text/plain' });

    // Assess
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.not.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ operation: 'put', key: 'feeds/rss.xml' });
  });
});

// s3rver ignores If-Match and If-None-Match on PutObject, so conditional writes are only
// testable against the SDK mock: these tests pin the request S3 gets and the errors it answers with.
describe('S3Storage conditional put', () => {
  it('sends ifMatch as IfMatch and returns the new ETag', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ETag: '"new-etag"' });

    // Act
    const result = await storage().put('manifest.json', new Uint8Array([1]), { contentType: 'application/json', ifMatch: '"old-etag"' });

    // Assess
    expect(result).toEqual({ etag: '"new-etag"' });
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Key: 'site/manifest.json', IfMatch: '"old-etag"' });
    expect(input).not.toHaveProperty('IfNoneMatch');
  });

  it('sends ifNoneMatch as IfNoneMatch', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ETag: '"new-etag"' });

    // Act
    await storage().put('manifest.json', new Uint8Array([1]), { contentType: 'application/json', ifNoneMatch: '*' });

    // Assess
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ Key: 'site/manifest.json', IfNoneMatch: '*' });
    expect(input).not.toHaveProperty('IfMatch');
  });

  it.each([
    ['PreconditionFailed', 412, { ifMatch: '"old-etag"' }],
    ['PreconditionFailed', 412, { ifNoneMatch: '*' as const }],
    ['ConditionalRequestConflict', 409, { ifMatch: '"old-etag"' }],
  ])('turns %s (%i) into a PreconditionFailedError naming the key', async (name, status, condition) => {
    // Prepare
    const failure = serviceError(name, status);
    s3.on(PutObjectCommand).rejects(failure);

    // Act
    const result = storage().put('manifest.json', new Uint8Array([1]), { contentType: 'application/json', ...condition });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.toMatchObject({ name: 'PreconditionFailedError', operation: 'put', key: 'manifest.json', cause: failure });
  });
});

describe('S3Storage.get', () => {
  it('returns the body, ETag and headers of the prefixed key', async () => {
    // Prepare
    const bytes = new TextEncoder().encode('{"title":"Ёлка"}');
    s3.on(GetObjectCommand, { Bucket: 'feeds-bucket', Key: 'site/feed.json' }).resolves({
      Body: sdkBody(bytes),
      ETag: '"etag-of-feed"',
      ContentType: 'application/feed+json',
      CacheControl: 'max-age=60',
    });

    // Act
    const object = await storage().get('feed.json');

    // Assess
    expect(object).toEqual({
      key: 'feed.json',
      body: bytes,
      etag: '"etag-of-feed"',
      contentType: 'application/feed+json',
      cacheControl: 'max-age=60',
    });
  });

  it('returns undefined for a missing key', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

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

describe('S3Storage.delete', () => {
  it('deletes the prefixed key', async () => {
    // Prepare
    s3.on(DeleteObjectCommand).resolves({});

    // Act
    await storage().delete('articles/old.html');

    // Assess
    expect(s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'feeds-bucket', Key: 'site/articles/old.html' },
    ]);
  });

  it('treats a missing key as already deleted', async () => {
    // Prepare
    s3.on(DeleteObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));

    // Act
    const result = storage().delete('articles/gone.html');

    // Assess
    await expect(result).resolves.toBeUndefined();
  });

  it.each([
    ['AccessDenied', 403],
    ['InternalError', 500],
  ])('turns %s (%i) into a StorageError naming the key', async (name, status) => {
    // Prepare
    const failure = serviceError(name, status);
    s3.on(DeleteObjectCommand).rejects(failure);

    // Act
    const result = storage().delete('articles/a.html');

    // Assess
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.toMatchObject({ operation: 'delete', key: 'articles/a.html', cause: failure });
  });

  it('treats a missing bucket as an error even though it is a 404', async () => {
    // Prepare
    s3.on(DeleteObjectCommand).rejects(
      new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }),
    );

    // Act
    const result = storage().delete('articles/a.html');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'delete' });
  });
});

describe('S3Storage.list', () => {
  it('follows continuation tokens across pages, strips the prefix and passes ETag and Size through', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 'token-1',
        Contents: [
          { Key: 'site/articles/a.html', ETag: '"e-a"', Size: 10 },
          { Key: 'site/articles/b.html', ETag: '"e-b"', Size: 0 },
        ],
      })
      .resolvesOnce({
        IsTruncated: true,
        NextContinuationToken: 'token-2',
        Contents: [{ Key: 'site/articles/c.html', ETag: '"e-c"', Size: 30 }],
      })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'site/articles/d.html', ETag: '"e-d"', Size: 40 }] });

    // Act
    const listed = await storage().list('articles/');

    // Assess
    expect(listed).toEqual([
      { key: 'articles/a.html', etag: '"e-a"', size: 10 },
      { key: 'articles/b.html', etag: '"e-b"', size: 0 },
      { key: 'articles/c.html', etag: '"e-c"', size: 30 },
      { key: 'articles/d.html', etag: '"e-d"', size: 40 },
    ]);
    const inputs = s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Bucket: 'feeds-bucket', Prefix: 'site/articles/' },
      { Bucket: 'feeds-bucket', Prefix: 'site/articles/', ContinuationToken: 'token-1' },
      { Bucket: 'feeds-bucket', Prefix: 'site/articles/', ContinuationToken: 'token-2' },
    ]);
  });

  it('with recursive false, asks for "/" as delimiter and ignores the CommonPrefixes', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).resolves({
      IsTruncated: false,
      Contents: [{ Key: 'site/index.html', ETag: '"e-i"', Size: 5 }],
      CommonPrefixes: [{ Prefix: 'site/articles/' }],
    });

    // Act
    const listed = await storage().list('', { recursive: false });

    // Assess
    expect(listed).toEqual([{ key: 'index.html', etag: '"e-i"', size: 5 }]);
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'feeds-bucket', Prefix: 'site/', Delimiter: '/' },
    ]);
  });

  it('with recursive false, keeps the delimiter on every page', async () => {
    // Prepare
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ IsTruncated: true, NextContinuationToken: 'token-1', Contents: [{ Key: 'site/a.html', ETag: '"e-a"', Size: 1 }] })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'site/b.html', ETag: '"e-b"', Size: 2 }] });

    // Act
    const listed = await storage().list('', { recursive: false });

    // Assess
    expect(listed.map((object) => object.key)).toEqual(['a.html', 'b.html']);
    expect(s3.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'feeds-bucket', Prefix: 'site/', Delimiter: '/' },
      { Bucket: 'feeds-bucket', Prefix: 'site/', Delimiter: '/', ContinuationToken: 'token-1' },
    ]);
  });

  it('returns the objects sorted by key even if the server does not', async () => {
    // Prepare
    s3.on(ListObjectsV2Command).resolves({
      IsTruncated: false,
      Contents: [
        { Key: 'site/b', ETag: '"e-b"', Size: 1 },
        { Key: 'site/a', ETag: '"e-a"', Size: 1 },
      ],
    });

    // Act
    const listed = await storage().list('');

    // Assess
    expect(listed.map((object) => object.key)).toEqual(['a', 'b']);
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
