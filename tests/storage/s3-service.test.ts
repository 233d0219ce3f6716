/**
 * How S3Storage and the publish run meet what real Amazon S3 does: listings in UTF-8
 * byte order with control characters as numeric character references, ETags that are not the
 * MD5 of the bytes (multipart uploads, SSE-KMS), throttling and internal errors the SDK retries,
 * 409 ConditionalRequestConflict on a conditional write, objects archived to GLACIER, and a stop
 * in the middle of a listing. Everything runs over HTTP against the small S3 of fake-s3.ts, so
 * that the SDK's real serialisation, XML parsing and retries take part.
 */
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPublishSettings } from '../../src/config.js';
import { publish, PublishError, type PublishDependencies } from '../../src/publish/publish.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { PreconditionFailedError } from '../../src/storage/storage.js';
import { bucketPublishDependencies } from '../../src/wiring.js';
import { seed, testFeedConfig } from '../publish/support.js';
import { FAKE_BUCKET, type FakeS3, md5Etag, startFakeS3 } from './fake-s3.js';

const BUCKET = FAKE_BUCKET;
const MANIFEST = '_publish/manifest.json';
const NOW = new Date('2026-03-01T06:00:00.000Z');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

let fake: FakeS3;
const clients: S3Client[] = [];

beforeAll(async () => {
  fake = await startFakeS3();
});

afterAll(async () => {
  await fake.close();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  fake.reset();
});

/** The client production builds (createS3Client), pointed at the fake S3. */
function client(options: { requestTimeout?: number } = {}): S3Client {
  const made = createS3Client({ region: 'us-east-1', endpoint: fake.endpoint, forcePathStyle: true, credentials, ...options });
  clients.push(made);
  return made;
}

function storage(prefix = '', options: { requestTimeout?: number } = {}): S3Storage {
  return new S3Storage({ client: client(options), bucket: BUCKET, prefix });
}

/** What the Lambda runs with SEEDS_SOURCE=bucket and SEEDS_PREFIX=seeds/, on the production wiring. */
function bucketDeps(): PublishDependencies {
  return bucketPublishDependencies({
    client: client(),
    feed: testFeedConfig(),
    publish: loadPublishSettings({ FEED_BUCKET: BUCKET, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: 'seeds/' }),
    defaultSeedsDir: '/nonexistent',
    now: () => NOW,
  });
}

/** An object as an editor's upload leaves it: the ETag S3 gave it, which need not be the MD5 of its bytes. */
function upload(key: string, text: string, etag?: string, storageClass = 'STANDARD'): void {
  const body = Buffer.from(text, 'utf8');
  fake.objects.set(key, { body, etag: etag ?? md5Etag(body), contentType: 'text/plain', storageClass });
}

const SEEDS: Readonly<Record<string, string>> = {
  '2026-02-01-harbour.txt': seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs again from Monday.'),
  '2026-02-03-bridge.txt': seed('2026-02-03', 'Bridge Opens', 'A footbridge now links the two banks.'),
  '2026-02-05-budget.txt': seed('2026-02-05', 'Budget Passed', 'The council voted 31 to 6.'),
  '2026-02-07-market.txt': seed('2026-02-07', 'Market Hall Reopens', 'Traders are back under the old roof.'),
  '2026-02-09-river.txt': seed('2026-02-09', 'River Walk Extended', 'The path now reaches the harbour.'),
};

function uploadSeeds(): void {
  for (const [name, text] of Object.entries(SEEDS)) upload(`seeds/${name}`, text);
}

/** SSE-KMS: every PutObject gets an ETag that is not the MD5 of its bytes (and changes with every write). */
const kmsEtag = () => `"${randomBytes(16).toString('hex')}"`;

/** The error a run fails with; a run that completes fails the test. */
function failureOf(run: Promise<unknown>): Promise<Error> {
  return run.then(
    () => {
      throw new Error('the run completed, but it was expected to fail');
    },
    (error: unknown) => error as Error,
  );
}

const requestsOf = (method: string, keyPrefix = '') =>
  fake.requests.filter((request) => request.method === method && request.key !== '' && request.key.startsWith(keyPrefix));

