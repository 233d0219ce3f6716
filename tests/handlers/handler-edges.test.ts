/**
 * The publish handler as an operator of the deployed function relies on it, beyond
 * publish.test.ts: every shape Lambda or a person can deliver (a dead-letter record replayed
 * included), the deadline with a slow bucket, configuration errors, the size and content of the
 * one log line, and S3 failing in the ways it does (throttling, a denied write, a missing bucket,
 * a timeout).
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidEventError } from '../../handlers/event.js';
import { createHandler, type InvocationContext } from '../../handlers/publish.js';
import { ConfigError, type Env } from '../../src/config.js';
import { PublishError } from '../../src/publish/publish.js';
import { BUCKET, fakeBucket, mockS3, putCalls, seed, tempDir, THREE_SEEDS, utf8, writeSeeds, type TempDir } from '../publish/support.js';
import {
  captureLog,
  slowS3,
  completed,
  countTimers,
  fixtureEvent,
  handlerEnv,
  lambdaContext,
  onFakeClock,
  type CapturedLog,
} from './support.js';

// Mocks every S3Client, so the client createHandler builds from the environment is this mock.
const s3 = mockS3();

const NOW = new Date('2026-03-01T06:00:00.000Z');
const MANIFEST = '_publish/manifest.json';
/** Three pages, the index, three feeds, the 404 page and feed.css. */
const ALL_OBJECTS = 9;
/** CloudWatch Logs takes at most 256 KiB per event; Lambda cuts a longer line, which is then no JSON. */
const CLOUDWATCH_EVENT_BYTES = 256 * 1024;
/** The keys Powertools puts on every line when the handler has a Lambda context. */
const POWERTOOLS_KEYS = [
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'level',
  'message',
  'sampling_rate',
  'service',
  'timestamp',
];
/** README, "Logs": the summary a run that publishes logs after its message. */
const SUMMARY_KEYS = [
  'articles',
  'dryRun',
  'durationMs',
  'feedItems',
  'force',
  'held',
  'objects',
  'rejected',
  'skipped',
  'trigger',
  'warnings',
];

let dir: TempDir;
let seeds: string;
let log: CapturedLog;
const rawLines = () => log.rawLines();
const logLines = () => log.logLines();
const event = fixtureEvent;

