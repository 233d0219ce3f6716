/**
 * S3Storage as the publish run relies on it: listings that hold every object
 * however many pages they take, conditional manifest writes, abort signals, error shapes and
 * ETags that agree between put, get, list and the MD5 of the bytes. Part against a mocked client, part
 * over HTTP against a small S3 of our own, so the SDK's own request and response handling runs.
 */
import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  NoSuchBucket,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { md5Etag as etagOf } from '../../src/storage/etag.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { PreconditionFailedError, StorageError, type StorageOperation } from '../../src/storage/storage.js';
import { storageContract } from './contract.js';
import { FAKE_BUCKET, type FakeS3, md5Etag, startFakeS3 } from './fake-s3.js';

const BUCKET = FAKE_BUCKET;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const utf8 = (text: string) => new TextEncoder().encode(text);
const md5Hex = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

const clients: S3Client[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

/** A storage whose client alone is mocked, so the HTTP tests below keep the real one. */
function mocked(prefix = 'site/') {
  const client = createS3Client({ region: 'us-east-1', credentials });
  clients.push(client);
  const mock = mockClient(client);
  return { storage: new S3Storage({ client, bucket: BUCKET, prefix }), mock };
}

/** The SDK's streaming body, reduced to the one method S3Storage reads it through. */
function sdkBody(bytes: Uint8Array): GetObjectCommandOutput['Body'] {
  return { transformToByteArray: async () => bytes } as unknown as GetObjectCommandOutput['Body'];
}

function serviceError(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, message: `${name} from the mock`, $fault: 'client', $metadata: { httpStatusCode } });
}

let fake: FakeS3;

beforeAll(async () => {
  fake = await startFakeS3();
});

afterAll(async () => {
  await fake.close();
});

/** The client production builds (createS3Client), pointed at the fake S3. */
function overHttp(prefix = 'site/', timeouts: { requestTimeout?: number } = {}): S3Storage {
  const client = createS3Client({ region: 'us-east-1', endpoint: fake.endpoint, forcePathStyle: true, credentials, ...timeouts });
  clients.push(client);
  return new S3Storage({ client, bucket: BUCKET, prefix });
}

/** Starts each HTTP test from an empty bucket that answers as S3 does. */
function resetFake(): void {
  fake.reset();
}

// ---------------------------------------------------------------------------------------------
// Mocked client
// ---------------------------------------------------------------------------------------------

describe('S3Storage.list over many pages (mocked client)', () => {
  it('collects every object exactly once and in byte order from 30 pages, empty ones included, passing each token on', async () => {
    // Prepare
    const { storage, mock } = mocked('');
    const pages: ListObjectsV2CommandOutput[] = [];
    const expected: string[] = [];
    for (let index = 0; index < 30; index++) {
      // Later pages hold smaller keys, so only a sort of the whole listing puts them in order.
      const keys = index % 3 === 1 ? [] : [`k${String(99 - index)}-b`, `k${String(99 - index)}-a`];
      expected.push(...keys);
      pages.push({
        $metadata: {},
        IsTruncated: index < 29,
        ...(index < 29 && { NextContinuationToken: `token+/=${index + 1}` }),
        ...(keys.length > 0 && { Contents: keys.map((key) => ({ Key: key, ETag: `"${key}"`, Size: key.length })) }),
        KeyCount: keys.length,
      });
    }
    mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      const token = input.ContinuationToken;
      return pages[token === undefined ? 0 : Number(token.slice('token+/='.length))];
    });

    // Act
    const listed = await storage.list('');

    // Assess
    expect(listed.map((object) => object.key)).toEqual([...expected].sort());
    expect(listed).toHaveLength(40);
    expect(listed[0]).toEqual({ key: 'k70-a', etag: '"k70-a"', size: 5 });
    const inputs = mock.commandCalls(ListObjectsV2Command).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(30);
    expect(inputs.map((input) => input.ContinuationToken)).toEqual([
      undefined,
      ...pages.slice(0, 29).map((page) => page.NextContinuationToken),
    ]);
    expect(inputs.every((input) => input.Bucket === BUCKET && input.Prefix === '')).toBe(true);
  });

  it('with recursive false, goes on past a truncated page that holds only common prefixes', async () => {
    // Prepare
    const { storage, mock } = mocked('seeds/');
    mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ IsTruncated: true, NextContinuationToken: 't1', CommonPrefixes: [{ Prefix: 'seeds/drafts/' }], KeyCount: 1 })
      .resolvesOnce({ IsTruncated: false, Contents: [{ Key: 'seeds/zeta.txt', ETag: '"e-z"', Size: 4 }], KeyCount: 1 });

    // Act
    const listed = await storage.list('', { recursive: false });

    // Assess
    expect(listed).toEqual([{ key: 'zeta.txt', etag: '"e-z"', size: 4 }]);
    expect(mock.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });

  it('does not pass off a truncated listing as complete when a page is truncated but has no continuation token', async () => {
    // Prepare
    const { storage, mock } = mocked('seeds/');
    mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ IsTruncated: true, Contents: [{ Key: 'seeds/a.txt', ETag: '"e-a"', Size: 1 }], KeyCount: 1 })
      .resolves({ IsTruncated: false, Contents: [{ Key: 'seeds/b.txt', ETag: '"e-b"', Size: 1 }], KeyCount: 1 });

    // Act
    const result = storage.list('', { recursive: false });

    // Assess
    // Every object, or a failure: a listing short of seeds/b.txt would unpublish that article.
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.toMatchObject({ operation: 'list', key: '' });
  });
});

