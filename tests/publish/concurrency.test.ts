/** mapWithConcurrency: order, the limit, and what a failure stops. */
import { describe, expect, it } from 'vitest';
import { mapWithConcurrency } from '../../src/publish/concurrency.js';

/** A promise settled from outside, so a test decides the order in which calls finish. */
interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run, so the mapper can start whatever it will start next. */
async function settle(): Promise<void> {
  for (let round = 0; round < 10; round += 1) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * An fn for mapWithConcurrency whose calls stay in flight until the test settles them:
 * records which items were started and the most calls ever in flight at once.
 */
function controlledCalls<T>(items: readonly T[]) {
  const pending = new Map<T, Deferred<string>>(items.map((item) => [item, deferred<string>()]));
  const started: T[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = async (item: T): Promise<string> => {
    started.push(item);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await pending.get(item)!.promise;
    } finally {
      inFlight -= 1;
    }
  };
  return {
    fn,
    started,
    resolve: (item: T, value: string) => pending.get(item)!.resolve(value),
    reject: (item: T, error: unknown) => pending.get(item)!.reject(error),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

/** Records how a promise ended, without ever leaving a rejection unhandled. */
function outcome<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('mapWithConcurrency', () => {
  it('returns the results in input order, whatever order the calls finish in', async () => {
    // Prepare
    const items = ['a', 'b', 'c', 'd'];
    const calls = controlledCalls(items);

    // Act
    const result = outcome(mapWithConcurrency(items, 4, calls.fn));
    await settle();
    for (const item of ['d', 'b', 'a', 'c']) {
      calls.resolve(item, `result of ${item}`);
      await settle();
    }

    // Assess
    expect(result).toEqual({ settled: true, value: ['result of a', 'result of b', 'result of c', 'result of d'] });
  });

  it('never has more than `limit` calls in flight, and starts the next item as soon as one finishes', async () => {
    // Prepare
    const items = [1, 2, 3, 4, 5, 6, 7];
    const calls = controlledCalls(items);

    // Act
    const result = outcome(mapWithConcurrency(items, 3, calls.fn));
    await settle();
    const startedAtFirst = [...calls.started];
    calls.resolve(2, 'two');
    await settle();
    const startedAfterOne = [...calls.started];
    for (const item of [1, 3, 4, 5, 6, 7]) {
      calls.resolve(item, String(item));
      await settle();
    }

    // Assess
    expect(startedAtFirst).toEqual([1, 2, 3]);
    expect(startedAfterOne).toEqual([1, 2, 3, 4]);
    expect(calls.maxInFlight).toBe(3);
    expect(calls.started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(result).toEqual({ settled: true, value: ['1', 'two', '3', '4', '5', '6', '7'] });
  });

  it('with a limit above the number of items, starts them all at once', async () => {
    // Prepare
    const items = ['x', 'y'];
    const calls = controlledCalls(items);

    // Act
    const result = outcome(mapWithConcurrency(items, 10, calls.fn));
    await settle();
    const startedAtFirst = [...calls.started];
    calls.resolve('x', 'X');
    calls.resolve('y', 'Y');
    await settle();

    // Assess
    expect(startedAtFirst).toEqual(['x', 'y']);
    expect(result).toEqual({ settled: true, value: ['X', 'Y'] });
  });

  it('after the first failure starts no new call, and rejects with it only once the calls in flight have settled', async () => {
    // Prepare
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    const calls = controlledCalls(items);
    const failure = new Error('b failed');

    // Act
    const result = outcome(mapWithConcurrency(items, 3, calls.fn));
    await settle();
    calls.reject('b', failure);
    await settle();
    const afterFailure = { settled: result.settled, inFlight: calls.inFlight };
    calls.resolve('a', 'A');
    await settle();
    const afterFirstInFlight = { settled: result.settled, inFlight: calls.inFlight };
    calls.resolve('c', 'C');
    await settle();

    // Assess
    expect(afterFailure).toEqual({ settled: false, inFlight: 2 });
    expect(afterFirstInFlight).toEqual({ settled: false, inFlight: 1 });
    expect(calls.started).toEqual(['a', 'b', 'c']);
    expect(result).toEqual({ settled: true, error: failure });
  });

  it('rethrows the first failure, not a later one from a call that was in flight', async () => {
    // Prepare
    const items = ['a', 'b', 'c'];
    const calls = controlledCalls(items);
    const first = new Error('c failed first');

    // Act
    const result = outcome(mapWithConcurrency(items, 3, calls.fn));
    await settle();
    calls.reject('c', first);
    await settle();
    calls.reject('a', new Error('a failed later'));
    calls.resolve('b', 'B');
    await settle();

    // Assess
    expect(result).toEqual({ settled: true, error: first });
  });

  it('resolves to an empty array for no items, without calling fn', async () => {
    // Prepare
    const called: unknown[] = [];

    // Act
    const result = await mapWithConcurrency([], 4, async (item: unknown) => {
      called.push(item);
      return item;
    });

    // Assess
    expect(result).toEqual([]);
    expect(called).toEqual([]);
  });

  it("passes each item's index in the input to fn", async () => {
    // Prepare
    const items = ['zero', 'one', 'two', 'three', 'four'];
    const seen: [string, number][] = [];

    // Act
    const result = await mapWithConcurrency(items, 2, async (item, index) => {
      seen.push([item, index]);
      return index * 10;
    });

    // Assess
    expect(seen).toEqual([
      ['zero', 0],
      ['one', 1],
      ['two', 2],
      ['three', 3],
      ['four', 4],
    ]);
    expect(result).toEqual([0, 10, 20, 30, 40]);
  });
});
