/**
 * Runs the shared, independent feed checker (xmllint, jing with RFC 4287 RELAX NG, the RFC's
 * Schematron rules, feedparser, the W3C feed validator, rss-parser, feedsmith, a JSON Feed 1.1
 * schema, newsboat) on feeds built by the CLI. Its first run installs Debian and npm packages,
 * which can take minutes; later runs take about a minute each.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CHECK = resolve(REPO, '../shared/feed-check/check');
const GEN_CORPUS = resolve(REPO, '../shared/bench/gen-corpus.mjs');
const TWENTY_MINUTES = 20 * 60_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** Builds the three feeds with the CLI, as a user would; returns the CLI's stdout and stderr. */
async function buildWithCli(seeds: string, out: string, env: Record<string, string> = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const io = { out: [] as string[], err: [] as string[] };
  const code = await runCli(['build', '--seeds', seeds, '--out', out, '--config', join(REPO, 'feed.config.json'), '--now', '2026-06-01T00:00:00Z'], {
    stdout: (line) => io.out.push(line),
    stderr: (line) => io.err.push(line),
    env,
    cwd: REPO,
    now: () => new Date('2026-06-01T00:00:00Z'),
  });
  return { code, ...io };
}

function lastLine(output: string): string {
  return output.trimEnd().split('\n').at(-1) ?? '';
}

/** The checker prints `PASS [checker] file: why` or `FAIL [checker] file: why` per file and checker. */
const failures = (output: string) => output.split('\n').filter((line) => line.startsWith('FAIL'));

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'feedpress-feed-check-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the shared feed checker', () => {
  it(
    'passes every check on the feeds built from seeds/',
    async (ctx) => {
      if (!existsSync(CHECK)) ctx.skip(`skipped: the shared feed checker is not at ${CHECK}`);

      // Prepare
      const out = join(work, 'seeds-feeds');
      const build = await buildWithCli(join(REPO, 'seeds'), out);
      expect(build.code, build.err.join('\n')).toBe(0);

      // Act
      const check = await run(CHECK, [out], TWENTY_MINUTES);

      // Assess
      const report = `${check.stdout}\n--- stderr ---\n${check.stderr.slice(-4000)}`;
      expect(failures(check.stdout), report).toEqual([]);
      expect(check.code, report).toBe(0);
      expect(lastLine(check.stdout), report).toMatch(/^[1-9]\d* passed, 0 failed$/);
    },
    TWENTY_MINUTES,
  );

  it(
    'passes every check on the feeds built from a generated corpus of 300 articles',
    async (ctx) => {
      if (!existsSync(CHECK)) ctx.skip(`skipped: the shared feed checker is not at ${CHECK}`);
      if (!existsSync(GEN_CORPUS)) ctx.skip(`skipped: the corpus generator is not at ${GEN_CORPUS}`);

      // Prepare
      const seeds = join(work, 'generated-seeds');
      const out = join(work, 'generated-feeds');
      const generated = await run(process.execPath, [GEN_CORPUS, seeds, '300'], 120_000);
      expect(generated.code, generated.stderr).toBe(0);
      const build = await buildWithCli(seeds, out);
      expect(build.code, build.err.join('\n')).toBe(0);
      expect(build.out.join('\n')).toMatch(/^300 articles published to .*\(50 in the feeds, 0 rejected, 0 held\)/m);

      // Act
      const check = await run(CHECK, [out], TWENTY_MINUTES);

      // Assess
      const report = `${check.stdout}\n--- stderr ---\n${check.stderr.slice(-4000)}`;
      expect(failures(check.stdout), report).toEqual([]);
      expect(check.code, report).toBe(0);
      expect(lastLine(check.stdout), report).toMatch(/^[1-9]\d* passed, 0 failed$/);
    },
    TWENTY_MINUTES,
  );

  it(
    'passes every check on feeds over their size limit, whose oldest items lost their full text',
    async (ctx) => {
      if (!existsSync(CHECK)) ctx.skip(`skipped: the shared feed checker is not at ${CHECK}`);
      if (!existsSync(GEN_CORPUS)) ctx.skip(`skipped: the corpus generator is not at ${GEN_CORPUS}`);

      // Prepare
      const seeds = join(work, 'limited-seeds');
      const out = join(work, 'limited-feeds');
      const generated = await run(process.execPath, [GEN_CORPUS, seeds, '80'], 120_000);
      expect(generated.code, generated.stderr).toBe(0);
      const build = await buildWithCli(seeds, out, { MAX_FEED_BYTES: '100KiB' });
      expect(build.code, build.err.join('\n')).toBe(0);
      expect(build.err.join('\n')).toMatch(/the full text of the \d+ oldest of their 50 items is left out/);

      // Act
      const check = await run(CHECK, [out], TWENTY_MINUTES);

      // Assess
      const report = `${check.stdout}\n--- stderr ---\n${check.stderr.slice(-4000)}`;
      expect(failures(check.stdout), report).toEqual([]);
      expect(check.code, report).toBe(0);
    },
    TWENTY_MINUTES,
  );
});
