/** The Lambda handler: events, configuration errors, the deadline and its log lines. */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidEventError } from '../../handlers/event.js';
import { createHandler, stopMargin } from '../../handlers/publish.js';
import { ConfigError, type Env } from '../../src/config.js';
import { PublishError } from '../../src/publish/publish.js';
import {
  BUCKET,
  fakeBucket,
  mockS3,
  noSuchKey,
  putCalls,
  seed,
  serviceError,
  tempDir,
  THREE_SEEDS,
  writeSeeds,
  type TempDir,
} from '../publish/support.js';
import { captureLog, completed, countTimers, fixtureEvent, handlerEnv, lambdaContext, type CapturedLog } from './support.js';

// Mocks every S3Client, so the client createHandler builds from the environment is this mock.
const s3 = mockS3();

const NOW = new Date('2026-03-01T06:00:00.000Z');
const MANIFEST = '_publish/manifest.json';
// Three pages plus the site's own objects (the index, three feeds, and any other page the plan writes).
const ALL_OBJECTS = 9; // three pages, the index, three feeds, the 404 page and feed.css

let dir: TempDir;
let seeds: string;
let log: CapturedLog;
const rawLines = () => log.rawLines();
const logLines = () => log.logLines();
const env = (extra: Env = {}) => handlerEnv(seeds, extra);
const event = fixtureEvent;

/** The handler as Lambda gets it, with only the clock fixed. */
function handlerFor(environment: Env = env()) {
  return createHandler(environment, { now: () => NOW });
}

beforeEach(async () => {
  s3.reset();
  dir = await tempDir('publish-handler-');
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

describe('publish handler: runs that publish', () => {
  it('publishes on the EventBridge schedule and logs one JSON line describing the run', async () => {
    // Prepare
    fakeBucket(s3);
    const scheduled = await event('scheduled.json');

    // Act
    const summary = await handlerFor()(scheduled);

    // Assess
    expect(summary.articles).toEqual({ seeds: 3, read: 3, published: 3, held: 0, rejected: 0, unpublished: 0 });
    expect(putCalls(s3)).toHaveLength(ALL_OBJECTS + 1);
    expect(s3.commandCalls(PutObjectCommand).every((call) => call.args[0].input.Bucket === BUCKET)).toBe(true);
    const lines = logLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'published',
      trigger: 'schedule',
      articles: { seeds: 3, read: 3, published: 3, held: 0, rejected: 0, unpublished: 0 },
      objects: {
        written: ALL_OBJECTS,
        unchanged: 0,
        deleted: 0,
        writtenKeys: expect.arrayContaining(['index.html', 'rss.xml', 'atom.xml', 'feed.json']),
      },
      durationMs: expect.any(Number),
    });
    expect(Number.isInteger(lines[0]!.durationMs) && (lines[0]!.durationMs as number) >= 0).toBe(true);
  });

  it('publishes the seeds folder named by SEEDS_DIR into the pages the feeds link to', async () => {
    // Prepare
    const bucket = fakeBucket(s3);

    // Act
    await handlerFor()(await event('manual-empty.json'));

    // Assess
    const json = JSON.parse(Buffer.from(bucket.get('feed.json')!.body).toString('utf8')) as { items: { url: string }[] };
    expect(json.items.map((item) => item.url)).toEqual([
      'https://news.example.org/articles/2026-02-05-schools-shelters-first.html',
      'https://news.example.org/articles/2026-02-03-bridge-opens.html',
      'https://news.example.org/articles/2026-02-01-harbour-ferry-returns.html',
    ]);
    for (const item of json.items) expect(bucket.has(new URL(item.url).pathname.slice(1)), item.url).toBe(true);
  });

  it.each([
    ['manual-empty.json', {}],
    ['manual-null.json', null],
  ])('treats %s as a manual run that writes only what changed', async (file, payload) => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor();
    const manual = await event(file);
    expect(manual).toEqual(payload);

    // Act
    const first = await completed(handler(manual));
    const second = await completed(handler(manual));

    // Assess
    expect(first.objects.written).toBe(ALL_OBJECTS);
    expect(second.objects).toEqual({ written: 0, unchanged: ALL_OBJECTS, deleted: 0, writtenKeys: [], deletedKeys: [] });
    expect(logLines().map((line) => [line.level, line.trigger])).toEqual([
      ['INFO', 'manual'],
      ['INFO', 'manual'],
    ]);
  });

  it('rewrites every object on {"force":true} even when nothing changed', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor();
    await handler(await event('scheduled.json'));
    s3.resetHistory();

    // Act
    const summary = await handler(await event('manual-force.json'));

    // Assess
    expect(summary).toMatchObject({ force: true, dryRun: false, objects: { written: ALL_OBJECTS, unchanged: 0 } });
    expect(putCalls(s3).map((put) => put.key)).toContain(MANIFEST);
    expect(putCalls(s3)).toHaveLength(ALL_OBJECTS + 1);
  });

  it('puts nothing on {"dryRun":true} but returns and logs what it would write', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    const summary = await handlerFor()(await event('manual-dry-run.json'));

    // Assess
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(summary).toMatchObject({ dryRun: true, objects: { written: ALL_OBJECTS } });
    expect(logLines()).toEqual([
      expect.objectContaining({ level: 'INFO', dryRun: true, objects: expect.objectContaining({ written: ALL_OBJECTS }) }),
    ]);
  });

  it('does not throw for a single bad article: the summary and the log line name it', async () => {
    // Prepare
    await writeSeeds(seeds, { '2026-02-30-impossible.txt': seed('2026-02-30', 'Impossible Day', 'Text.') });
    fakeBucket(s3);

    // Act
    const summary = await handlerFor()(await event('scheduled.json'));

    // Assess
    const bad = { file: '2026-02-30-impossible.txt', line: 1, reason: '2026-02-30 is not a date on the calendar', keptPublished: false };
    expect(summary.rejected).toEqual([bad]);
    expect(summary.articles).toEqual({ seeds: 4, read: 4, published: 3, held: 0, rejected: 1, unpublished: 0 });
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', rejected: [bad], articles: summary.articles })]);
  });
});

