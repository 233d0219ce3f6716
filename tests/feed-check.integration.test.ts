/**
 * Runs the shared, independent feed checker (xmllint, jing with RFC 4287 RELAX NG, the RFC's
 * Schematron rules, feedparser, the W3C feed validator, rss-parser, feedsmith, a JSON Feed 1.1
 * schema, newsboat) on feeds built by the CLI. Its first run installs Debian and npm packages,
 * which can take minutes; later runs take about a minute each.
 *
 * The checker and the corpus generator live in ../shared, beside the repository. Without them
 * the tests are skipped with the reason printed in the run output; under CI=true a missing
 * one is a failure instead, so a CI run can never pass without having checked the feeds.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { runCli } from '../src/cli.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const CHECK = resolve(REPO, '../shared/feed-check/check');
const GEN_CORPUS = resolve(REPO, '../shared/bench/gen-corpus.mjs');
const TWENTY_MINUTES = 20 * 60_000;
const IN_CI = /^(true|1)$/i.test(process.env.CI ?? '');

interface SharedTool {
  readonly path: string;
  readonly what: string;
}
const CHECKER: SharedTool = { path: CHECK, what: 'the shared feed checker' };
const GENERATOR: SharedTool = { path: GEN_CORPUS, what: 'the shared corpus generator' };
const missingTools = [CHECKER, GENERATOR].filter((tool) => !existsSync(tool.path));

/**
 * Stops the test when a tool from ../shared is missing: a skip with the reason outside CI,
 * a failure naming the missing path under CI=true.
 */
function requireTool(ctx: TestContext, tool: SharedTool): void {
  if (existsSync(tool.path)) return;
  if (IN_CI)
    throw new Error(
      `CI=true and ${tool.what} is missing: ${tool.path} does not exist. CI must run the shared feed checks; provide ../shared beside the repository.`,
    );
  ctx.skip(`${tool.what} is not at ${tool.path}`);
}

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
async function buildWithCli(
  seeds: string,
  out: string,
  env: Record<string, string> = {},
): Promise<{ code: number; out: string[]; err: string[] }> {
  const io = { out: [] as string[], err: [] as string[] };
  const code = await runCli(
    ['build', '--seeds', seeds, '--out', out, '--config', join(REPO, 'feed.config.json'), '--now', '2026-06-01T00:00:00Z'],
    {
      stdout: (line) => io.out.push(line),
      stderr: (line) => io.err.push(line),
      env,
      cwd: REPO,
      now: () => new Date('2026-06-01T00:00:00Z'),
    },
  );
  return { code, ...io };
}

function lastLine(output: string): string {
  return output.trimEnd().split('\n').at(-1) ?? '';
}

/** The checker prints `PASS [checker] file: why` or `FAIL [checker] file: why` per file and checker. */
const failures = (output: string) => output.split('\n').filter((line) => line.startsWith('FAIL'));

let work: string;

beforeAll(async () => {
  // The default reporter does not print skip notes, so say once why the tests are skipped.
  if (!IN_CI && missingTools.length > 0) {
    console.warn(`Shared feed checks skipped: ${missingTools.map((tool) => `${tool.what} is not at ${tool.path}`).join('; ')}.`);
  }
  work = await mkdtemp(join(tmpdir(), 'feedpress-feed-check-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the shared feed checker', () => {
  it(
    'passes every check on the feeds built from seeds/',
    async (ctx) => {
      requireTool(ctx, CHECKER);

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
      requireTool(ctx, CHECKER);
      requireTool(ctx, GENERATOR);

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
      // The 250 articles older than the feeds' 50 are in five RFC 5005 archives of each format.
      const archives = await run(CHECK, [join(out, 'archive')], TWENTY_MINUTES);

      // Assess
      for (const result of [check, archives]) {
        const report = `${result.stdout}\n--- stderr ---\n${result.stderr.slice(-4000)}`;
        expect(failures(result.stdout), report).toEqual([]);
        expect(result.code, report).toBe(0);
        expect(lastLine(result.stdout), report).toMatch(/^[1-9]\d* passed, 0 failed$/);
      }
    },
    TWENTY_MINUTES,
  );

  it(
    'passes every check on feeds over their size limit, whose oldest items lost their full text',
    async (ctx) => {
      requireTool(ctx, CHECKER);
      requireTool(ctx, GENERATOR);

      // Prepare
      const seeds = join(work, 'limited-seeds');
      const out = join(work, 'limited-feeds');
      const generated = await run(process.execPath, [GEN_CORPUS, seeds, '80'], 120_000);
      expect(generated.code, generated.stderr).toBe(0);
      const build = await buildWithCli(seeds, out, { MAX_FEED_BYTES: '100KiB' });
      expect(build.code, build.err.join('\n')).toBe(0);
      expect(build.err.join('\n')).toMatch(/the full text of \d+ of their 50 items is left out/);

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