// ---------------------------------------------------------------------------------------------
// S3Storage against S3's own answers
// ---------------------------------------------------------------------------------------------

describe('S3Storage: keys as S3 lists them', () => {
  // Not covered elsewhere: literal percent sequences (which a decoder would mangle) and control
  // characters, which S3 sends as numeric character references in the listing's XML.
  it('lists keys holding literal "%41", "%2F", "+", spaces and a control character exactly as stored, and reads each back by its listed key', async () => {
    // Prepare
    const seeds = storage('seeds/');
    const names = ['a%41b.txt', 'slash%2Fnot.txt', 'c++ and space.txt', 'bell\u0007.txt', 'tab\tname.txt'];
    for (const name of names) upload(`seeds/${name}`, `text of ${name}`);

    // Act
    const listed = await seeds.list('', { recursive: false });
    const read = await Promise.all(listed.map((object) => seeds.get(object.key)));

    // Assess
    expect(listed.map((object) => object.key).sort()).toEqual([...names].sort());
    read.forEach((object, index) => {
      expect(object?.body).toEqual(utf8(`text of ${listed[index]!.key}`));
    });
    const listRequests = fake.requests.filter((request) => request.query.get('list-type') === '2');
    expect(listRequests.every((request) => !request.query.has('encoding-type'))).toBe(true);
  });

  it('returns the keys in the UTF-8 byte order S3 lists them in, as the Storage contract promises, for names beyond the Basic Multilingual Plane', async () => {
    // Prepare
    const seeds = storage('seeds/');
    // A fullwidth name typed with a Japanese input method (U+FF4E…) and one with an emoji (U+1F389).
    const names = ['2026-03-01-ｎｅｗｓ.txt', '2026-03-01-🎉.txt', '2026-03-01-news.txt'];
    for (const name of names) upload(`seeds/${name}`, name);
    const byteOrder = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

    // Act
    const listed = await seeds.list('', { recursive: false });

    // Assess
    expect(listed.map((object) => object.key)).toEqual(byteOrder);
  });
});

describe('S3Storage: conditional writes in a bucket whose ETags are not MD5s', () => {
  it('reports success, not another writer, when S3 applied the first attempt of an If-Match put in an SSE-KMS bucket and only its answer was lost', async () => {
    // Prepare
    const store = storage('', { requestTimeout: 300 });
    fake.etagOnPut = kmsEtag;
    upload(MANIFEST, '{"v":1}', kmsEtag());
    const before = fake.objects.get(MANIFEST)!.etag;
    let puts = 0;
    fake.plan = (request) => (request.method === 'PUT' && ++puts === 1 ? { kind: 'apply-then-stall' } : undefined);
    const body = utf8('{"v":2}');

    // Act
    const outcome = await store
      .put(MANIFEST, body, { contentType: 'application/json', ifMatch: before })
      .catch((error: unknown) => ({ threw: (error as Error).name }));

    // Assess
    expect(fake.objects.get(MANIFEST)?.body).toEqual(Buffer.from(body));
    expect(outcome).toEqual({ etag: fake.objects.get(MANIFEST)?.etag });
  }, 15_000);
});

// ---------------------------------------------------------------------------------------------
// The publish run against S3's own answers
// ---------------------------------------------------------------------------------------------

describe('publish run: ETags that are not the MD5 of the bytes', () => {
  // Every other test bucket gives MD5 ETags.
  it('settles with a multipart-uploaded seed and SSE-KMS ETags on every object, and rewrites a page re-uploaded behind its back exactly once', async () => {
    // Prepare
    fake.etagOnPut = kmsEtag;
    uploadSeeds();
    // `aws s3 cp` of a large seed: a multipart ETag, "<md5 of the part MD5s>-<parts>".
    upload('seeds/2026-02-11-long.txt', seed('2026-02-11', 'Long Read', 'Many words.'), '"0a1b2c3d4e5f60718293a4b5c6d7e8f9-3"');
    const first = await publish(bucketDeps());
    fake.requests.length = 0;

    // Act
    const second = await publish(bucketDeps());
    const secondRequests = { seedGets: requestsOf('GET', 'seeds/').length, puts: requestsOf('PUT').length };
    const page = first.objects.writtenKeys.find((key) => key.startsWith('articles/'))!;
    const object = fake.objects.get(page)!;
    fake.objects.set(page, { ...object, etag: kmsEtag() });
    const third = await publish(bucketDeps());
    const fourth = await publish(bucketDeps());

    // Assess
    expect(first.articles.published).toBe(6);
    expect(secondRequests).toEqual({ seedGets: 0, puts: 0 });
    expect(second.objects.written).toBe(0);
    expect(third.objects.writtenKeys).toEqual([page]);
    expect(fourth.objects.written).toBe(0);
  });
});

