/**
 * One publish path: `npm start`, the CLI and the Lambda handler publish the same seeds to the
 * same objects, byte for byte (the manifest aside, which records each storage's own ETags).
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { startLocal, type Started } from '../../src/local/start.js';
import { bodies, filesUnder, objectsIn, runHandler } from './one-path-support.js';
import { tempDir, type TempDir } from './support.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let dir: TempDir;
let started: Started | undefined;

beforeAll(async () => {
  dir = await tempDir('one-path-');
  await cp(join(repoRoot, 'seeds'), join(dir.path, 'seeds'), { recursive: true });
  await cp(join(repoRoot, 'feed.config.json'), join(dir.path, 'feed.config.json'));
});

afterAll(async () => {
  await started?.server.close();
  await dir.remove();
});

describe('npm start, the CLI and the handler', () => {
  it('write identical objects for the same seeds and settings', async () => {
    // Prepare: npm start picks its own site URL (the port); the other two are given the same one.
    const quiet = { stdout: () => {}, stderr: () => {} };
    const local = await startLocal(['--port', '0'], { cwd: dir.path, env: {}, ...quiet });
    started = local.started;
    expect(local.code).toBe(0);
    const siteUrl = started!.siteUrl;
    const env = { SITE_URL: siteUrl, FEED_HOME_URL: `${siteUrl}index.html` };

    // Act
    const cliCode = await runCli(['build', '--seeds', 'seeds', '--out', 'cli-out'], {
      ...quiet,
      env,
      cwd: dir.path,
      now: () => new Date(),
    });
    await runHandler(env, started!.server.endpoint, 'handler-site', join(dir.path, 'seeds'));

    // Assess
    expect(cliCode).toBe(0);
    const fromStart = bodies(await objectsIn(started!.server.endpoint, 'feeds'));
    const fromHandler = bodies(await objectsIn(started!.server.endpoint, 'handler-site'));
    const fromCli = await filesUnder(join(dir.path, 'cli-out'));
    expect(Object.keys(fromStart).length).toBeGreaterThan(4);
    expect(Object.keys(fromStart).sort()).toEqual(Object.keys(fromCli).sort());
    expect(fromHandler).toEqual(fromStart);
    expect(fromCli).toEqual(fromStart);
  });
});
