/** What the handler tests share: its log lines as written, a Lambda context, its environment and events. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { expect, vi } from 'vitest';
import type { StoppedRun } from '../../handlers/publish.js';
import type { Env } from '../../src/config.js';
import type { PublishSummary } from '../../src/publish/publish.js';
import { BUCKET } from '../publish/support.js';

const EVENTS = join(import.meta.dirname, '..', 'fixtures', 'events');

export interface CapturedLog {
  /** Everything written to stdout and stderr since the capture began, in order. */
  readonly written: string[];
  /** The lines written, as they were: each must be one whole line. */
  rawLines(): string[];
  /** The JSON lines the handler logged, parsed. */
  logLines(): Record<string, unknown>[];
}

/**
 * Starts reading what the handler writes. Powertools' Logger does not go through the global
 * console: it writes with a Console of its own, made on process.stdout and process.stderr (info
 * lines on the one, error lines on the other), which is what Lambda sends to CloudWatch. So the
 * streams are what is read; vi.restoreAllMocks() stops it.
 */
export function captureLog(): CapturedLog {
  const written: string[] = [];
  const capture = (stream: NodeJS.WriteStream) => {
    const write = (chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      // Node's own process warnings go to stderr too (the AWS SDK's notice about Node 20, from
      // whichever test first makes a client); they are not the handler's lines.
      if (!/^\(node:\d+\) /.test(text)) written.push(text);
      return true;
    };
    vi.spyOn(stream, 'write').mockImplementation(write as typeof stream.write);
  };
  capture(process.stdout);
  capture(process.stderr);
  const rawLines = () =>
    written.map((chunk) => {
      expect(chunk).toMatch(/^[^\n]+\n$/);
      return chunk.slice(0, -1);
    });
  return { written, rawLines, logLines: () => rawLines().map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** The environment of a deployed function, seeds read from `seedsDir`. */
export function handlerEnv(seedsDir: string, extra: Env = {}): Env {
  return { FEED_BUCKET: BUCKET, SITE_URL: 'https://news.example.org/', SEEDS_DIR: seedsDir, AWS_REGION: 'us-east-1', ...extra };
}

/** An event from tests/fixtures/events, as Lambda delivers it. */
export async function fixtureEvent(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(EVENTS, name), 'utf8')) as Record<string, unknown>;
}

/** A Lambda context as the runtime passes it, with the time left fixed. */
export function lambdaContext(awsRequestId: string, remainingMs = 60_000): Context {
  return {
    awsRequestId,
    functionName: 'feedpress-dev-publish',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:feedpress-dev-publish',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/feedpress-dev-publish',
    logStreamName: '2026/03/01/[$LATEST]0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** How an invocation on the fake clock settled: published, stopped with its progress saved, or failed. */
export interface Settled {
  /** Fake milliseconds from the start until it settled; undefined when it had not by the limit. */
  readonly settledAt: number | undefined;
  readonly summary?: PublishSummary;
  readonly stopped?: StoppedRun;
  readonly error?: unknown;
}

/**
 * Runs an invocation on the fake clock, 10 ms at a time, until it settles or `limitMs` passes;
 * returns when it settled and how.
 */
export async function onFakeClock(invoke: () => Promise<PublishSummary | StoppedRun>, limitMs: number): Promise<Settled> {
  let outcome: Omit<Settled, 'settledAt'> | undefined;
  invoke().then(
    (result) => {
      outcome = 'stopped' in result ? { stopped: result } : { summary: result as PublishSummary };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  let elapsed = 0;
  while (outcome === undefined && elapsed < limitMs) {
    await vi.advanceTimersByTimeAsync(10);
    elapsed += 10;
  }
  return outcome === undefined ? { settledAt: undefined } : { settledAt: elapsed, ...outcome };
}

/** The summary of an invocation that published; fails the test when the run stopped at its deadline instead. */
export async function completed(result: Promise<PublishSummary | StoppedRun>): Promise<PublishSummary> {
  const settled = await result;
  if ('stopped' in settled) throw new Error(`the run stopped instead of completing: ${settled.stopped}`);
  return settled;
}

/** Waits `ms`, or rejects as the SDK's HTTP handler does when the request's abort signal fires first. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      const error = new Error('Request aborted');
      error.name = 'AbortError';
      reject(error);
    });
  });
}

/**
 * Every S3 request answered after `delay(command)` ms of the (fake) clock, by whatever the mock
 * was told to answer. Wraps the mock's own `send`, so the mock still records each call.
 */
export function slowS3(delay: (command: object) => number): void {
  const answer = S3Client.prototype.send;
  vi.spyOn(S3Client.prototype, 'send').mockImplementation(async function (
    this: S3Client,
    command: object,
    options?: { abortSignal?: AbortSignal },
  ) {
    await sleep(delay(command), options?.abortSignal);
    return (answer as (this: S3Client, command: object) => Promise<unknown>).call(this, command);
  } as never);
}

/**
 * Counts the timers the code under test leaves pending. Only setTimeout and clearTimeout are
 * faked (and never advanced), so the count holds the code's own timers: a count of the process's
 * active resources would also hold the test runner's, which come and go on their own clock.
 * The caller restores real timers afterwards (vi.useRealTimers()).
 */
export function countTimers(): () => number {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  return () => vi.getTimerCount();
}
