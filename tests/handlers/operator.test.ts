/**
 * The publish handler as an operator uses it, beyond publish.test.ts, handler-edges.test.ts
 * and handler-runtime.test.ts: the unpublish guard met through the Lambda (a scheduled run and its
 * retries, the message an operator reads), every kind of configuration problem in one message, the
 * configuration kept for the container, what a run stopped by its deadline returns beside what it
 * logs, a stop whose progress cannot be saved, nothing running on after a stop, and the log level
 * and event logging an operator can set.
 */
import { DeleteObjectCommand, PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler, handler } from '../../handlers/publish.js';
import { ConfigError, type Env } from '../../src/config.js';
import { PublishError } from '../../src/publish/publish.js';
import { BUCKET, fakeBucket, mockS3, serviceError, tempDir, THREE_SEEDS, writeSeeds, type TempDir } from '../publish/support.js';
import { captureLog, completed, fixtureEvent, handlerEnv, lambdaContext, onFakeClock, slowS3, type CapturedLog } from './support.js';

// Mocks every S3Client, so the client createHandler builds from the environment is this mock.
const s3 = mockS3();

const NOW = new Date('2026-03-01T06:00:00.000Z');
const MANIFEST = '_publish/manifest.json';
/** Three pages, the index, three feeds, the 404 page and feed.css. */
const ALL_OBJECTS = 9;

let dir: TempDir;
let seeds: string;
let log: CapturedLog;
const rawLines = () => log.rawLines();
const logLines = () => log.logLines();
const event = fixtureEvent;
const env = (extra: Env = {}) => handlerEnv(seeds, extra);

function handlerFor(environment: Env = env()) {
  return createHandler(environment, { now: () => NOW });
}

