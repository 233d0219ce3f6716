/**
 * How a publish run behaves when S3 answers oddly. A manifest GET that fails in every
 * way but "there is none", LIST pages that fail, repeat a key or hand back the token they were
 * given, ETags in another form, PUTs answered without an ETag or with 412 / 503 / ExpiredToken,
 * DELETEs refused. Most runs go over HTTP to the small S3 of fake-s3.ts, so that the SDK's own
 * parsing and retries take part; shapes that server cannot produce use aws-sdk-client-mock on
 * one client. What an operator relies on: a clear error naming the key and the reason, nothing
 * published replaced by something worse, no published link to a missing page, and the next
 * healthy run converging to the bytes of a clean publish.
 */
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../handlers/publish.js';
import { loadPublishSettings } from '../../src/config.js';
import { publish, PublishError, type PublishDependencies, type PublishSummary } from '../../src/publish/publish.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { StorageError } from '../../src/storage/storage.js';
import { bucketPublishDependencies } from '../../src/wiring.js';
import { captureLog, fixtureEvent, lambdaContext } from '../handlers/support.js';
import { isDocument, reachable } from '../publish/site-links.js';
import { fakeBucket, md5, seed, SITE, testFeedConfig, text, utf8 } from '../publish/support.js';
import { FAKE_BUCKET, type FakeAction, type FakeRequest, type FakeS3, startFakeS3 } from './fake-s3.js';

const BUCKET = FAKE_BUCKET;
const MANIFEST = '_publish/manifest.json';
const NOW = new Date('2026-03-01T06:00:00.000Z');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Seven articles: one of them leaving is 1/7 of the site, inside the unpublish guard's 20 %. */
const SEEDS: Readonly<Record<string, string>> = {
  '2026-02-01-harbour.txt': seed('2026-02-01', 'Harbour Ferry Returns', 'The ferry runs again from Monday.'),
  '2026-02-03-bridge.txt': seed('2026-02-03', 'Bridge Opens', 'A footbridge now links the two banks.'),
  '2026-02-05-budget.txt': seed('2026-02-05', 'Budget Passed', 'The council voted 31 to 6.'),
  '2026-02-07-market.txt': seed('2026-02-07', 'Market Hall Reopens', 'Traders are back under the old roof.'),
  '2026-02-09-river.txt': seed('2026-02-09', 'River Walk Extended', 'The path now reaches the harbour.'),
  '2026-02-11-library.txt': seed('2026-02-11', 'Library Stays Open Late', 'Reading rooms now close at ten.'),
  '2026-02-13-tram.txt': seed('2026-02-13', 'Tram Line Tested', 'The first car ran at dawn.'),
};
const ADDED = { '2026-02-20-school.txt': seed('2026-02-20', 'School Roof Mended', 'Pupils are back in the east wing.') };
const ADDED_PAGE = 'articles/2026-02-20-school-roof-mended.html';
const HARBOUR_PAGE = 'articles/2026-02-01-harbour-ferry-returns.html';

let fake: FakeS3;
/** A second bucket, for the clean publish a run that recovers is compared with. */
let reference: FakeS3;
const clients: S3Client[] = [];

beforeAll(async () => {
  [fake, reference] = await Promise.all([startFakeS3(), startFakeS3()]);
});

afterAll(async () => {
  await Promise.all([fake.close(), reference.close()]);
});

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  fake.reset();
  reference.reset();
  vi.restoreAllMocks();
});

/** The client production builds (createS3Client), pointed at a fake S3. */
function clientFor(server: FakeS3, options: { requestTimeout?: number } = {}): S3Client {
  const client = createS3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials, ...options });
  clients.push(client);
  return client;
}

/** What the Lambda runs with SEEDS_SOURCE=bucket and SEEDS_PREFIX=seeds/, on the production wiring. */
function bucketDeps(client: S3Client): PublishDependencies {
  return bucketPublishDependencies({
    client,
    feed: testFeedConfig(),
    publish: loadPublishSettings({ FEED_BUCKET: BUCKET, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: 'seeds/' }),
    defaultSeedsDir: '/nonexistent',
    now: () => NOW,
  });
}

const run = (server: FakeS3, options: { requestTimeout?: number } = {}) => publish(bucketDeps(clientFor(server, options)));

