/**
 * Runs on a memory bucket whose seeds are kept in it under `seeds/` (SEEDS_SOURCE=bucket), and
 * runs stopped by their signal after a number of storage calls, as the Lambda's deadline stops
 * them: what the suites about stopped and carried-on runs share.
 */
import { publish, PublishError, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import type { PlanSettings } from '../../src/publish/plan.js';
import type { Storage } from '../../src/storage/storage.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, utf8 } from './support.js';
import { under } from './support-site.js';

export const SEEDS = 'seeds/';

/** Day `n` of 2025, as `YYYY-MM-DD`: the day of note `n`, the numbered article these suites use. */
export function noteDay(n: number): string {
  return new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
}
export const noteFile = (n: number) => `${noteDay(n)}-n${n}.txt`;
/** Note `n`'s seed; `extra` ends its paragraph (an edit that changes nothing else). */
export const noteContent = (n: number, extra = '') => seed(noteDay(n), `Note ${n}`, `Paragraph ${n} & more.${extra}`);

/** A memory bucket with notes `from`..`to - 1` under `seeds/`. */
export function notesBucket(from: number, to: number): MemoryStorage {
  const bucket = new MemoryStorage();
  for (let n = from; n < to; n++) void bucket.put(SEEDS + noteFile(n), utf8(noteContent(n)), { contentType: 'text/plain' });
  return bucket;
}

/** Every object of a memory bucket: its ETag and bytes, so that a rewrite of the same bytes shows too. */
export function bucketState(bucket: MemoryStorage): Record<string, string> {
  return Object.fromEntries(
    [...bucket.objects].map(([key, object]) => [key, `${object.etag} ${Buffer.from(object.body).toString('base64')}`]),
  );
}

/** One run on the bucket, its seeds under `seeds/` of the same bucket. */
export function runOn(
  bucket: Storage,
  settings: PlanSettings,
  now: Date,
  request: PublishRequest = {},
  fetch?: typeof globalThis.fetch,
): Promise<PublishSummary> {
  return publish({ storage: bucket, seeds: under(bucket, SEEDS), settings, now: () => now, ...(fetch ? { fetch } : {}) }, request);
}

export type Outcome = { summary: PublishSummary; error?: undefined } | { summary?: undefined; error: PublishError };

export async function outcomeOf(run: Promise<PublishSummary>): Promise<Outcome> {
  try {
    return { summary: await run };
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    return { error };
  }
}

interface Call {
  readonly op: 'get' | 'put' | 'delete' | 'list';
  readonly key: string;
}

/**
 * Counts the storage calls of one run, over every storage it wraps, and aborts the run's signal
 * as the `limit`-th call returns: the run then stops at its next check, as it does when the
 * Lambda handler's timer fires.
 */
export function budget(limit: number) {
  const controller = new AbortController();
  const calls: Call[] = [];
  const count = async <T>(call: Call, act: () => Promise<T>): Promise<T> => {
    calls.push(call);
    const number = calls.length;
    try {
      return await act();
    } finally {
      if (number === limit) controller.abort(new Error(`the budget of ${limit} calls is spent`));
    }
  };
  return {
    signal: controller.signal,
    calls,
    /** `prefix` only names the keys in `calls` (the seeds' storage has its own). */
    wrap: (storage: Storage, prefix = ''): Storage => ({
      get: (key, options) => count({ op: 'get', key: prefix + key }, () => storage.get(key, options)),
      put: (key, body, options) => count({ op: 'put', key: prefix + key }, () => storage.put(key, body, options)),
      delete: (key, options) => count({ op: 'delete', key: prefix + key }, () => storage.delete(key, options)),
      list: (sub, options) => count({ op: 'list', key: prefix + sub }, () => storage.list(sub, options)),
    }),
    puts: () => calls.filter(({ op }) => op === 'put').map(({ key }) => key),
    deletes: () => calls.filter(({ op }) => op === 'delete').map(({ key }) => key),
    seedGets: () => calls.filter(({ op, key }) => op === 'get' && key.startsWith(SEEDS)).length,
  };
}

/** A run on a memory bucket whose signal fires after `limit` storage calls. */
export async function budgetedRun(
  bucket: MemoryStorage,
  settings: PlanSettings,
  now: Date,
  limit: number,
  request: PublishRequest = {},
  fetch?: typeof globalThis.fetch,
) {
  const spent = budget(limit);
  const outcome = await outcomeOf(runOn(spent.wrap(bucket), settings, now, { ...request, signal: spent.signal }, fetch));
  return { ...outcome, spent };
}