describe('publish handler: log lines (Powertools Logger)', () => {
  it('writes one JSON line per run with the level, message, service, timestamp and the invocation context', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor();

    // Act
    await handler(await event('scheduled.json'), lambdaContext('c0ffee00-0000-4000-8000-000000000001'));

    // Assess
    const lines = logLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'published',
      service: 'feedpress',
      function_name: 'feedpress-dev-publish',
      function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:feedpress-dev-publish',
      function_memory_size: '512',
      function_request_id: 'c0ffee00-0000-4000-8000-000000000001',
      trigger: 'schedule',
      articles: { published: 3 },
    });
    expect(new Date(String(lines[0]!.timestamp)).toISOString()).toBe(lines[0]!.timestamp);
  });

  it('marks the first invocation of a container as its cold start and the next ones not, each with its own request id', async () => {
    // Prepare: Lambda sets this for an on-demand container; the Logger reports cold starts only then.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    fakeBucket(s3);
    const handler = handlerFor();
    const nextContainer = handlerFor();

    // Act
    await handler(await event('scheduled.json'), lambdaContext('request-1'));
    await handler({ forse: true }, lambdaContext('request-2')).catch(() => undefined);
    await handler(await event('scheduled.json'), lambdaContext('request-3'));
    await nextContainer(await event('scheduled.json'), lambdaContext('request-4'));

    // Assess
    expect(logLines().map((line) => [line.function_request_id, line.level, line.cold_start])).toEqual([
      ['request-1', 'INFO', true],
      ['request-2', 'ERROR', false],
      ['request-3', 'INFO', false],
      ['request-4', 'INFO', true],
    ]);
  });

  it.each([
    ['the handler is given', (environment: Env) => createHandler({ ...environment, POWERTOOLS_LOG_LEVEL: 'ERROR' }, { now: () => NOW })],
    [
      'Lambda sets in the process',
      (environment: Env) => {
        vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
        return createHandler(environment, { now: () => NOW });
      },
    ],
  ])('with POWERTOOLS_LOG_LEVEL=ERROR in the environment %s, logs no summary line but still the error line', async (_where, make) => {
    // Prepare
    fakeBucket(s3, {}, new Map([['rss.xml', serviceError('InternalError', 500)]]));
    const handler = make(env());

    // Act
    const failed = await handler(await event('scheduled.json')).catch((caught: unknown) => caught);
    s3.reset();
    fakeBucket(s3);
    const summary = await completed(handler(await event('scheduled.json')));

    // Assess
    expect(failed).toBeInstanceOf(PublishError);
    expect(summary.articles.published).toBe(3);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.stringContaining('rss.xml') })]);
  });

  it('names the service after POWERTOOLS_SERVICE_NAME when it is set', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    await handlerFor(env({ POWERTOOLS_SERVICE_NAME: 'feedpress-prod' }))(await event('scheduled.json'));

    // Assess
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', service: 'feedpress-prod' })]);
  });
});