describe('S3Storage abort signals (mocked client)', () => {
  it('hands the caller’s own signal to the SDK for get and put, and no signal when none is given', async () => {
    // Prepare
    const { storage, mock } = mocked();
    mock.on(GetObjectCommand).resolves({ Body: sdkBody(utf8('x')), ETag: '"e"' });
    mock.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const controller = new AbortController();

    // Act
    await storage.get('a.txt', { signal: controller.signal });
    await storage.put('a.txt', utf8('x'), { contentType: 'text/plain', ifMatch: '"e"', signal: controller.signal });
    await storage.get('b.txt');
    await storage.put('b.txt', utf8('x'), { contentType: 'text/plain' });

    // Assess
    const options = mock.calls().map((call) => (call.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined);
    expect(options).toHaveLength(4);
    expect(options[0]?.abortSignal).toBe(controller.signal);
    expect(options[1]?.abortSignal).toBe(controller.signal);
    expect(options[2]?.abortSignal).toBeUndefined();
    expect(options[3]?.abortSignal).toBeUndefined();
  });
});

describe('S3Storage errors (mocked client)', () => {
  const calls: [StorageOperation, string, (storage: S3Storage) => Promise<unknown>][] = [
    ['get', 'feeds/rss.xml', (storage) => storage.get('feeds/rss.xml')],
    ['put', 'feeds/rss.xml', (storage) => storage.put('feeds/rss.xml', utf8('x'), { contentType: 'application/rss+xml' })],
    ['delete', 'articles/a.html', (storage) => storage.delete('articles/a.html')],
    ['list', 'articles/', (storage) => storage.list('articles/')],
  ];

  it.each(calls)(
    'turns throttling (SlowDown, 503) on %s into a StorageError naming the operation and key, with the cause; its message names the key in the bucket',
    async (operation, key, call) => {
      // Prepare
      const { storage, mock } = mocked();
      const failure = serviceError('SlowDown', 503);
      mock.onAnyCommand().rejects(failure);

      // Act
      const result = call(storage);

      // Assess
      await expect(result).rejects.toThrow(StorageError);
      await expect(result).rejects.not.toThrow(PreconditionFailedError);
      await expect(result).rejects.toMatchObject({
        name: 'StorageError',
        operation,
        key,
        cause: failure,
        message: expect.stringMatching(new RegExp(`^${operation} site/${key} failed: SlowDown`)),
      });
    },
  );

  it.each(calls)('names the bucket when it does not exist, on %s', async (operation, key, call) => {
    // Prepare
    const { storage, mock } = mocked();
    mock.onAnyCommand().rejects(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }));

    // Act
    const result = call(storage);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation, key, message: expect.stringContaining(BUCKET) });
  });

  it('does not read a missing bucket as a failed condition, though an If-Match put gets a 404', async () => {
    // Prepare
    const { storage, mock } = mocked();
    mock
      .on(PutObjectCommand)
      .rejects(new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }));

    // Act
    const result = storage.put('_publish/manifest.json', utf8('{}'), { contentType: 'application/json', ifMatch: '"e"' });

    // Assess
    await expect(result).rejects.toThrow(StorageError);
    await expect(result).rejects.not.toThrow(PreconditionFailedError);
  });

  it('reads a 404 NoSuchKey answer to an If-Match put as a failed condition', async () => {
    // Prepare
    const { storage, mock } = mocked();
    const failure = serviceError('NoSuchKey', 404);
    mock.on(PutObjectCommand).rejects(failure);

    // Act
    const result = storage.put('_publish/manifest.json', utf8('{}'), { contentType: 'application/json', ifMatch: '"gone"' });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ operation: 'put', key: '_publish/manifest.json', cause: failure });
  });
});