/** The bucket's objects and their ETags, the manifest included. */
function snapshot(bucket: ReadonlyMap<string, { etag: string }>): Record<string, string> {
  return Object.fromEntries([...bucket].map(([key, object]) => [key, object.etag]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
}

beforeEach(async () => {
  s3.reset();
  dir = await tempDir('operator-');
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

describe('the unpublish guard through the Lambda', () => {
  /** A published site of THREE_SEEDS, then two of its three seeds deleted from the folder. */
  async function siteLosingTwoOfThree() {
    const bucket = fakeBucket(s3);
    const handler = handlerFor();
    await completed(handler(await event('scheduled.json'), lambdaContext('request-0')));
    await rm(join(seeds, '2026-02-01-harbour.txt'));
    await rm(join(seeds, '2026-02-03-bridge.txt'));
    s3.resetHistory();
    log.written.length = 0;
    return { bucket, handler };
  }

  it('a scheduled run refused by the guard, and Lambda’s two retries of it, write and delete nothing, each failing with the count; a scheduled event carrying force does not get past it', async () => {
    // Prepare
    const { bucket, handler } = await siteLosingTwoOfThree();
    const before = snapshot(bucket);
    const scheduled = await event('scheduled.json');
    const carryingForce = { ...scheduled, force: true, detail: { force: true } };

    // Act: the event, Lambda's two retries of it, then one that asks for force.
    const errors: unknown[] = [];
    for (const payload of [scheduled, scheduled, scheduled, carryingForce])
      errors.push(
        await handler(payload, lambdaContext('request-1')).then(
          () => undefined,
          (caught: unknown) => caught,
        ),
      );

    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(PublishError);
      expect((error as Error).message).toContain('would unpublish 2 of 3 published articles');
    }
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    expect(snapshot(bucket)).toEqual(before);
    expect(logLines().map((line) => [line.level, line.trigger])).toEqual([
      ['ERROR', 'schedule'],
      ['ERROR', 'schedule'],
      ['ERROR', 'schedule'],
      ['ERROR', 'schedule'],
    ]);
  });

  it('{"force":true} from a person then unpublishes the two articles, and says so in its summary', async () => {
    // Prepare
    const { bucket, handler } = await siteLosingTwoOfThree();
    await handler(await event('scheduled.json'), lambdaContext('request-1')).catch(() => undefined);
    log.written.length = 0;

    // Act
    const summary = await completed(handler(await event('manual-force.json'), lambdaContext('request-2')));

    // Assess
    expect(summary.articles).toMatchObject({ published: 1, unpublished: 2 });
    expect([...summary.objects.deletedKeys].sort()).toEqual([
      'articles/2026-02-01-harbour-ferry-returns.html',
      'articles/2026-02-03-bridge-opens.html',
    ]);
    expect(bucket.has('articles/2026-02-01-harbour-ferry-returns.html')).toBe(false);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', trigger: 'manual', force: true })]);
  });

  it('{"force":true,"dryRun":true} previews the unpublishing without deleting or approving anything: the next scheduled run is still refused', async () => {
    // Prepare
    const { bucket, handler } = await siteLosingTwoOfThree();
    const before = snapshot(bucket);

    // Act
    const preview = await completed(handler({ force: true, dryRun: true }, lambdaContext('request-1')));
    const next = await handler(await event('scheduled.json'), lambdaContext('request-2')).catch((caught: unknown) => caught);

    // Assess
    expect(preview.articles.unpublished).toBe(2);
    expect([...preview.objects.deletedKeys].sort()).toEqual([
      'articles/2026-02-01-harbour-ferry-returns.html',
      'articles/2026-02-03-bridge-opens.html',
    ]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    expect(snapshot(bucket)).toEqual(before);
    expect(next).toBeInstanceOf(PublishError);
    expect((next as PublishError).refused).toBe(true);
  });

  it('the refusal an operator reads in CloudWatch says how to force it on the Lambda ({"force":true} or npm run republish)', async () => {
    // Prepare
    const { handler } = await siteLosingTwoOfThree();

    // Act
    const error = await handler(await event('scheduled.json'), lambdaContext('request-1')).catch((caught: unknown) => caught);

    // Assess
    expect((error as PublishError).refused).toBe(true);
    const [line] = rawLines();
    expect(line).toMatch(/\{\\"force\\":true\}|npm run republish/);
  });
});

describe('configuration errors', () => {
  it('lists a problem of every kind of setting (feed, publish, size limits, unpublish share, the missing SITE_URL) in one ConfigError, touching no bucket', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor({
      SEEDS_DIR: seeds,
      FEED_BUCKET: 'Not_A_Bucket',
      FEED_ITEM_LIMIT: '0',
      PUBLISH_INTERVAL_MINUTES: '1',
      FEED_TIME_ZONE: 'Mars/Olympus',
      FEED_ID_PREFIX: 'tag:nodomain,2026:',
      MAX_SEED_BYTES: 'lots',
      UNPUBLISH_MAX_SHARE: '150%',
      S3_FORCE_PATH_STYLE: 'yes',
    });

    // Act
    const error = await handler(await event('manual-dry-run.json'), lambdaContext('request-1')).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'FEED_BUCKET',
      'FEED_ID_PREFIX',
      'FEED_ITEM_LIMIT',
      'FEED_TIME_ZONE',
      'MAX_SEED_BYTES',
      'PUBLISH_INTERVAL_MINUTES',
      'S3_FORCE_PATH_STYLE',
      'SITE_URL',
      'UNPUBLISH_MAX_SHARE',
    ]);
    expect(s3.calls()).toHaveLength(0);
    const lines = logLines();
    expect(lines).toEqual([expect.objectContaining({ level: 'ERROR', message: (error as Error).message })]);
  });

  it('publishes with a misspelt feed variable (FEED_TIMEZONE), naming it and the variable meant in the summary and its INFO line', async () => {
    // Prepare
    fakeBucket(s3);

    // Act
    const summary = await completed(
      handlerFor(env({ FEED_TIMEZONE: 'Europe/Kyiv' }))(await event('scheduled.json'), lambdaContext('request-1')),
    );

    // Assess
    const warning = expect.stringMatching(/^FEED_TIMEZONE is set, but no setting reads it: did you mean FEED_TIME_ZONE\?/);
    expect(summary.warnings).toEqual([warning]);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'INFO', message: 'published', warnings: [warning] })]);
  });

  it('the exported handler (Lambda’s entry point) reads process.env on its first invocation and keeps that bucket and one S3 client for the container', async () => {
    // Prepare: the environment Lambda gives the function, set before its first invocation.
    fakeBucket(s3);
    vi.stubEnv('FEED_BUCKET', BUCKET);
    vi.stubEnv('SITE_URL', 'https://news.example.org/');
    vi.stubEnv('SEEDS_DIR', seeds);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    await completed(handler(await event('scheduled.json'), lambdaContext('request-1')));

    // Act: a later change of the environment (Lambda makes a new container for one).
    vi.stubEnv('FEED_BUCKET', 'another-bucket');
    const second = await completed(handler(await event('manual-force.json'), lambdaContext('request-2')));

    // Assess
    expect(second.objects.written).toBe(ALL_OBJECTS);
    const buckets = new Set(s3.calls().map((call) => (call.args[0].input as { Bucket?: string }).Bucket));
    expect([...buckets]).toEqual([BUCKET]);
    expect(new Set(s3.calls().map((call) => call.thisValue as unknown)).size).toBe(1);
  });
});