beforeEach(async () => {
  s3.reset();
  dir = await tempDir('handler-edges-');
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

const env = (extra: Env = {}) => handlerEnv(seeds, extra);

/** Seeds kept in the bucket under `seeds/` (SEEDS_SOURCE=bucket), so every read goes through the S3 mock. */
function bucketSeedsEnv(extra: Env = {}): Env {
  return { FEED_BUCKET: BUCKET, SITE_URL: 'https://news.example.org/', SEEDS_SOURCE: 'bucket', AWS_REGION: 'us-east-1', ...extra };
}

function handlerFor(environment: Env = env()) {
  return createHandler(environment, { now: () => NOW });
}

/** Day `n` from 2017-01-01 as `YYYY-MM-DD`: up to n = 3,300, all before NOW. */
function day(n: number): string {
  return new Date(Date.UTC(2017, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
}

/** `count` valid seeds a day apart under `seeds/`, titled by `title`. */
function manySeeds(count: number, title = (n: number) => `Note ${n}`): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let n = 0; n < count; n++) files[`seeds/${day(n)}-note-${n}.txt`] = utf8(seed(day(n), title(n), `Paragraph ${n}.`));
  return files;
}

/** An S3 error as the SDK raises it. */
function s3Error(name: string, httpStatusCode: number, message: string): S3ServiceException {
  return new S3ServiceException({ name, message, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

/** What the SDK throws when an attempt gets no answer within its request timeout. */
function timeoutError(): Error {
  return Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' });
}

/** The published objects (not the manifest, not the seeds) and their ETags. */
function siteObjects(bucket: ReadonlyMap<string, { etag: string }>): Record<string, string> {
  return Object.fromEntries(
    [...bucket]
      .filter(([key]) => key !== MANIFEST && !key.startsWith('seeds/'))
      .map(([key, object]) => [key, object.etag])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
}

describe('handler edges: events Lambda and people deliver', () => {
  it.each<[string, (scheduled: Record<string, unknown>) => unknown]>([
    [
      'an EventBridge replay (with "replay-name") and extra detail',
      (scheduled) => ({ ...scheduled, 'replay-name': 'r1', detail: { note: 'x' } }),
    ],
    [
      'a scheduled event missing its id, time, resources and detail',
      ({ id: _id, time: _time, resources: _resources, detail: _detail, ...rest }) => rest,
    ],
  ])('publishes %s as a scheduled run', async (_what, shape) => {
    // Prepare
    fakeBucket(s3);
    const scheduled = shape(await event('scheduled.json'));

    // Act
    const summary = await handlerFor()(scheduled);

    // Assess
    expect(summary).toMatchObject({ force: false, dryRun: false, objects: { written: ALL_OBJECTS } });
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', trigger: 'schedule' })]);
  });

  it('takes {"force":true,"dryRun":true} as a forced dry run: it writes nothing and reports every object', async () => {
    // Prepare
    const bucket = fakeBucket(s3);
    const handler = handlerFor();
    await handler({});
    s3.resetHistory();
    const before = siteObjects(bucket);

    // Act
    const summary = await handler({ force: true, dryRun: true });

    // Assess
    expect(summary).toMatchObject({ force: true, dryRun: true, objects: { written: ALL_OBJECTS, unchanged: 0 } });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(siteObjects(bucket)).toEqual(before);
  });

  it.each<[string, unknown, string]>([
    ['a payload encoded twice (a JSON string)', JSON.stringify({ force: true }), 'got string'],
    ['force as the string "true"', { force: 'true' }, '"force" must be true or false, got "true"'],
    ['Force with a capital', { Force: true }, 'unknown field "Force"'],
    ['force beside an unknown key', { force: true, stage: 'prod' }, 'unknown field "stage"'],
    ['the payload inside an array', [{ force: true }], 'got an array'],
    ['a scheduled event without its detail-type', { source: 'aws.events', detail: {} }, 'unknown fields "source", "detail"'],
    [
      'an EventBridge Scheduler source',
      { source: 'aws.scheduler', 'detail-type': 'Scheduled Event' },
      'unknown fields "source", "detail-type"',
    ],
  ])('refuses %s, naming why, touching no bucket', async (_what, payload, reason) => {
    // Prepare
    fakeBucket(s3);

    // Act
    const error = await handlerFor()(payload, lambdaContext('request-1')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toContain(`Invalid event: ${reason}.`);
    expect(s3.calls()).toHaveLength(0);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', message: (error as Error).message })]);
  });
});

describe('handler edges: a record from the dead-letter queue', () => {
  /** What Lambda's onFailure destination puts on the queue for a scheduled run that failed every retry. */
  async function failureRecord(): Promise<Record<string, unknown>> {
    return {
      version: '1.0',
      timestamp: '2026-03-01T06:00:04.123Z',
      requestContext: {
        requestId: 'c0ffee00-0000-4000-8000-000000000001',
        functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:feedpress-dev-publish:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: await event('scheduled.json'),
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: 'PublishError',
        errorMessage: 'publishing failed: put rss.xml failed: SlowDown: Please reduce your request rate.',
        trace: [
          'PublishError: publishing failed: put rss.xml failed: SlowDown',
          '    at publish (file:///var/task/dist/publish/index.mjs:137:12503)',
        ],
      },
    };
  }

  it('refuses the record invoked as it is: not run as a manual publish, naming its fields, without repeating the old error', async () => {
    // Prepare
    fakeBucket(s3);
    const record = await failureRecord();

    // Act
    const error = await handlerFor()(record, lambdaContext('replay-1')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toContain('unknown fields "version", "timestamp", "requestContext" and 3 more');
    expect(s3.calls()).toHaveLength(0);
    const lines = rawLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('index.mjs:137');
    expect(lines[0]).not.toContain('reduce your request rate');
  });

  it('refuses the queue wired to the function as an SQS trigger ({"Records":[…]})', async () => {
    // Prepare
    fakeBucket(s3);
    const batch = { Records: [{ messageId: 'm1', eventSource: 'aws:sqs', body: JSON.stringify(await failureRecord()) }] };

    // Act
    const result = handlerFor()(batch);

    // Assess
    await expect(result).rejects.toThrow('Invalid event: unknown field "Records".');
    expect(s3.calls()).toHaveLength(0);
  });

  it('a replay of the failed scheduled event (its requestPayload) is a plain scheduled publish', async () => {
    // Prepare
    fakeBucket(s3);
    const { requestPayload } = await failureRecord();

    // Act
    const summary = await handlerFor()(requestPayload);

    // Assess
    expect(summary).toMatchObject({ force: false, dryRun: false, objects: { written: ALL_OBJECTS } });
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', trigger: 'schedule' })]);
  });
});

describe('handler edges: the deadline', () => {
  /** A bucket holding `count` seeds under `seeds/`, each request answered after `ms` of the fake clock. */
  function slowBucketWithSeeds(count: number, ms: number) {
    const bucket = fakeBucket(s3, manySeeds(count));
    slowS3(() => ms);
    return bucket;
  }

  it.each([
    [5_000, 2_500],
    [12_000, 6_000],
  ])(
    'with %i ms left, stops %i ms before the deadline with its progress saved: one WARN line naming the step, no error for Lambda to retry or alarm on, and the next invocation converges',
    async (remaining, margin) => {
      // Prepare: the site a run that never stopped leaves.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const reference = slowBucketWithSeeds(300, 150);
      const clean = await onFakeClock(() => handlerFor(bucketSeedsEnv())({}), 120_000);
      expect(clean.summary?.articles.published).toBe(300);
      const expected = siteObjects(reference);
      vi.restoreAllMocks();
      s3.reset();
      // The spies went with restoreAllMocks: read the streams again, from here on.
      log = captureLog();
      const bucket = slowBucketWithSeeds(300, 150);
      const handler = handlerFor(bucketSeedsEnv());

      // Act
      const stopped = await onFakeClock(() => handler({}, lambdaContext('request-1', remaining)), remaining + 60_000);
      const stoppedLines = logLines();
      const stoppedPuts = putCalls(s3).filter((put) => put.key !== MANIFEST).length;
      const next = await onFakeClock(() => handler({}, lambdaContext('request-2', 60_000)), 60_000);
      const after = await onFakeClock(() => handler({}, lambdaContext('request-3', 60_000)), 60_000);

      // Assess
      expect(stopped.settledAt).toBeDefined();
      expect(stopped.settledAt!).toBeLessThan(remaining);
      expect(stopped.error).toBeUndefined();
      const message = stopped.stopped!.stopped;
      expect(message).toMatch(
        new RegExp(`^stopped before [^:]+: the run used its ${remaining - margin} ms and stopped ${margin} ms before the Lambda timeout; `),
      );
      expect(stoppedLines).toEqual([expect.objectContaining({ level: 'WARN', function_request_id: 'request-1', message, stopped: true })]);
      // What the line says was written is what S3 took before the stop.
      expect((stoppedLines[0]!.objects as { written: number }).written).toBe(stoppedPuts);
      expect(next.error).toBeUndefined();
      expect(next.summary?.articles.published).toBe(300);
      expect(after.summary?.objects).toMatchObject({ written: 0, deleted: 0 });
      expect(siteObjects(bucket)).toEqual(expected);
    },
  );

  it('with 60 s left and a bucket answering in 150 ms, publishes 300 articles in one invocation', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    slowBucketWithSeeds(300, 150);

    // Act
    const run = await onFakeClock(() => handlerFor(bucketSeedsEnv())({}, lambdaContext('request-1', 60_000)), 60_000);

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.summary?.articles.published).toBe(300);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', message: 'published' })]);
  });

  // The deadline is checked before every seed read and page write, and a request in flight when
  // it fires is abandoned (its abort signal), so with S3 answering each PUT in 9 s the run still
  // settles, and logs, before the Lambda's 60 s: only the write that saves its progress remains.
  it('with 60 s left and S3 answering each PUT in 9 s, settles (and logs) before Lambda times out', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    fakeBucket(s3, manySeeds(128));
    slowS3((command) => (command instanceof PutObjectCommand ? 9_000 : 100));

    // Act
    const run = await onFakeClock(() => handlerFor(bucketSeedsEnv())({}, lambdaContext('request-1', 60_000)), 120_000);

    // Assess
    expect(run.settledAt).toBeDefined();
    expect(run.settledAt!).toBeLessThan(60_000);
  });

  it.each<[string, InvocationContext]>([
    ['no getRemainingTimeInMillis', { awsRequestId: 'request-1', functionName: 'feedpress-dev-publish' } as unknown as InvocationContext],
    ['a time left that is not a number', { awsRequestId: 'request-1', getRemainingTimeInMillis: () => Number.NaN }],
    ['an infinite time left', { awsRequestId: 'request-1', getRemainingTimeInMillis: () => Number.POSITIVE_INFINITY }],
  ])('with a context that has %s, publishes without a deadline and logs its request id', async (_what, context) => {
    // Prepare
    fakeBucket(s3);
    const timers = countTimers();
    const before = timers();

    // Act
    const summary = await completed(handlerFor()({}, context));

    // Assess
    expect(summary.objects.written).toBe(ALL_OBJECTS);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', function_request_id: 'request-1' })]);
    expect(timers()).toBe(before);
  });
});

describe('handler edges: configuration errors', () => {
  it('fails every invocation, whatever the event, with the same error on one line without a stack trace or a secret, writing nothing', async () => {
    // Prepare
    fakeBucket(s3);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const handler = handlerFor({
      SITE_URL: 'https://news.example.org/',
      SEEDS_DIR: seeds,
      S3_ENDPOINT: 'https://minio:s3cr3t-pa55@minio.internal:9000',
      FEED_WEBSUB_HUB: 'https://hubuser:hubt0ken@hub.example.org/',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });

    // Act
    const errors: unknown[] = [];
    for (const payload of [await event('scheduled.json'), {}, { force: true }, null])
      errors.push(await handler(payload, lambdaContext('request-1')).catch((caught: unknown) => caught));

    // Assess
    expect(errors.every((error) => error instanceof ConfigError)).toBe(true);
    const messages = new Set(errors.map((error) => (error as Error).message));
    expect(messages.size).toBe(1);
    const [message] = messages;
    expect(message).toContain('FEED_BUCKET: is required');
    expect(message).toContain('S3_ENDPOINT: must not contain a user name or password');
    expect(message).toContain('FEED_WEBSUB_HUB: must not contain a user name or password');
    const lines = rawLines();
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toMatch(/\bat .+:\d+:\d+/);
      for (const secret of ['s3cr3t-pa55', 'hubt0ken', 'wJalrXUtnFEMI']) expect(line).not.toContain(secret);
    }
    expect(logLines().map((line) => [line.level, line.message, Object.keys(line).sort()])).toEqual(
      Array.from({ length: 4 }, () => ['ERROR', message, [...POWERTOOLS_KEYS, 'durationMs', 'trigger'].sort()]),
    );
    expect(s3.calls()).toHaveLength(0);
  });

  it('reports a wrong event before a bad configuration, and the configuration on the next invocation', async () => {
    // Prepare
    const handler = handlerFor({ SITE_URL: 'https://news.example.org/' });

    // Act
    const first = await handler({ forse: true }).catch((caught: unknown) => caught);
    const second = await handler({}).catch((caught: unknown) => caught);

    // Assess
    expect(first).toBeInstanceOf(InvalidEventError);
    expect(second).toBeInstanceOf(ConfigError);
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('handler edges: the log line', () => {
  it('a run that publishes logs exactly the documented keys, and no article text', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    await handlerFor()(await event('scheduled.json'), lambdaContext('request-1'));

    // Assess
    const lines = logLines();
    expect(lines).toHaveLength(1);
    expect(Object.keys(lines[0]!).sort()).toEqual([...POWERTOOLS_KEYS, ...SUMMARY_KEYS].sort());
    const line = rawLines()[0]!;
    for (const text of ['The ferry runs again from Monday.', 'A footbridge now links the two banks.', 'Що далі', 'voted 31 to 6'])
      expect(line).not.toContain(text);
  });

  it('a seed without a header is named with at most 60 characters of its first line', async () => {
    // Prepare
    const body = 'Confidential draft: the council will announce the new budget on Friday morning before the markets open.';
    await writeSeeds(seeds, { '2026-02-07-draft.txt': `${body}\n` });
    fakeBucket(s3);

    // Act
    const summary = await handlerFor()({});

    // Assess
    expect(summary.rejected).toEqual([
      expect.objectContaining({
        file: '2026-02-07-draft.txt',
        reason: `expected \`date YYYY-MM-DD Title\`, found "${body.slice(0, 60)}…"`,
      }),
    ]);
    expect(rawLines()[0]).not.toContain(body.slice(60));
  });

  // Each list in the summary line keeps its first 100 entries, with `cut` giving the full length,
  // so the line stays one JSON event under CloudWatch's 256 KiB.
  it('with 3,000 rejected seeds, the summary line stays under CloudWatch’s 256 KiB and still counts them all', async () => {
    // Prepare
    const initial = manySeeds(3);
    for (let n = 0; n < 3000; n++)
      initial[`seeds/2026-02-30-${String(n).padStart(4, '0')}-a-rather-long-file-name-for-a-broken-article-that-was-uploaded.txt`] = utf8(
        seed('2026-02-30', `Broken ${n}`, 'Text.'),
      );
    fakeBucket(s3, initial);

    // Act
    const summary = await completed(handlerFor(bucketSeedsEnv())({}, lambdaContext('request-1')));

    // Assess
    expect(summary.articles.rejected).toBe(3000);
    const lines = rawLines();
    expect(lines).toHaveLength(1);
    expect(logLines()[0]).toMatchObject({ level: 'INFO', articles: { rejected: 3000 }, cut: { rejected: 3000 } });
    expect((logLines()[0] as { rejected: unknown[] }).rejected).toHaveLength(100);
    expect(summary.rejected).toHaveLength(3000);
    expect(Buffer.byteLength(lines[0]!)).toBeLessThan(CLOUDWATCH_EVENT_BYTES);
  });

  // The same for the keys written by a forced republish of thousands of articles.
  it('a forced republish of 3,000 articles with headline titles logs a summary line under CloudWatch’s 256 KiB', async () => {
    // Prepare
    fakeBucket(
      s3,
      manySeeds(3000, (n) => `Council approves the harbour ferry timetable for the spring season, part ${n}`),
    );

    // Act
    const summary = await completed(handlerFor(bucketSeedsEnv())({ force: true }, lambdaContext('request-1')));

    // Assess
    expect(summary.articles.published).toBe(3000);
    const lines = rawLines();
    expect(lines).toHaveLength(1);
    expect(Buffer.byteLength(lines[0]!)).toBeLessThan(CLOUDWATCH_EVENT_BYTES);
  });
});

describe('handler edges: S3 failing', () => {
  it.each<[string, string, () => Error, RegExp]>([
    ['throttled (503 SlowDown)', 'rss.xml', () => s3Error('SlowDown', 503, 'Please reduce your request rate.'), /SlowDown: Please reduce/],
    [
      'denied a page (403 AccessDenied)',
      'articles/2026-02-03-bridge-opens.html',
      () => s3Error('AccessDenied', 403, 'Access Denied'),
      /AccessDenied: Access Denied/,
    ],
    ['timed out', 'atom.xml', timeoutError, /TimeoutError: Connection timed out after 10000 ms/],
  ])('a PUT %s: rejects naming the key and the cause, in the error and its one log line', async (_what, key, failure, cause) => {
    // Prepare
    fakeBucket(s3, {}, new Map([[key, failure()]]));

    // Act
    const error = await handlerFor()(await event('scheduled.json'), lambdaContext('request-1')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    const message = (error as Error).message;
    expect(message).toContain(`put ${key} failed`);
    expect(message).toMatch(cause);
    const lines = rawLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/\bat .+:\d+:\d+/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', trigger: 'schedule', message });
  });

  // A key is counted as written once the store took it, not when its PUT was sent.
  it.each([
    ['rss.xml', () => s3Error('SlowDown', 503, 'Please reduce your request rate.')],
    ['articles/2026-02-03-bridge-opens.html', () => s3Error('AccessDenied', 403, 'Access Denied')],
  ])('a PUT of %s refused: the logged summary counts only the objects S3 accepted', async (key, failure) => {
    // Prepare
    const bucket = fakeBucket(s3, {}, new Map([[key, failure()]]));

    // Act
    const error = await handlerFor()(await event('scheduled.json')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    const accepted = [...bucket.keys()].filter((stored) => stored !== MANIFEST).sort();
    const objects = logLines()[0]!.objects as { written: number; writtenKeys: string[] };
    expect(objects.writtenKeys).not.toContain(key);
    expect([...objects.writtenKeys].sort()).toEqual(accepted);
    expect(objects.written).toBe(accepted.length);
  });

  // A missing bucket (a wrong FEED_BUCKET, a stage whose stack was removed) is named in the error.
  it('a bucket that does not exist (404 NoSuchBucket): rejects naming the bucket, having written nothing', async () => {
    // Prepare
    const missing = s3Error('NoSuchBucket', 404, 'The specified bucket does not exist');
    s3.on(ListObjectsV2Command).rejects(missing);
    s3.on(GetObjectCommand).rejects(missing);
    s3.on(PutObjectCommand).rejects(missing);

    // Act
    const error = await handlerFor()(await event('scheduled.json')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    const message = (error as Error).message;
    expect(message).toContain('nothing was written');
    expect(message).toContain('NoSuchBucket');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', message })]);
    expect(message).toContain(BUCKET);
  });

  it('the manifest denied (403 on GET): rejects naming the manifest and the cause, having written nothing', async () => {
    // Prepare
    fakeBucket(s3);
    s3.on(GetObjectCommand, { Key: MANIFEST }).rejects(s3Error('AccessDenied', 403, 'Access Denied'));

    // Act
    const error = await handlerFor()(await event('scheduled.json')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain(`get ${MANIFEST} failed: AccessDenied: Access Denied`);
    expect(putCalls(s3)).toHaveLength(0);
  });

  it('after a throttled run, the next invocation with S3 answering again converges and the one after writes nothing', async () => {
    // Prepare
    const failures = new Map<string, Error>([['feed.json', s3Error('SlowDown', 503, 'Please reduce your request rate.')]]);
    const bucket = fakeBucket(s3, {}, failures);
    const handler = handlerFor();
    await handler(await event('scheduled.json')).catch(() => undefined);

    // Act
    failures.clear();
    const next = await completed(handler(await event('scheduled.json')));
    const after = await completed(handler(await event('scheduled.json')));

    // Assess
    expect(next.objects.writtenKeys).toContain('feed.json');
    expect(after.objects).toMatchObject({ written: 0, unchanged: ALL_OBJECTS });
    expect(bucket.has('feed.json')).toBe(true);
  });
});