function uploadSeeds(server: FakeS3, files: Readonly<Record<string, string>>): void {
  for (const [name, content] of Object.entries(files)) server.objects.set(`seeds/${name}`, { body: Buffer.from(content, 'utf8') });
}

/** Everything a reader can fetch (not the seeds, not the manifest), with the headers it is served with. */
function siteOf(server: FakeS3): Record<string, { body: string; contentType?: string; cacheControl?: string }> {
  return Object.fromEntries(
    [...server.objects]
      .filter(([key]) => key !== MANIFEST && !key.startsWith('seeds/'))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, object]) => [
        key,
        { body: object.body.toString('utf8'), contentType: object.contentType, cacheControl: object.cacheControl },
      ]),
  );
}

/** The site a clean publish of these seeds gives, in the reference bucket. */
async function cleanPublishOf(files: Readonly<Record<string, string>>) {
  reference.reset();
  uploadSeeds(reference, files);
  await run(reference);
  return siteOf(reference);
}

/** Links from the index, the feeds and what they lead to that point at no object. */
function danglingLinks(server: FakeS3): string[] {
  const objects = new Map([...server.objects].map(([key, object]) => [key, { body: new Uint8Array(object.body) }]));
  const missing: string[] = [];
  for (const [from, targets] of reachable(objects))
    for (const target of targets) if (isDocument(target) && !objects.has(target)) missing.push(`${from} → ${target}`);
  return missing;
}

/** The error a run fails with; a run that completes fails the test. */
function failureOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('the run completed, but it was expected to fail');
    },
    (error: unknown) => error as Error,
  );
}

const writes = (server: FakeS3) => server.requests.filter((request) => request.method === 'PUT' || request.method === 'DELETE');

/** A published site of SEEDS, then one article added: the next run has a page, the index and the feeds to write. */
async function publishedThenAdded(): Promise<void> {
  uploadSeeds(fake, SEEDS);
  await run(fake);
  uploadSeeds(fake, ADDED);
  fake.requests.length = 0;
}

// ---------------------------------------------------------------------------------------------

describe('the manifest GET answered with anything but the object or "no such key"', () => {
  const isManifestGet = (request: FakeRequest) => request.method === 'GET' && request.key === MANIFEST;
  it.each<[string, FakeAction, RegExp, { requestTimeout?: number }]>([
    ['403 AccessDenied', { kind: 'answer', status: 403, code: 'AccessDenied' }, /AccessDenied/, {}],
    ['500 InternalError on every attempt', { kind: 'answer', status: 500, code: 'InternalError' }, /InternalError/, {}],
    ['503 SlowDown on every attempt', { kind: 'answer', status: 503, code: 'SlowDown' }, /SlowDown/, {}],
    ['400 ExpiredToken', { kind: 'answer', status: 400, code: 'ExpiredToken' }, /ExpiredToken/, {}],
    ['304 without a body', { kind: 'answer', status: 304 }, /failed: \S/, {}],
    ['a body that stops half way', { kind: 'stall-mid-body' }, /failed: \S/, { requestTimeout: 400 }],
  ])(
    '%s: fails naming the manifest and the reason, writes and deletes nothing, and the next healthy run converges to a clean publish',
    async (_label, action, reason, options) => {
      // Prepare
      await publishedThenAdded();
      const before = siteOf(fake);
      fake.plan = (request) => (isManifestGet(request) ? action : undefined);

      // Act
      const error = await failureOf(run(fake, options));
      const failedWrites = writes(fake);
      const afterFailure = siteOf(fake);
      fake.plan = undefined;
      const healthy = await run(fake);

      // Assess
      expect(error).toBeInstanceOf(PublishError);
      expect(error.message).toContain(`get ${MANIFEST} failed`);
      expect(error.message).toMatch(reason);
      expect(error.message).toContain('nothing was written');
      expect(failedWrites).toEqual([]);
      expect(afterFailure).toEqual(before);
      expect(healthy.objects.writtenKeys).toContain(ADDED_PAGE);
      expect(healthy.warnings).toEqual([]);
      expect(siteOf(fake)).toEqual(await cleanPublishOf({ ...SEEDS, ...ADDED }));
    },
    20_000,
  );
});