describe('a run stopped by its deadline', () => {
  /** A published site, then a forced run with S3 answering each PUT in 400 ms of the fake clock. */
  async function publishedThenSlowPuts(handler: ReturnType<typeof handlerFor>) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await onFakeClock(() => handler({}), 10_000);
    s3.resetHistory();
    log.written.length = 0;
    slowS3((command) => (command instanceof PutObjectCommand ? 400 : 10));
  }

  it('returns every warning its WARN line logs (the plain http:// SITE_URL), as a run that completes does', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor(env({ SITE_URL: 'http://news.example.org/' }));
    await publishedThenSlowPuts(handler);

    // Act
    const run = await onFakeClock(() => handler({ force: true }, lambdaContext('request-2', 3_000)), 10_000);

    // Assess
    expect(run.error).toBeUndefined();
    expect(run.stopped).toBeDefined();
    const [line] = logLines();
    expect(line).toMatchObject({ level: 'WARN', stopped: true, warnings: [expect.stringContaining('is plain http://')] });
    expect(run.stopped!.warnings).toEqual(line!.warnings);
  });

  it('when the manifest that would save its progress cannot be written, fails (for Lambda to retry) with an ERROR line instead of claiming a stop the next run carries on from', async () => {
    // Prepare
    const failures = new Map<string, Error>();
    fakeBucket(s3, {}, failures);
    const handler = handlerFor();
    await publishedThenSlowPuts(handler);
    failures.set(MANIFEST, serviceError('InternalError', 500));

    // Act
    const run = await onFakeClock(() => handler({ force: true }, lambdaContext('request-2', 3_000)), 10_000);

    // Assess
    expect(run.settledAt).toBeDefined();
    expect(run.stopped).toBeUndefined();
    expect(run.error).toBeInstanceOf(PublishError);
    expect((run.error as Error).message).toMatch(/^stopped before /);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'ERROR', function_request_id: 'request-2' })]);
  });

  it('sends no S3 request after it returned: nothing of the stopped run goes on into the next invocation', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor();
    await publishedThenSlowPuts(handler);

    // Act
    const run = await onFakeClock(() => handler({ force: true }, lambdaContext('request-2', 3_000)), 10_000);
    const atReturn = s3.calls().length;
    const putsAtReturn = s3.commandCalls(PutObjectCommand).map((call) => (call.args[0].input as PutObjectCommandInput).Key);
    await vi.advanceTimersByTimeAsync(60_000);

    // Assess
    expect(run.stopped).toBeDefined();
    expect(putsAtReturn.at(-1)).toBe(MANIFEST);
    expect(s3.calls().length).toBe(atReturn);
  });

  it('with POWERTOOLS_LOG_LEVEL=WARN, drops the line of a run that completes and keeps the WARN line of one stopped by its deadline', async () => {
    // Prepare
    fakeBucket(s3);
    const handler = handlerFor(env({ POWERTOOLS_LOG_LEVEL: 'WARN' }));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const first = await onFakeClock(() => handler({}, lambdaContext('request-1')), 10_000);
    slowS3((command) => (command instanceof PutObjectCommand ? 400 : 10));

    // Act
    const second = await onFakeClock(() => handler({ force: true }, lambdaContext('request-2', 3_000)), 10_000);

    // Assess
    expect(first.summary?.objects.written).toBe(ALL_OBJECTS);
    expect(second.stopped).toBeDefined();
    expect(logLines()).toEqual([expect.objectContaining({ level: 'WARN', stopped: true, function_request_id: 'request-2' })]);
  });
});

describe('what the logs never carry', () => {
  it('with POWERTOOLS_LOGGER_LOG_EVENT=true, logs neither the event (a token in a scheduled event’s detail) nor the environment’s credentials', async () => {
    // Prepare
    fakeBucket(s3);
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    const handler = handlerFor(
      env({
        POWERTOOLS_LOGGER_LOG_EVENT: 'true',
        AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEKEYID0001',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN',
      }),
    );
    const scheduled = { ...(await event('scheduled.json')), detail: { apiToken: 'tok-9f8e7d6c5b4a' } };

    // Act
    const summary = await completed(handler(scheduled, lambdaContext('request-1')));

    // Assess
    expect(summary.objects.written).toBe(ALL_OBJECTS);
    const lines = rawLines();
    expect(lines).toHaveLength(1);
    for (const secret of [
      'tok-9f8e7d6c5b4a',
      'ASIAEXAMPLEKEYID0001',
      'wJalrXUtnFEMI',
      'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN',
      'Scheduled Event',
    ])
      expect(lines[0]).not.toContain(secret);
  });
});
