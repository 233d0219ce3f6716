/**
 * S3 requests per run, counted on the real client (its calls to an aws-sdk-client-mock bucket
 * that behaves like S3), with the seeds kept in the same bucket: what a run costs.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadPublishSettings } from '../../src/config.js';
import { publish, PublishError } from '../../src/publish/publish.js';
import { bucketPublishDependencies } from '../../src/wiring.js';
import { BUCKET, fakeBucket, mockedClient, mockS3, seed, serviceError, testFeedConfig, THREE_SEEDS, utf8 } from './support.js';

const s3 = mockS3();
const NOW = new Date('2026-03-01T06:00:00.000Z');
const MANIFEST = '_publish/manifest.json';

const FIVE_SEEDS: Readonly<Record<string, string>> = {
  ...THREE_SEEDS,
  '2026-02-07-market.txt': seed('2026-02-07', 'Market Hall Reopens', 'Traders are back under the old roof.'),
  '2026-02-09-river.txt': seed('2026-02-09', 'River Walk Extended', 'The path now reaches the harbour.'),
};

function deps() {
  const settings = loadPublishSettings({ FEED_BUCKET: BUCKET, SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: 'seeds/' });
  return bucketPublishDependencies({
    client: mockedClient(),
    feed: testFeedConfig(),
    publish: settings,
    defaultSeedsDir: '/nonexistent',
    now: () => NOW,
  });
}

/** Requests since the last reset, by kind; seed GETs apart from the manifest's. */
function requests() {
  const gets = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key!);
  return {
    list: s3.commandCalls(ListObjectsV2Command).length,
    getSeed: gets.filter((key) => key.startsWith('seeds/')).length,
    getOther: gets.filter((key) => !key.startsWith('seeds/')),
    put: s3.commandCalls(PutObjectCommand).length,
    delete: s3.commandCalls(DeleteObjectCommand).length,
  };
}

let bucket: ReturnType<typeof fakeBucket>;

beforeEach(async () => {
  s3.reset();
  bucket = fakeBucket(s3, Object.fromEntries(Object.entries(FIVE_SEEDS).map(([name, text]) => [`seeds/${name}`, utf8(text)])));
  await publish(deps());
  s3.resetHistory();
});

const seedKey = (name: string) => `seeds/${name}`;