describe('listings answered oddly', () => {
  it('a LIST of articles/ whose second page fails on every attempt after the first succeeded: fails naming articles/, writes and deletes nothing', async () => {
    // Prepare
    await publishedThenAdded();
    fake.pageSize = 2;
    const before = siteOf(fake);
    fake.plan = (request) =>
      request.query.get('prefix') === 'articles/' && request.query.has('continuation-token')
        ? { kind: 'answer', status: 500, code: 'InternalError' }
        : undefined;

    // Act
    const error = await failureOf(run(fake));

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain('list articles/ failed: InternalError');
    expect(error.message).toContain('nothing was written');
    expect(writes(fake)).toEqual([]);
    expect(siteOf(fake)).toEqual(before);
  });

  it('seeds listed in pages out of key order: every article stays published and the run after writes nothing', async () => {
    // Prepare: a client whose LIST of seeds/ answers the later keys first.
    const client = clientFor(fake);
    const mock = mockClient(client);
    const bucket = fakeBucket(mock, Object.fromEntries(Object.entries(SEEDS).map(([name, body]) => [`seeds/${name}`, utf8(body)])));
    await publish(bucketDeps(client));
    const seedKeys = () => [...bucket.keys()].filter((key) => key.startsWith('seeds/')).sort();
    mock.on(ListObjectsV2Command, { Prefix: 'seeds/' }).callsFake((input: ListObjectsV2CommandInput) => {
      const keys = seedKeys();
      const page = input.ContinuationToken === undefined ? keys.slice(4) : keys.slice(0, 4);
      return {
        Contents: page.map((Key) => ({ Key, ETag: bucket.get(Key)!.etag, Size: bucket.get(Key)!.body.byteLength })),
        IsTruncated: input.ContinuationToken === undefined,
        ...(input.ContinuationToken === undefined ? { NextContinuationToken: 'rest' } : {}),
      };
    });

    // Act
    const summary = await publish(bucketDeps(client));

    // Assess
    expect(summary.articles).toMatchObject({ seeds: 7, published: 7, rejected: 0, unpublished: 0 });
    expect(summary.objects.written).toBe(0);
  });

  it('a seed listed twice, on both sides of a page boundary: the article stays published, its page and feed entry kept', async () => {
    // Prepare
    const client = clientFor(fake);
    const mock = mockClient(client);
    const bucket = fakeBucket(mock, Object.fromEntries(Object.entries(SEEDS).map(([name, body]) => [`seeds/${name}`, utf8(body)])));
    await publish(bucketDeps(client));
    const seedKeys = () => [...bucket.keys()].filter((key) => key.startsWith('seeds/')).sort();
    // Page one ends with the harbour seed; page two starts with it again.
    mock.on(ListObjectsV2Command, { Prefix: 'seeds/' }).callsFake((input: ListObjectsV2CommandInput) => {
      const keys = seedKeys();
      const page = input.ContinuationToken === undefined ? keys.slice(0, 1) : keys.slice(0);
      return {
        Contents: page.map((Key) => ({ Key, ETag: bucket.get(Key)!.etag, Size: bucket.get(Key)!.body.byteLength })),
        IsTruncated: input.ContinuationToken === undefined,
        ...(input.ContinuationToken === undefined ? { NextContinuationToken: 'page-2' } : {}),
      };
    });

    // Act
    const outcome = await publish(bucketDeps(client)).catch((error: unknown) => error as Error);

    // Assess: a listing S3 could not have given may fail the run, but must not unpublish anything.
    expect(bucket.has(HARBOUR_PAGE)).toBe(true);
    expect(text(bucket.get('rss.xml')!.body)).toContain(`${SITE}${HARBOUR_PAGE}`);
    if (!(outcome instanceof Error)) expect(outcome.articles).toMatchObject({ published: 7, rejected: 0, unpublished: 0 });
  });

  it('a LIST page that hands back the continuation token it was sent: fails naming the prefix instead of reading the same page again and again', async () => {
    // Prepare: the server repeats itself 50 times, then stops (so the test ends either way).
    const client = clientFor(fake);
    const mock = mockClient(client);
    let pages = 0;
    mock.on(ListObjectsV2Command).callsFake(() => {
      pages++;
      return {
        Contents: [{ Key: 'articles/a.html', ETag: '"e-a"', Size: 1 }],
        IsTruncated: pages < 50,
        NextContinuationToken: 'same-token',
      };
    });
    const storage = new S3Storage({ client, bucket: BUCKET });

    // Act
    const outcome = await storage.list('articles/').catch((error: unknown) => error);

    // Assess
    expect(outcome).toBeInstanceOf(StorageError);
    expect(outcome).toMatchObject({ operation: 'list', key: 'articles/' });
    expect(pages).toBeLessThanOrEqual(2);
  });

  it('a server that lists ETags without the quotes its PUT answers carry: the run after a publish writes nothing', async () => {
    // Prepare
    const client = clientFor(fake);
    const mock = mockClient(client);
    const bucket = fakeBucket(mock, Object.fromEntries(Object.entries(SEEDS).map(([name, body]) => [`seeds/${name}`, utf8(body)])));
    mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      const prefix = input.Prefix ?? '';
      const keys = [...bucket.keys()]
        .filter((key) => key.startsWith(prefix) && !(input.Delimiter && key.slice(prefix.length).includes(input.Delimiter)))
        .sort();
      return {
        Contents: keys.map((Key) => ({ Key, ETag: bucket.get(Key)!.etag.replaceAll('"', ''), Size: bucket.get(Key)!.body.byteLength })),
        IsTruncated: false,
      };
    });
    await publish(bucketDeps(client));

    // Act
    const second = await publish(bucketDeps(client));

    // Assess
    expect(second.objects.writtenKeys).toEqual([]);
  });
});