describe('the ETag of bytes (md5Etag), as S3 gives it', () => {
  it.each([
    ['text', utf8('<rss>Привет 👋</rss>')],
    ['a zero-length body', new Uint8Array()],
    ['a view into the middle of a larger buffer', new Uint8Array(Buffer.from('xxhelloyy')).subarray(2, 7)],
  ])('is the quoted hex MD5 of exactly the bytes given, for %s', (_label, body) => {
    // Act
    const etag = etagOf(body);

    // Assess
    expect(etag).toBe(
      `"${createHash('md5')
        .update(Buffer.from(Uint8Array.from(body)))
        .digest('hex')}"`,
    );
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('matches what put returns when S3 answers without an ETag', async () => {
    // Prepare
    const { storage, mock } = mocked();
    mock.on(PutObjectCommand).resolves({});
    const body = utf8('{"v":1}');

    // Act
    const { etag } = await storage.put('_publish/manifest.json', body, { contentType: 'application/json' });

    // Assess
    expect(etag).toBe(etagOf(body));
  });
});

describe('S3Storage.delete (mocked client)', () => {
  it('treats a 404 without an error code (NotFound) as already deleted, but not a 403', async () => {
    // Prepare
    const { storage, mock } = mocked();
    mock.on(DeleteObjectCommand, { Key: 'site/articles/gone.html' }).rejects(serviceError('NotFound', 404));
    mock.on(DeleteObjectCommand, { Key: 'site/articles/locked.html' }).rejects(serviceError('AccessDenied', 403));

    // Act
    const gone = storage.delete('articles/gone.html');
    const locked = storage.delete('articles/locked.html');

    // Assess
    await expect(gone).resolves.toBeUndefined();
    await expect(locked).rejects.toMatchObject({ name: 'StorageError', operation: 'delete', key: 'articles/locked.html' });
  });
});

// ---------------------------------------------------------------------------------------------
// Over HTTP, with the SDK's own serialisation, parsing and retries
// ---------------------------------------------------------------------------------------------

describe('S3Storage over HTTP: keys, bodies and ETags', () => {
  afterEach(resetFake);

  it('round-trips keys with spaces, plus signs, XML specials and non-ASCII, with ETags that agree everywhere', async () => {
    // Prepare
    const storage = overHttp('site/');
    const keys = [
      'articles/a b.html',
      'articles/a+b.html',
      'articles/x&y<z>.html',
      'articles/ёлка 🎄.html',
      'articles/ lead.html',
      'articles/cr\rlf.html',
    ];
    const written = new Map<string, string>();

    // Act
    for (const key of keys) written.set(key, (await storage.put(key, utf8(`body of ${key}`), { contentType: 'text/html' })).etag);
    const listed = await storage.list('articles/');
    const got = await Promise.all(keys.map((key) => storage.get(key)));

    // Assess
    expect([...fake.objects.keys()].sort()).toEqual(keys.map((key) => `site/${key}`).sort());
    expect(listed.map((object) => object.key)).toEqual([...keys].sort());
    for (const object of listed) {
      const body = utf8(`body of ${object.key}`);
      expect(object.etag).toBe(written.get(object.key));
      expect(object.etag).toBe(`"${md5Hex(body)}"`);
      expect(object.etag).toBe(etagOf(body));
      expect(object.size).toBe(body.byteLength);
    }
    got.forEach((object, index) => {
      expect(object?.key).toBe(keys[index]);
      expect(object?.etag).toBe(written.get(keys[index]!));
      expect(object?.body).toEqual(utf8(`body of ${keys[index]}`));
    });
  });

  it('returns a body that arrives in many chunks as one plain Uint8Array of exactly its bytes', async () => {
    // Prepare
    const storage = overHttp('');
    const body = new Uint8Array(600_000);
    for (let index = 0; index < body.length; index++) body[index] = (index * 31 + (index >> 8)) & 0xff;
    await storage.put('big.bin', body, { contentType: 'application/octet-stream' });

    // Act
    const object = await storage.get('big.bin');

    // Assess
    expect(Object.getPrototypeOf(object?.body)).toBe(Uint8Array.prototype);
    expect(object?.body.byteLength).toBe(body.byteLength);
    expect(Buffer.compare(object!.body, body)).toBe(0);
    expect(object?.etag).toBe(etagOf(body));
  });

  it('sends the headers put was given, exactly, and gets them back', async () => {
    // Prepare
    const storage = overHttp('site/');

    // Act
    await storage.put('_publish/manifest.json', utf8('{}'), {
      contentType: 'application/json; charset=utf-8',
      cacheControl: 'no-cache',
      ifNoneMatch: '*',
    });
    const object = await storage.get('_publish/manifest.json');

    // Assess
    const put = fake.requests.find((request) => request.method === 'PUT')!;
    expect(put.key).toBe('site/_publish/manifest.json');
    expect(put.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-cache',
      'if-none-match': '*',
      'content-length': '2',
    });
    expect(put.headers['if-match']).toBeUndefined();
    expect(object).toMatchObject({ contentType: 'application/json; charset=utf-8', cacheControl: 'no-cache' });
  });

  it('lists across pages whose opaque tokens hold "+", "/" and "=", in byte order, with and without a delimiter', async () => {
    // Prepare
    const storage = overHttp('site/');
    const keys = ['é.txt', 'b.txt', 'a/z.txt', 'A.txt', 'a-b.txt', 'a/b/c.txt', 'Z.txt', 'c d.txt', 'c+d.txt'];
    for (const key of keys) await storage.put(key, utf8(key), { contentType: 'text/plain' });
    fake.pageSize = 2;
    fake.requests.length = 0;

    // Act
    const all = await storage.list('');
    const top = await storage.list('', { recursive: false });

    // Assess
    expect(all.map((object) => object.key)).toEqual([
      'A.txt',
      'Z.txt',
      'a-b.txt',
      'a/b/c.txt',
      'a/z.txt',
      'b.txt',
      'c d.txt',
      'c+d.txt',
      'é.txt',
    ]);
    expect(top.map((object) => object.key)).toEqual(['A.txt', 'Z.txt', 'a-b.txt', 'b.txt', 'c d.txt', 'c+d.txt', 'é.txt']);
    // Nine objects in pages of two, then seven objects and one common prefix in pages of two.
    expect(fake.requests.filter((request) => request.query.get('list-type') === '2')).toHaveLength(5 + 4);
    expect(
      fake.requests
        .filter((request) => request.query.has('continuation-token'))
        .every((request) => /^1ue\+Gcx\/\d+\+pQ==$/.test(request.query.get('continuation-token')!)),
    ).toBe(true);
  });
});

describe('S3Storage over HTTP: missing keys and S3 error answers', () => {
  afterEach(resetFake);

  it.each([
    ['404 NoSuchKey with its XML body', 404, 'NoSuchKey'],
    ['404 without a body', 404, undefined],
  ])('reads %s from GetObject as no object', async (_label, status, code) => {
    // Prepare
    const storage = overHttp();
    fake.plan = () => ({ kind: 'answer', status, ...(code !== undefined && { code }) });

    // Act
    const object = await storage.get('articles/gone.html');

    // Assess
    expect(object).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });

  it('reads a 403 from GetObject as a failure, not as a missing object', async () => {
    // Prepare
    const storage = overHttp();
    fake.plan = () => ({ kind: 'answer', status: 403, code: 'AccessDenied' });

    // Act
    const result = storage.get('_publish/manifest.json');

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'StorageError',
      operation: 'get',
      key: '_publish/manifest.json',
      message: expect.stringContaining('AccessDenied'),
    });
  });

  it.each([
    [412, 'PreconditionFailed'],
    [409, 'ConditionalRequestConflict'],
  ])('turns a %i %s answer to a conditional put into a PreconditionFailedError', async (status, code) => {
    // Prepare
    const storage = overHttp();
    fake.plan = (request) => (request.method === 'PUT' ? { kind: 'answer', status, code } : undefined);

    // Act
    const result = storage.put('_publish/manifest.json', utf8('{}'), { contentType: 'application/json', ifMatch: '"e"' });

    // Assess
    await expect(result).rejects.toThrow(PreconditionFailedError);
    await expect(result).rejects.toMatchObject({ operation: 'put', key: '_publish/manifest.json', cause: { name: code } });
  });

  it('names the bucket when the server says it does not exist', async () => {
    // Prepare
    const client = createS3Client({ region: 'us-east-1', endpoint: fake.endpoint, forcePathStyle: true, credentials });
    clients.push(client);
    const storage = new S3Storage({ client, bucket: 'no-such-bucket' });

    // Act
    const results = await Promise.allSettled([
      storage.get('a.txt'),
      storage.list(''),
      storage.put('a.txt', utf8('x'), { contentType: 'text/plain', ifMatch: '"e"' }),
    ]);

    // Assess
    const errors = results.map((result) => (result.status === 'rejected' ? (result.reason as Error) : undefined));
    expect(errors.map((error) => error?.name)).toEqual(['StorageError', 'StorageError', 'StorageError']);
    for (const error of errors) expect(error?.message).toContain('no-such-bucket');
  });
});

