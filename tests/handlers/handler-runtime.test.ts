/**
 * The publish handler as a demanding operator meets it, beyond publish.test.ts and
 * handler-edges.test.ts: the deadline with contexts and buckets those tests do not cover, what the
 * ERROR line of a failed run carries, the size of the summary line with long seed names, and the
 * state a warm container carries from one invocation to the next.
 */
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler, type InvocationContext } from '../../handlers/publish.js';
import type { Env } from '../../src/config.js';
import { PublishError } from '../../src/publish/publish.js';
import {
  BUCKET,
  fakeBucket,
  mockS3,
  putCalls,
  seed,
  serviceError,
  tempDir,
  THREE_SEEDS,
  utf8,
  writeSeeds,
  type TempDir,
} from '../publish/support.js';
import { captureLog, slowS3, completed, fixtureEvent, handlerEnv, lambdaContext, onFakeClock, type CapturedLog } from './support.js';

// Mocks every S3Client, so the client createHandler builds from the environment is this mock.
const s3 = mockS3();

const NOW = new Date('2026-03-01T06:00:00.000Z');
const MANIFEST = '_publish/manifest.json';
/** Three pages, the index, three feeds, the 404 page and feed.css. */
const ALL_OBJECTS = 9;
/** CloudWatch Logs takes at most 256 KiB per event; Lambda cuts a longer line, which is then no JSON. */
const CLOUDWATCH_EVENT_BYTES = 256 * 1024;

let dir: TempDir;
let seeds: string;
let log: CapturedLog;
const rawLines = () => log.rawLines();
const logLines = () => log.logLines();
const event = fixtureEvent;
const env = (extra: Env = {}) => handlerEnv(seeds, extra);

/** Seeds kept in the bucket under `seeds/` (SEEDS_SOURCE=bucket), so every read goes through the S3 mock. */
function bucketSeedsEnv(extra: Env = {}): Env {
  return { FEED_BUCKET: BUCKET, SITE_URL: 'https://news.example.org/', SEEDS_SOURCE: 'bucket', AWS_REGION: 'us-east-1', ...extra };
}

function handlerFor(environment: Env = env()) {
  return createHandler(environment, { now: () => NOW });
}

beforeEach(async () => {
  s3.reset();
  dir = await tempDir('handler-runtime-');
  seeds = join(dir.path, 'seeds');
  await writeSeeds(seeds, THREE_SEEDS);
  log = captureLog();
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await dir.remove();
});

describe('handler: the deadline', () => {
  it('with a context that reports weeks of time left, publishes as usual instead of stopping at once', async () => {
    // Prepare: S3 answering each request in 20 ms, as a real bucket takes a little time.
    fakeBucket(s3);
    slowS3(() => 20);
    const context: InvocationContext = { ...lambdaContext('request-1'), getRemainingTimeInMillis: () => 30 * 24 * 3600 * 1000 };

    // Act
    const outcome = await completed(handlerFor()(await event('scheduled.json'), context)).then(
      (summary) => ({ summary, error: undefined }),
      (error: unknown) => ({ summary: undefined, error }),
    );

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary?.objects.written).toBe(ALL_OBJECTS);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', message: 'published' })]);
  });

  it('with 60 s left and S3 answering each LIST page in 9 s, settles and logs before Lambda times out', async () => {
    // Prepare: 12 seeds in the bucket, listed one per page.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const files: Record<string, Uint8Array> = {};
    for (let n = 1; n <= 12; n++) {
      const day = `2026-02-${String(n).padStart(2, '0')}`;
      files[`seeds/${day}-note-${n}.txt`] = utf8(seed(day, `Note ${n}`, `Paragraph ${n}.`));
    }
    fakeBucket(s3, files, new Map(), 1);
    slowS3((command) => (command instanceof ListObjectsV2Command ? 9_000 : 50));

    // Act
    const run = await onFakeClock(() => handlerFor(bucketSeedsEnv())({}, lambdaContext('request-1', 60_000)), 200_000);

    // Assess
    expect(run.settledAt).toBeDefined();
    expect(run.settledAt!).toBeLessThan(60_000);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', function_request_id: 'request-1' })]);
  });

  it('a run stopped by the deadline on a forced republish logs a WARN line with force and what it wrote, and the bucket keeps a consistent site', async () => {
    // Prepare: a published site, then a forced run with S3 answering each PUT in 400 ms and 3 s left.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const bucket = fakeBucket(s3);
    const handler = handlerFor();
    await onFakeClock(() => handler({}), 10_000);
    const before = new Map([...bucket].map(([key, object]) => [key, object.etag]));
    s3.resetHistory();
    log.written.length = 0;
    slowS3((command) => (command instanceof PutObjectCommand ? 400 : 10));

    // Act
    const stopped = await onFakeClock(() => handler({ force: true }, lambdaContext('request-2', 3_000)), 10_000);

    // Assess
    // It saved its progress: a WARN line and a result, no error for Lambda to retry or alarm on.
    expect(stopped.error).toBeUndefined();
    expect(stopped.stopped?.stopped).toMatch(/^stopped before .*before the Lambda timeout/);
    const [line] = logLines();
    expect(line).toMatchObject({ level: 'WARN', stopped: true, trigger: 'manual', force: true, dryRun: false });
    // What the line says was written is exactly what S3 took (the manifest aside), and not everything.
    const written = putCalls(s3)
      .map((put) => put.key)
      .filter((key) => key !== MANIFEST);
    expect([...(line!.objects as { writtenKeys: string[] }).writtenKeys].sort()).toEqual([...written].sort());
    expect(written.length).toBeLessThan(ALL_OBJECTS);
    // Every object the site had is still there: a stopped run deletes nothing.
    for (const key of before.keys()) expect(bucket.has(key), key).toBe(true);
  });
});