describe('writes answered oddly', () => {
  it('PUTs answered 200 without an ETag (MD5 ETags in the listing): the run completes and the run after writes nothing', async () => {
    // Prepare
    const client = clientFor(fake);
    const mock = mockClient(client);
    const bucket = fakeBucket(mock, Object.fromEntries(Object.entries(SEEDS).map(([name, body]) => [`seeds/${name}`, utf8(body)])));
    mock.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      const current = bucket.get(input.Key!);
      if ((input.IfNoneMatch === '*' && current) || (input.IfMatch !== undefined && current?.etag !== input.IfMatch)) {
        throw Object.assign(new Error('PreconditionFailed'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      }
      const body = Uint8Array.from(input.Body as Uint8Array);
      bucket.set(input.Key!, { key: input.Key!, body, contentType: input.ContentType, cacheControl: input.CacheControl, etag: md5(body) });
      return {};
    });

    // Act
    const first = await publish(bucketDeps(client));
    const second = await publish(bucketDeps(client));

    // Assess
    expect(first.articles).toMatchObject({ published: 7 });
    expect(second.objects.written).toBe(0);
  });

  it('a page PUT answered 412 PreconditionFailed (no condition was sent): fails naming the page, no link to it, and the next run converges', async () => {
    // Prepare
    await publishedThenAdded();
    fake.plan = (request) =>
      request.method === 'PUT' && request.key === ADDED_PAGE ? { kind: 'answer', status: 412, code: 'PreconditionFailed' } : undefined;

    // Act
    const error = await failureOf(run(fake));
    const dangling = danglingLinks(fake);
    fake.plan = undefined;
    await run(fake);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain(`put ${ADDED_PAGE} failed`);
    expect(error.message).toContain('PreconditionFailed');
    expect(dangling).toEqual([]);
    expect(siteOf(fake)).toEqual(await cleanPublishOf({ ...SEEDS, ...ADDED }));
  });

  it('a PUT of rss.xml answered 412 PreconditionFailed (no condition was sent): the error names rss.xml and does not blame another run', async () => {
    // Prepare
    await publishedThenAdded();
    fake.plan = (request) =>
      request.method === 'PUT' && request.key === 'rss.xml' ? { kind: 'answer', status: 412, code: 'PreconditionFailed' } : undefined;

    // Act
    const error = await failureOf(run(fake));

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain('rss.xml');
    expect(error.message).not.toMatch(/another publish run/);
  });

  it('a feed PUT answered 503 SlowDown twice, then accepted: the SDK retries, the run completes and the run after writes nothing', async () => {
    // Prepare
    await publishedThenAdded();
    let throttled = 0;
    fake.plan = (request) =>
      request.method === 'PUT' && request.key === 'feed.json' && throttled++ < 2
        ? { kind: 'answer', status: 503, code: 'SlowDown' }
        : undefined;

    // Act
    const summary = await run(fake);
    const after = await run(fake);

    // Assess
    expect(summary.objects.writtenKeys).toEqual(expect.arrayContaining([ADDED_PAGE, 'feed.json', 'rss.xml']));
    expect(fake.requests.filter((request) => request.method === 'PUT' && request.key === 'feed.json')).toHaveLength(3);
    expect(after.objects.written).toBe(0);
  }, 20_000);

  it('credentials expiring mid-run (400 ExpiredToken from the first write after the pages on): fails naming the key and ExpiredToken, leaves every link resolvable, and the next run converges', async () => {
    // Prepare: one article added, one deleted.
    await publishedThenAdded();
    fake.objects.delete('seeds/2026-02-07-market.txt');
    let expired = false;
    fake.plan = (request) => {
      if (request.method === 'PUT' && !request.key.startsWith('articles/')) expired = true;
      return expired ? { kind: 'answer', status: 400, code: 'ExpiredToken' } : undefined;
    };

    // Act
    const error = await failureOf(run(fake));
    const dangling = danglingLinks(fake);
    fake.plan = undefined;
    await run(fake);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toMatch(/put \S+ failed: ExpiredToken/);
    expect(dangling).toEqual([]);
    const { '2026-02-07-market.txt': _gone, ...remaining } = SEEDS;
    expect(siteOf(fake)).toEqual(await cleanPublishOf({ ...remaining, ...ADDED }));
  });

  it('the DELETE of an unpublished page refused (403 AccessDenied): fails naming the page, the feeds no longer link to it, and the next run deletes it', async () => {
    // Prepare
    uploadSeeds(fake, SEEDS);
    await run(fake);
    fake.objects.delete('seeds/2026-02-01-harbour.txt');
    fake.plan = (request) => (request.method === 'DELETE' ? { kind: 'answer', status: 403, code: 'AccessDenied' } : undefined);

    // Act
    const error = await failureOf(run(fake));
    const rss = fake.objects.get('rss.xml')!.body.toString('utf8');
    fake.plan = undefined;
    const next = await run(fake);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain(`delete ${HARBOUR_PAGE} failed: AccessDenied`);
    expect(rss).not.toContain(HARBOUR_PAGE);
    expect(next.objects.deletedKeys).toEqual([HARBOUR_PAGE]);
    const { '2026-02-01-harbour.txt': _gone, ...remaining } = SEEDS;
    expect(siteOf(fake)).toEqual(await cleanPublishOf(remaining));
  });
});

