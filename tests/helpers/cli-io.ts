/** The CLI's I/O for tests: what it printed, a fixed clock, an environment of the test's choosing. */
import type { CliIo } from '../../src/cli.js';
import type { Env } from '../../src/config.js';

export interface FakeIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
}

export function fakeIo(cwd: string, options: { env?: Env; now?: string } = {}): FakeIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    env: options.env ?? {},
    cwd,
    now: () => new Date(options.now ?? '2026-03-01T00:00:00.000Z'),
  };
}

/** Every line written, split on newlines (one call may print several lines). */
export const lines = (written: readonly string[]) =>
  written
    .join('\n')
    .split('\n')
    .filter((line) => line !== '');

/** A line naming a refused seed: `file.txt:LINE: reason`. */
export const ARTICLE_ERROR_LINE = /^[^:\s][^:]*\.txt:\d+: \S.*$/;