describe('S3 requests per run, seeds in the bucket', () => {
  it('first run: four LISTs, the manifest GET, every seed once, every object once', async () => {
    // Prepare
    s3.reset();
    bucket = fakeBucket(s3, Object.fromEntries(Object.entries(FIVE_SEEDS).map(([name, text]) => [seedKey(name), utf8(text)])));

    // Act
    await publish(deps());

    // Assess: five pages, the index, three feeds, the 404 page, feed.css and the manifest.
    expect(requests()).toEqual({ list: 4, getSeed: 5, getOther: [MANIFEST], put: 12, delete: 0 });
  });

  it('unchanged: the LIST pages and the manifest, nothing else', async () => {
    // Act
    const summary = await publish(deps());

    // Assess
    expect(requests()).toEqual({ list: 4, getSeed: 0, getOther: [MANIFEST], put: 0, delete: 0 });
    expect(summary.objects.written).toBe(0);
  });

  it('one added: one seed GET and six PUTs (its page, the index, three feeds, the manifest)', async () => {
    // Prepare
    bucket.set(seedKey('2026-02-20-park.txt'), {
      key: seedKey('2026-02-20-park.txt'),
      body: utf8(seed('2026-02-20', 'Park Gates Open', 'Dawn.')),
      contentType: 'text/plain',
      cacheControl: undefined,
      etag: '"park-1"',
    });

    // Act
    await publish(deps());

    // Assess
    expect(requests()).toEqual({ list: 4, getSeed: 1, getOther: [MANIFEST], put: 6, delete: 0 });
  });

  it('one edited: one seed GET and six PUTs', async () => {
    // Prepare
    const key = seedKey('2026-02-03-bridge.txt');
    bucket.set(key, {
      key,
      body: utf8(seed('2026-02-03', 'Bridge Opens', 'Lit at night now.')),
      contentType: 'text/plain',
      cacheControl: undefined,
      etag: '"bridge-2"',
    });

    // Act
    await publish(deps());

    // Assess
    expect(requests()).toEqual({ list: 4, getSeed: 1, getOther: [MANIFEST], put: 6, delete: 0 });
  });

  it('one deleted: no seed GET, five PUTs (index, feeds, manifest) and one DELETE, of its page', async () => {
    // Prepare
    bucket.delete(seedKey('2026-02-07-market.txt'));

    // Act
    await publish(deps());

    // Assess
    expect(requests()).toEqual({ list: 4, getSeed: 0, getOther: [MANIFEST], put: 5, delete: 1 });
    expect(s3.commandCalls(DeleteObjectCommand)[0]!.args[0].input.Key).toBe('articles/2026-02-07-market-hall-reopens.html');
  });

  it('deletes nothing outside articles/, whatever the bucket holds', async () => {
    // Prepare: everything gone at once, forced past the guard.
    for (const name of Object.keys(FIVE_SEEDS)) bucket.delete(seedKey(name));
    bucket.set('seeds/keep.txt', {
      key: 'seeds/keep.txt',
      body: utf8(seed('2026-02-11', 'Kept', 'Still here.')),
      contentType: 'text/plain',
      cacheControl: undefined,
      etag: '"k"',
    });

    // Act
    await publish(deps(), { force: true });

    // Assess
    const deleted = s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input.Key!);
    expect(deleted).toHaveLength(5);
    for (const key of deleted) expect(key).toMatch(/^articles\/[^/]+\.html$/);
  });

  it('follows LIST pages past the first 1,000 keys', async () => {
    // Prepare: a bucket that answers two keys a page.
    s3.reset();
    bucket = fakeBucket(
      s3,
      Object.fromEntries(Object.entries(FIVE_SEEDS).map(([name, text]) => [seedKey(name), utf8(text)])),
      new Map(),
      2,
    );
    await publish(deps());
    s3.resetHistory();

    // Act
    const summary = await publish(deps());

    // Assess: every object seen in the listing, so nothing is rewritten.
    expect(summary.objects.written).toBe(0);
    expect(requests().list).toBeGreaterThan(4);
  });
});

describe('the manifest write is conditional', () => {
  it('sends If-None-Match: * when there was no manifest, and If-Match with the ETag read otherwise', async () => {
    // Prepare
    s3.reset();
    bucket = fakeBucket(s3, Object.fromEntries(Object.entries(FIVE_SEEDS).map(([name, text]) => [seedKey(name), utf8(text)])));
    await publish(deps());
    const created = s3
      .commandCalls(PutObjectCommand)
      .map((call) => call.args[0].input as PutObjectCommandInput)
      .find((input) => input.Key === MANIFEST)!;
    const etag = bucket.get(MANIFEST)!.etag;
    bucket.delete(seedKey('2026-02-07-market.txt'));
    s3.resetHistory();

    // Act
    await publish(deps());

    // Assess
    expect(created.IfNoneMatch).toBe('*');
    expect(created.IfMatch).toBeUndefined();
    const updated = s3
      .commandCalls(PutObjectCommand)
      .map((call) => call.args[0].input as PutObjectCommandInput)
      .find((input) => input.Key === MANIFEST)!;
    expect(updated.IfMatch).toBe(etag);
  });

  it('fails with a clear message when another run wrote the manifest in between (412), and the next run converges', async () => {
    // Prepare: the bucket answers the manifest write with 412, as S3 does when the ETag no longer matches.
    bucket.delete(seedKey('2026-02-07-market.txt'));
    const failures = new Map([[MANIFEST, serviceError('PreconditionFailed', 412)]]);
    const objects = new Map(bucket);
    s3.reset();
    bucket = fakeBucket(s3, {}, failures);
    for (const [key, object] of objects) bucket.set(key, object);

    // Act
    const run = publish(deps());

    // Assess
    await expect(run).rejects.toBeInstanceOf(PublishError);
    await expect(run).rejects.toThrow(/another publish run wrote _publish\/manifest\.json while this one ran/);
    failures.clear();
    await publish(deps());
    expect(bucket.has(MANIFEST)).toBe(true);
    expect((await publish(deps())).objects.written).toBe(0);
    expect(bucket.has('articles/2026-02-07-market-hall-reopens.html')).toBe(false);
  });
});