describe('publish handler: one S3 client per container', () => {
  /** The distinct S3 clients that sent the requests recorded so far. */
  const clientsThatSent = () => new Set(s3.calls().map((call) => call.thisValue as unknown));

  it('sends every request of every invocation through the one client made on the first', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor();

    // Act
    await handler(await event('scheduled.json'), lambdaContext('request-1'));
    const afterFirst = s3.calls().length;
    await handler(await event('manual-force.json'), lambdaContext('request-2'));

    // Assess
    expect(afterFirst).toBeGreaterThan(0);
    expect(s3.calls().length).toBeGreaterThan(afterFirst);
    expect(clientsThatSent().size).toBe(1);
  });

  it('gives a new container (another handler) a client of its own', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    await handlerFor()(await event('scheduled.json'));
    await handlerFor()(await event('scheduled.json'));

    // Assess: the check above can tell two clients apart.
    expect(clientsThatSent().size).toBe(2);
  });
});

describe('publish handler: runs that fail', () => {
  it.each([
    [{ force: 'yes' }, '"force" must be true or false, got "yes"'],
    [{ dryRun: 1 }, '"dryRun" must be true or false, got 1'],
    [{ forse: true }, 'unknown field "forse"'],
    [[], 'got an array'],
    ['go', 'got string'],
    [42, 'got number'],
  ])('rejects the payload %j with an InvalidEventError and touches no bucket', async (payload, reason) => {
    // Prepare
    fakeBucket(s3);

    // Act
    const result = handlerFor()(payload);

    // Assess
    await expect(result).rejects.toThrow(InvalidEventError);
    await expect(result).rejects.toThrow(
      `Invalid event: ${reason}. Expected an EventBridge scheduled event or {"force"?: boolean, "dryRun"?: boolean}.`,
    );
    expect(s3.calls()).toHaveLength(0);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', message: expect.stringContaining(reason) })]);
  });

  it('names every wrong variable in one ConfigError, on every invocation, before touching S3', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor({ SEEDS_DIR: seeds, CACHE_CONTROL: 'max-age=300\r\nX-Injected: 1', SEEDS_SOURCE: 's3' });

    // Act
    const first = await handler(await event('scheduled.json')).catch((caught: unknown) => caught);
    const second = await handler(await event('manual-empty.json')).catch((caught: unknown) => caught);

    // Assess
    expect(first).toBeInstanceOf(ConfigError);
    const error = first as ConfigError;
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'CACHE_CONTROL',
      'FEED_BUCKET',
      'SEEDS_SOURCE',
      'SITE_URL',
    ]);
    for (const variable of ['FEED_BUCKET', 'SITE_URL', 'CACHE_CONTROL', 'SEEDS_SOURCE']) expect(error.message).toContain(`- ${variable}:`);
    expect(second).toBeInstanceOf(ConfigError);
    expect((second as ConfigError).message).toBe(error.message);
    expect(s3.calls()).toHaveLength(0);
    expect(logLines().map((line) => line.level)).toEqual(['ERROR', 'ERROR']);
  });

  it('rejects with a SITE_URL that is not an absolute http(s) URL', async () => {
    // Prepare
    const handler = handlerFor(env({ SITE_URL: 'feeds.example.org' }));

    // Act
    const result = handler(null);

    // Assess
    await expect(result).rejects.toThrow(ConfigError);
    await expect(result).rejects.toThrow(/SITE_URL: must be an absolute http:\/\/ or https:\/\/ URL/);
  });

  it('rejects (so Lambda retries and alarms) when a put fails, naming the key in the error and the log', async () => {
    // Prepare
    fakeBucket(s3, {}, new Map([['rss.xml', serviceError('InternalError', 500)]]));

    // Act
    const result = handlerFor()(await event('scheduled.json'));

    // Assess
    await expect(result).rejects.toThrow(PublishError);
    await expect(result).rejects.toThrow(/rss\.xml/);
    // The manifest written is the run's progress only: no settled state, so the next run does the rest.
    const manifests = putCalls(s3).filter((put) => put.key === MANIFEST);
    expect(manifests.length).toBeLessThanOrEqual(1);
    for (const manifest of manifests) expect(new TextDecoder().decode(manifest.body)).not.toContain('"settled"');
    const lines = logLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      trigger: 'schedule',
      message: expect.stringContaining('rss.xml'),
      articles: { published: 3 },
    });
  });

  it('rejects with a PublishError naming the folder when SEEDS_DIR does not exist', async () => {
    // Prepare
    const missing = join(dir.path, 'no-such-seeds');
    fakeBucket(s3);

    // Act
    const result = handlerFor(env({ SEEDS_DIR: missing }))(await event('scheduled.json'));

    // Assess
    await expect(result).rejects.toThrow(PublishError);
    await expect(result).rejects.toThrow(missing);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(logLines()).toEqual([
      expect.objectContaining({ level: 'ERROR', trigger: 'schedule', message: expect.stringContaining(missing) }),
    ]);
  });

  it('rejects when no article can be published, writing nothing', async () => {
    // Prepare
    const empty = join(dir.path, 'bad-seeds');
    await writeSeeds(empty, { '2026-02-30-impossible.txt': seed('2026-02-30', 'Impossible Day', 'Text.') });
    fakeBucket(s3);

    // Act
    const result = handlerFor(env({ SEEDS_DIR: empty }))(await event('scheduled.json'));

    // Assess
    await expect(result).rejects.toThrow(PublishError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        rejected: [
          { file: '2026-02-30-impossible.txt', line: 1, reason: '2026-02-30 is not a date on the calendar', keptPublished: false },
        ],
      }),
    ]);
  });
});