describe('S3Storage over HTTP: abort signals', () => {
  afterEach(resetFake);

  it.each([
    ['get', (storage: S3Storage, signal: AbortSignal) => storage.get('feed.xml', { signal })],
    [
      'put',
      (storage: S3Storage, signal: AbortSignal) => storage.put('feed.xml', utf8('<rss/>'), { contentType: 'application/rss+xml', signal }),
    ],
  ])('abandons a %s the server does not answer as soon as the signal fires, without retrying', async (_operation, call) => {
    // Prepare
    const storage = overHttp();
    const controller = new AbortController();
    let started = Number.NaN;
    // Fired once the request is at the server, not on a clock that starts before the client has sent it.
    fake.plan = () => {
      setTimeout(() => {
        started = performance.now();
        controller.abort(new Error('the Lambda is about to time out'));
      }, 50);
      return { kind: 'stall' };
    };

    // Act
    const error = await call(storage, controller.signal).catch((caught: unknown) => caught);

    // Assess
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(StorageError);
    expect(((error as StorageError).cause as Error).name).toBe('AbortError');
    expect(fake.requests).toHaveLength(1);
  });

  it('sends nothing when the signal has already fired', async () => {
    // Prepare
    const storage = overHttp();
    const controller = new AbortController();
    controller.abort(new Error('stop'));

    // Act
    const get = storage.get('feed.xml', { signal: controller.signal });
    const put = storage.put('feed.xml', utf8('<rss/>'), { contentType: 'application/rss+xml', signal: controller.signal });

    // Assess
    await expect(get).rejects.toThrow(StorageError);
    await expect(put).rejects.toThrow(StorageError);
    expect(fake.requests).toHaveLength(0);
    expect(fake.objects.size).toBe(0);
  });

  it('abandons a get whose body stops arriving once the signal fires, well before the request timeout', async () => {
    // Prepare
    const storage = overHttp('', { requestTimeout: 20_000 });
    fake.objects.set('archive/1.html', { body: Buffer.alloc(200_000, 0x61) });
    fake.plan = (request) => (request.method === 'GET' ? { kind: 'stall-mid-body' } : undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the Lambda is about to time out')), 150);
    const started = performance.now();

    // Act
    const result = storage.get('archive/1.html', { signal: controller.signal });

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'StorageError', operation: 'get', key: 'archive/1.html' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('S3Storage over HTTP: a conditional put retried by the SDK', () => {
  afterEach(resetFake);

  it.each([
    ['ifNoneMatch "*" (the first manifest)', undefined],
    ['ifMatch the ETag read (every later manifest)', utf8('{"v":1}')],
  ])(
    'reports success, not another writer, when S3 applied the first attempt of a put with %s and only its answer was lost',
    async (_label, before) => {
      // Prepare
      const storage = overHttp('', { requestTimeout: 300 });
      const key = '_publish/manifest.json';
      if (before) fake.objects.set(key, { body: Buffer.from(before) });
      let puts = 0;
      fake.plan = (request) => (request.method === 'PUT' && ++puts === 1 ? { kind: 'apply-then-stall' } : undefined);
      const body = utf8('{"v":2}');
      const condition = before ? { ifMatch: md5Etag(before) } : { ifNoneMatch: '*' as const };

      // Act
      const outcome = await storage
        .put(key, body, { contentType: 'application/json', ...condition })
        .catch((error: unknown) => ({ threw: (error as Error).name }));

      // Assess
      expect(outcome).toEqual({ etag: md5Etag(body) });
      expect(fake.objects.get(key)?.body).toEqual(Buffer.from(body));
      expect(puts).toBe(2);
    },
    15_000,
  );
});

let contractPrefixes = 0;
// s3rver ignores conditions; this server enforces them as S3 does, so the contract's conditional
// puts run through S3Storage and the SDK's real parsing of 412 and 404 answers.
storageContract('S3Storage over HTTP against a conditional S3', {
  fresh: async () => overHttp(`contract-${++contractPrefixes}/`),
  enforcesConditions: true,
});