describe('publish run: S3 errors the SDK retries', () => {
  // The other retry tests use the mocked client, which skips the SDK's retries.
  it('publishes every article when a seeds LIST page is answered 503 SlowDown once and a seed GET 500 InternalError once', async () => {
    // Prepare
    uploadSeeds();
    fake.pageSize = 2;
    let listsFailed = 0;
    let getsFailed = 0;
    fake.plan = (request) => {
      if (request.query.get('prefix') === 'seeds/' && request.query.has('continuation-token') && listsFailed++ === 0) {
        return { kind: 'answer', status: 503, code: 'SlowDown' };
      }
      if (request.method === 'GET' && request.key === 'seeds/2026-02-05-budget.txt' && getsFailed++ === 0) {
        return { kind: 'answer', status: 500, code: 'InternalError' };
      }
      return undefined;
    };

    // Act
    const summary = await publish(bucketDeps());

    // Assess
    expect(summary.articles).toMatchObject({ seeds: 5, read: 5, published: 5, rejected: 0 });
    expect(listsFailed).toBeGreaterThan(1);
    expect(getsFailed).toBe(2);
  });

  // unreadable-seeds.test.ts makes the error up instead of letting the SDK parse S3's 403.
  it('publishes the other articles and reports a seed archived to GLACIER (403 InvalidObjectState) as unreadable, without failing the run', async () => {
    // Prepare
    uploadSeeds();
    upload('seeds/2026-02-11-cold.txt', seed('2026-02-11', 'Cold Storage', 'Archived.'), undefined, 'GLACIER');

    // Act
    const summary = await publish(bucketDeps());

    // Assess
    expect(summary.articles).toMatchObject({ seeds: 6, published: 5, rejected: 1 });
    expect(summary.rejected).toEqual([
      { file: '2026-02-11-cold.txt', line: 1, reason: expect.stringContaining('InvalidObjectState'), keptPublished: false },
    ]);
  });
});

describe('publish run: conditional manifest writes', () => {
  it('completes when S3 answers the manifest write 409 ConditionalRequestConflict once and no other run wrote it', async () => {
    // Prepare
    uploadSeeds();
    let conflicts = 0;
    fake.plan = (request) =>
      request.method === 'PUT' && request.key === MANIFEST && conflicts++ === 0
        ? { kind: 'answer', status: 409, code: 'ConditionalRequestConflict' }
        : undefined;

    // Act
    const outcome = await publish(bucketDeps()).catch((error: unknown) => error as Error);

    // Assess
    expect(outcome).not.toBeInstanceOf(Error);
    expect(fake.objects.has(MANIFEST)).toBe(true);
  });
});

