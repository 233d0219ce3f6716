import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { InvalidEventError } from '../../handlers/event.js';
import { createHandler } from '../../handlers/publish.js';
import { ConfigError, type Env } from '../../src/config.js';
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
  writeSeeds,
  type TempDir,
} from '../publish/support.js';

// Mocks every S3Client, so the client createHandler builds from the environment is this mock.
const s3 = mockS3();

const NOW = new Date('2026-03-01T06:00:00.000Z');
const EVENTS = join(import.meta.dirname, '..', 'fixtures', 'events');
const MANIFEST = '_publish/manifest.json';
const ALL_OBJECTS = 7; // three pages, the index and three feeds

let dir: TempDir;
let seeds: string;
let log: MockInstance<typeof console.log>;

beforeEach(async () => {
  s3.reset();
  dir = await tempDir('publish-handler-');
  seeds = join(dir.path, 'seeds');
  await writeSeeds(seeds, THREE_SEEDS);
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});

afterEach(async () => {
  log.mockRestore();
  await dir.remove();
});

function env(extra: Env = {}): Env {
  return { FEED_BUCKET: BUCKET, SITE_URL: 'https://news.example.org/', SEEDS_DIR: seeds, AWS_REGION: 'us-east-1', ...extra };
}

/** The handler as Lambda gets it, with only the clock fixed. */
function handlerFor(environment: Env = env()) {
  return createHandler(environment, { now: () => NOW });
}

async function event(name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(EVENTS, name), 'utf8')) as unknown;
}

/** The JSON lines the handler logged, parsed. */
function logLines(): Record<string, unknown>[] {
  return log.mock.calls.map((args) => {
    expect(args).toHaveLength(1);
    return JSON.parse(String(args[0])) as Record<string, unknown>;
  });
}

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
      level: 'info',
      message: 'published',
      trigger: 'schedule',
      articles: { seeds: 3, read: 3, published: 3, held: 0, rejected: 0, unpublished: 0 },
      objects: { written: ALL_OBJECTS, unchanged: 0, deleted: 0, writtenKeys: expect.arrayContaining(['index.html', 'rss.xml', 'atom.xml', 'feed.json']) },
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
    const first = await handler(manual);
    const second = await handler(manual);

    // Assess
    expect(first.objects.written).toBe(ALL_OBJECTS);
    expect(second.objects).toEqual({ written: 0, unchanged: ALL_OBJECTS, deleted: 0, writtenKeys: [], deletedKeys: [] });
    expect(logLines().map((line) => [line.level, line.trigger])).toEqual([
      ['info', 'manual'],
      ['info', 'manual'],
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
    expect(logLines()).toEqual([expect.objectContaining({ level: 'info', dryRun: true, objects: expect.objectContaining({ written: ALL_OBJECTS }) })]);
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
    expect(logLines()).toEqual([expect.objectContaining({ level: 'info', rejected: [bad], articles: summary.articles })]);
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
    await expect(result).rejects.toThrow(`Invalid event: ${reason}. Expected an EventBridge scheduled event or {"force"?: boolean, "dryRun"?: boolean}.`);
    expect(s3.calls()).toHaveLength(0);
    expect(logLines()).toEqual([expect.objectContaining({ level: 'error', message: expect.stringContaining(reason) })]);
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
    expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['CACHE_CONTROL', 'FEED_BUCKET', 'SEEDS_SOURCE', 'SITE_URL']);
    for (const variable of ['FEED_BUCKET', 'SITE_URL', 'CACHE_CONTROL', 'SEEDS_SOURCE']) expect(error.message).toContain(`- ${variable}:`);
    expect(second).toBeInstanceOf(ConfigError);
    expect((second as ConfigError).message).toBe(error.message);
    expect(s3.calls()).toHaveLength(0);
    expect(logLines().map((line) => line.level)).toEqual(['error', 'error']);
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
    expect(putCalls(s3).map((put) => put.key)).not.toContain(MANIFEST);
    const lines = logLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', trigger: 'schedule', message: expect.stringContaining('rss.xml'), articles: { published: 3 } });
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
    expect(logLines()).toEqual([expect.objectContaining({ level: 'error', trigger: 'schedule', message: expect.stringContaining(missing) })]);
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
      expect.objectContaining({ level: 'error', rejected: [{ file: '2026-02-30-impossible.txt', line: 1, reason: '2026-02-30 is not a date on the calendar', keptPublished: false }] }),
    ]);
  });
});