describe('publish handler: events too big or too deep to be real', () => {
  // A line on Lambda carries Powertools' keys (timestamp, service, function name, ARN, memory,
  // request id, cold start): about 350 characters. The message, the one part a payload can
  // lengthen, stays under 300 more.
  const LINE_LIMIT = 600;
  const MESSAGE_LIMIT = 300;

  /** `{"a":{"a":…}}`, `levels` objects deep, built without recursion. */
  function nested(levels: number): Record<string, unknown> {
    let event: Record<string, unknown> = {};
    for (let level = 1; level < levels; level++) event = { a: event };
    return event;
  }

  it.each([
    ['5,000 levels of nesting', () => nested(5000), 'nested deeper than 16 levels'],
    [
      '200,000 unknown keys',
      () => Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`key${i}`, i])),
      'more than 1000 keys and array elements',
    ],
    ['an array of 200,000 elements', () => ({ force: Array.from({ length: 200_000 }, () => 0) }), 'more than 1000 keys and array elements'],
    ['a megabyte of text', () => ({ force: 'x'.repeat(1024 * 1024) }), 'more than 65536 characters of keys and text'],
    [
      'a scheduled event with a huge detail',
      () => ({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: nested(100) }),
      'nested deeper than 16 levels',
    ],
  ])('rejects %s with a short InvalidEventError and a short log line, touching no bucket', async (_what, build, reason) => {
    // Prepare
    fakeBucket(s3);
    const payload = build();

    // Act
    const error = await handlerFor()(payload, lambdaContext('request-1')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toBe(
      `Invalid event: ${reason}. Expected an EventBridge scheduled event or {"force"?: boolean, "dryRun"?: boolean}.`,
    );
    expect(s3.calls()).toHaveLength(0);
    const lines = rawLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(LINE_LIMIT);
    expect(JSON.stringify((error as Error).message).length).toBeLessThan(MESSAGE_LIMIT);
    // Nothing of the payload but the message: Powertools' own keys and the run's duration, no more.
    expect(Object.keys(logLines()[0]!).sort()).toEqual([
      'cold_start',
      'durationMs',
      'function_arn',
      'function_memory_size',
      'function_name',
      'function_request_id',
      'level',
      'message',
      'sampling_rate',
      'service',
      'timestamp',
    ]);
    expect(logLines()[0]).toMatchObject({ level: 'ERROR', message: (error as Error).message });
  });

  it('names at most three unknown fields, each cut short, and counts the rest', async () => {
    // Prepare
    const long = 'k'.repeat(500);
    const payload = { [long]: 1, beta: 2, gamma: 3, delta: 4, epsilon: 5 };

    // Act
    const error = await handlerFor()(payload, lambdaContext('request-1')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toContain(`unknown fields "${'k'.repeat(40)}…", "beta", "gamma" and 2 more.`);
    expect(JSON.stringify((error as Error).message).length).toBeLessThan(MESSAGE_LIMIT);
    expect(rawLines()[0]!.length).toBeLessThan(LINE_LIMIT);
  });

  it('cuts short a long wrong value of force', async () => {
    // Prepare
    const payload = { force: 'y'.repeat(10_000) };

    // Act
    const error = await handlerFor()(payload).catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).message).toContain(`"force" must be true or false, got "${'y'.repeat(39)}…`);
    expect((error as Error).message.length).toBeLessThan(200);
  });

  it('still takes a real scheduled event with its resources and an empty detail', async () => {
    // Prepare
    fakeBucket(s3);
    const scheduled = {
      ...((await event('scheduled.json')) as object),
      resources: Array.from({ length: 50 }, (_, i) => `arn:aws:events:us-east-1:123456789012:rule/r${i}`),
    };

    // Act
    const summary = await completed(handlerFor()(scheduled));

    // Assess
    expect(summary.articles.published).toBe(3);
  });
});