describe('S3Storage: a conditional write answered 409 while its own first attempt lands', () => {
  it('takes the 412 that follows its retry after a 409 for its own write when the object then holds its bytes, in an SSE-KMS bucket too', async () => {
    // Prepare: the first attempt fails on the way back (500) but lands a moment later; the SDK's
    // retry meets it in flight (409); the retry after the 409 then finds the condition gone (412).
    const store = storage('');
    fake.etagOnPut = kmsEtag;
    upload(MANIFEST, '{"v":1}', kmsEtag());
    const before = fake.objects.get(MANIFEST)!.etag;
    const body = utf8('{"v":2}');
    let puts = 0;
    fake.plan = (request) => {
      if (request.method !== 'PUT') return undefined;
      puts++;
      if (puts === 1) return { kind: 'answer', status: 500, code: 'InternalError' };
      if (puts === 2) {
        setTimeout(() => upload(MANIFEST, '{"v":2}', kmsEtag()), 50);
        return { kind: 'answer', status: 409, code: 'ConditionalRequestConflict' };
      }
      return undefined;
    };

    // Act
    const outcome = await store
      .put(MANIFEST, body, { contentType: 'application/json', ifMatch: before })
      .catch((error: unknown) => ({ threw: (error as Error).name }));

    // Assess
    expect(puts).toBe(3);
    expect(outcome).toEqual({ etag: fake.objects.get(MANIFEST)?.etag });
  });

  it('still fails as another writer when the object after the 409 holds other bytes', async () => {
    // Prepare: another run's write is in flight (409), then lands with its own bytes (412)
    const store = storage('');
    upload(MANIFEST, '{"v":1}');
    const before = fake.objects.get(MANIFEST)!.etag;
    let puts = 0;
    fake.plan = (request) => {
      if (request.method !== 'PUT') return undefined;
      if (++puts === 1) {
        upload(MANIFEST, '{"other":true}');
        return { kind: 'answer', status: 409, code: 'ConditionalRequestConflict' };
      }
      return undefined;
    };

    // Act
    const outcome = await store
      .put(MANIFEST, utf8('{"v":2}'), { contentType: 'application/json', ifMatch: before })
      .catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(PreconditionFailedError);
    expect(fake.objects.get(MANIFEST)!.body.toString('utf8')).toBe('{"other":true}');
  });
});

describe('publish run: objects the bucket keeps but cannot serve', () => {
  it('puts back, in a plain run, an article page that a lifecycle rule moved to GLACIER, so that the feeds link to a readable page', async () => {
    // Prepare
    uploadSeeds();
    const first = await publish(bucketDeps());
    const page = first.objects.writtenKeys.find((key) => key.startsWith('articles/'))!;
    fake.objects.set(page, { ...fake.objects.get(page)!, storageClass: 'GLACIER' });

    // Act
    await publish(bucketDeps());
    const read = await storage('')
      .get(page)
      .then(
        (object) => object?.body.byteLength,
        (error: unknown) => (error as Error).message,
      );

    // Assess
    expect(fake.objects.get(page)?.storageClass).toBe('STANDARD');
    expect(read).toEqual(expect.any(Number));
  });
});

describe('publish run: failures and stops while listing', () => {
  it('names the seeds prefix when the LIST of seeds/ is refused (403 AccessDenied), not the bucket root', async () => {
    // Prepare
    uploadSeeds();
    fake.plan = (request) =>
      request.query.get('list-type') === '2' && request.query.get('prefix') === 'seeds/'
        ? { kind: 'answer', status: 403, code: 'AccessDenied' }
        : undefined;

    // Act
    const error = await failureOf(publish(bucketDeps()));

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain('AccessDenied');
    expect(error.message).toContain('seeds/');
    expect(error.message).not.toContain('(the root)');
  });

  // No other test stops a run while its listings are under way.
  it('stops, writing nothing, when the deadline fires between two pages of the seeds listing, and says so', async () => {
    // Prepare
    uploadSeeds();
    await publish(bucketDeps());
    upload('seeds/2026-02-11-new.txt', seed('2026-02-11', 'New Story', 'Just in.'));
    fake.pageSize = 2;
    fake.requests.length = 0;
    const controller = new AbortController();
    fake.plan = (request) => {
      if (request.query.get('prefix') === 'seeds/' && request.query.has('continuation-token')) {
        controller.abort(new Error('the Lambda is about to time out'));
      }
      return undefined;
    };

    // Act
    const error = await failureOf(publish(bucketDeps(), { signal: controller.signal }));

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toMatch(/^stopped before the seeds and the bucket were listed: the Lambda is about to time out/);
    expect(error.message).toContain('nothing was written');
    expect(requestsOf('PUT')).toEqual([]);
    expect(requestsOf('DELETE')).toEqual([]);
    expect(requestsOf('GET', 'seeds/')).toEqual([]);
  });
});