describe('the handler when S3 throttles a write on every attempt', () => {
  it('rejects for Lambda to retry with one ERROR line naming the key and SlowDown, after a bounded number of attempts; the next invocation converges', async () => {
    // Prepare
    const env = { FEED_BUCKET: BUCKET, SITE_URL: SITE, SEEDS_SOURCE: 'bucket', AWS_REGION: 'us-east-1' };
    const handlerOn = (server: FakeS3) => {
      const client = clientFor(server);
      return createHandler(env, {
        storage: new S3Storage({ client, bucket: BUCKET }),
        seeds: new S3Storage({ client, bucket: BUCKET, prefix: 'seeds/' }),
        now: () => NOW,
      });
    };
    const log = captureLog();
    uploadSeeds(fake, SEEDS);
    const handler = handlerOn(fake);
    await handler(await fixtureEvent('scheduled.json'), lambdaContext('request-0'));
    const linesBefore = log.logLines().length;
    uploadSeeds(fake, ADDED);
    fake.requests.length = 0;
    fake.plan = (request) =>
      request.method === 'PUT' && request.key === 'feed.json' ? { kind: 'answer', status: 503, code: 'SlowDown' } : undefined;

    // Act
    const error = await handler(await fixtureEvent('scheduled.json'), lambdaContext('request-1')).catch((caught: unknown) => caught);
    const lines = log.logLines().slice(linesBefore);
    const attempts = fake.requests.filter((request) => request.method === 'PUT' && request.key === 'feed.json').length;
    const dangling = danglingLinks(fake);
    fake.plan = undefined;
    const next = await handler(await fixtureEvent('scheduled.json'), lambdaContext('request-2'));
    uploadSeeds(reference, { ...SEEDS, ...ADDED });
    await handlerOn(reference)(await fixtureEvent('scheduled.json'), lambdaContext('request-3'));

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(/put feed\.json failed: SlowDown/);
    expect(lines).toEqual([expect.objectContaining({ level: 'ERROR', message: (error as Error).message, trigger: 'schedule' })]);
    expect(attempts).toBe(3);
    expect(dangling).toEqual([]);
    expect((next as PublishSummary).objects.writtenKeys).toContain('feed.json');
    expect(siteOf(fake)).toEqual(siteOf(reference));
  }, 20_000);
});