describe('publish handler: a scheduled event that asks for force or a dry run', () => {
  it('publishes as any scheduled run does, and says in the summary and the log which fields it ignored', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor();
    await handler(await event('scheduled.json'));
    log.written.length = 0;
    const scheduled = { ...((await event('scheduled.json')) as object), detail: { force: true, dryRun: true } };

    // Act
    const summary = await handler(scheduled);

    // Assess
    // Neither forced (nothing rewritten) nor dry (it would still have listed writes): a plain run.
    expect(summary).toMatchObject({ force: false, dryRun: false, objects: { written: 0, unchanged: ALL_OBJECTS } });
    const note = `the scheduled event's detail.force and detail.dryRun were ignored: a scheduled run is a plain publish; invoke with {"force":true} or {"dryRun":true} instead`;
    expect(summary.warnings).toEqual([note]);
    expect(logLines()).toEqual([
      expect.objectContaining({ level: 'INFO', trigger: 'schedule', ignored: ['detail.force', 'detail.dryRun'], warnings: [note] }),
    ]);
  });

  it('notices force at the top level of a scheduled event too', async () => {
    // Prepare
    fakeBucket(s3);
    const scheduled = { ...((await event('scheduled.json')) as object), force: true };

    // Act
    const summary = await handlerFor()(scheduled);

    // Assess
    expect(summary.force).toBe(false);
    expect(logLines()).toEqual([expect.objectContaining({ ignored: ['force'] })]);
  });

  it('logs no ignored field for a plain scheduled event', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    await handlerFor()(await event('scheduled.json'));

    // Assess
    expect(logLines()[0]).not.toHaveProperty('ignored');
    expect(logLines()[0]!.warnings).toEqual([]);
  });
});