describe('handler: the ERROR line of a failed run', () => {
  it('carries the warnings the run raised before failing', async () => {
    // Prepare
    fakeBucket(s3, { [MANIFEST]: utf8('{ not json') }, new Map([['rss.xml', serviceError('InternalError', 500)]]));

    // Act
    const error = await handlerFor()(await event('scheduled.json'), lambdaContext('request-1')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        warnings: [expect.stringContaining(`${MANIFEST} is not valid JSON`)],
      }),
    ]);
  });
});

describe('handler: the summary line', () => {
  it('stays one JSON event under 256 KiB with 100 rejected seeds whose names are near S3’s key limit', async () => {
    // Prepare: 100 pairs of names that differ only in the case of ".txt": one of each pair is refused, naming the other.
    const files: Record<string, Uint8Array> = {};
    for (let n = 0; n < 100; n++) {
      const name = `seeds/2026-02-01-${String(n).padStart(3, '0')}-${'long-title-'.repeat(90)}`;
      const body = utf8(seed('2026-02-01', `Note ${n}`, 'Text.'));
      files[`${name}.txt`] = body;
      files[`${name}.TXT`] = body;
    }
    expect(Math.max(...Object.keys(files).map((key) => Buffer.byteLength(key)))).toBeLessThanOrEqual(1024);
    fakeBucket(s3, files);

    // Act
    const summary = await completed(handlerFor(bucketSeedsEnv())({}, lambdaContext('request-1')));

    // Assess
    expect(summary.articles.rejected).toBe(100);
    const lines = rawLines();
    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(lines[0]!)).toBeLessThan(CLOUDWATCH_EVENT_BYTES);
  });
});

describe('handler: the summary line fields', () => {
  it('with a WebSub hub set, carries pings naming the feeds the hub accepted', async () => {
    // Prepare
    fakeBucket(s3);
    const hub = vi.fn(async () => new Response(null, { status: 204 }));
    const handler = createHandler(env({ FEED_WEBSUB_HUB: 'https://hub.example.org/' }), { now: () => NOW, fetch: hub as typeof fetch });

    // Act
    await handler(await event('scheduled.json'), lambdaContext('request-1'));

    // Assess
    expect(hub).toHaveBeenCalledTimes(3);
    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'published',
        pings: {
          sent: ['https://news.example.org/rss.xml', 'https://news.example.org/atom.xml', 'https://news.example.org/feed.json'],
          failed: [],
        },
      }),
    ]);
  });

  it('with an unknown POWERTOOLS_LOG_LEVEL, logs at INFO and writes only JSON lines', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    await handlerFor(env({ POWERTOOLS_LOG_LEVEL: 'LOUD' }))(await event('scheduled.json'), lambdaContext('request-1'));

    // Assess
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', message: 'published' })]);
  });
});

describe('handler: a warm container', () => {
  it('does not log the previous invocation’s request id on an invocation without a context', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor();
    await handler(await event('scheduled.json'), lambdaContext('request-1'));

    // Act
    await handler(await event('scheduled.json'));

    // Assess
    const lines = logLines();
    expect(lines).toHaveLength(2);
    expect(lines[1]!.function_request_id).not.toBe('request-1');
  });

  it('gives each invocation its own deadline: a short first one does not stop the next', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    fakeBucket(s3);
    slowS3(() => 300);
    const handler = handlerFor();

    // Act
    const first = await onFakeClock(() => handler({}, lambdaContext('request-1', 400)), 10_000);
    const second = await onFakeClock(() => handler({}, lambdaContext('request-2', 60_000)), 60_000);

    // Assess
    expect(first.error).toBeInstanceOf(PublishError);
    expect(second.error).toBeUndefined();
    expect(second.summary?.objects.written).toBe(ALL_OBJECTS);
    expect(logLines().map((line) => [line.function_request_id, line.level])).toEqual([
      ['request-1', 'ERROR'],
      ['request-2', 'INFO'],
    ]);
  });

  it('a dry run on a warm container leaves the next plain run to write everything', async () => {
    // Prepare
    const bucket = fakeBucket(s3);
    const handler = handlerFor();

    // Act
    const dry = await completed(handler({ dryRun: true }, lambdaContext('request-1')));
    const plain = await completed(handler({}, lambdaContext('request-2')));

    // Assess
    expect(dry.objects.written).toBe(ALL_OBJECTS);
    expect(plain.objects.written).toBe(ALL_OBJECTS);
    expect(bucket.has(MANIFEST)).toBe(true);
  });
});