describe('publish handler: configuration warnings and secrets', () => {
  it('publishes to an http:// SITE_URL and carries the warning in the summary and its log line', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    const summary = await handlerFor(env({ SITE_URL: 'http://news.example.org/' }))(await event('scheduled.json'));

    // Assess
    const warning = expect.stringMatching(
      /^siteUrl, homeUrl, feedUrls\.rss, feedUrls\.atom, feedUrls\.json: http:\/\/news\.example\.org is plain http:\/\//,
    );
    expect(summary.warnings).toEqual([warning]);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', message: 'published', warnings: [warning] })]);
  });

  it('says nothing about http:// to 127.0.0.1', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    const summary = await handlerFor(env({ SITE_URL: 'http://127.0.0.1:4568/feeds/' }))(await event('scheduled.json'));

    // Assess
    expect(summary.warnings).toEqual([]);
  });

  it('carries the warning on the error line of a run that fails', async () => {
    // Prepare
    fakeBucket(s3, {}, new Map([['rss.xml', serviceError('InternalError', 500)]]));

    // Act
    await handlerFor(env({ SITE_URL: 'http://news.example.org/' }))(await event('scheduled.json')).catch(() => undefined);

    // Assess
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', warnings: [expect.stringContaining('is plain http://')] })]);
  });

  it('rejects a SITE_URL with a password, and neither the error nor the log line repeats it', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    const error = await handlerFor(env({ SITE_URL: 'https://deploy:hunter2@news.example.org/' }))(await event('scheduled.json')).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['SITE_URL: must not contain a user name or password']);
    expect(rawLines()).toHaveLength(1);
    expect(log.written.join('')).not.toContain('hunter2');
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('publish handler: stopping before the Lambda timeout', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A bucket that is empty and answers every request after `ms`. */
  function slowEmptyBucket(ms: number): void {
    s3.on(ListObjectsV2Command).callsFake(async () => {
      await sleep(ms);
      return { Contents: [], IsTruncated: false };
    });
    s3.on(GetObjectCommand).callsFake(async () => {
      await sleep(ms);
      throw noSuchKey();
    });
    s3.on(PutObjectCommand).callsFake(async () => {
      await sleep(ms);
      return { ETag: '"etag"' };
    });
  }

  it.each([
    [60_000, 15_000],
    [900_000, 135_000],
    [12_000, 6_000],
    [400, 200],
  ])('with %i ms left, stops %i ms before the deadline', (remaining, margin) => {
    // Act
    const stop = stopMargin(remaining);

    // Assess
    expect(stop).toBe(margin);
  });

  it('stops between steps when the time is nearly up, writing nothing, and logs the step it stopped before', async () => {
    // Prepare
    slowEmptyBucket(300);
    const context = { getRemainingTimeInMillis: () => 400 };

    // Act
    const error = await handlerFor()(await event('scheduled.json'), context).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(PublishError);
    const message = (error as PublishError).message;
    expect(message).toMatch(/^stopped before reading seeds\b.*: the run used its 200 ms and stopped 200 ms before the Lambda timeout; /);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', trigger: 'schedule', message })]);
  });

  it('publishes as usual with time to spare, and leaves no timer behind', async () => {
    // Prepare
    fakeBucket(s3);
    const timers = countTimers();
    const before = timers();

    // Act
    const summary = await completed(handlerFor()(await event('scheduled.json'), { getRemainingTimeInMillis: () => 60_000 }));

    // Assess
    expect(summary.objects.written).toBe(ALL_OBJECTS);
    expect(timers()).toBe(before);
  });

  it('leaves no timer behind when the run fails', async () => {
    // Prepare
    const timers = countTimers();
    const before = timers();

    // Act
    await handlerFor()({ forse: true }, { getRemainingTimeInMillis: () => 60_000 }).catch(() => undefined);

    // Assess
    expect(timers()).toBe(before);
  });
});
