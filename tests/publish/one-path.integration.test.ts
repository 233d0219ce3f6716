/**
 * One publish path: `npm start`, the CLI and the Lambda handler publish the same seeds to the
 * same objects, byte for byte (the manifest aside, which records each storage's own ETags).
 */
import { cp, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { localS3Credentials, localS3Region } from '../../src/local/embedded-s3.js';
import { startLocal, type Started } from '../../src/local/start.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { runHandler } from './local-handler.js';
import { tempDir, type TempDir } from './support.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST = '_publish/manifest.json';

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

async function filesUnder(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(root, path).split('\\').join('/')] = await readFile(path, 'utf8');
  }
  return files;
}

async function objectsIn(bucket: string): Promise<Record<string, string>> {
  const client = createS3Client({
    region: localS3Region,
    endpoint: started!.server.endpoint,
    forcePathStyle: true,
    credentials: localS3Credentials,
  });
  const storage = new S3Storage({ client, bucket });
  const objects: Record<string, string> = {};
  for (const { key } of await storage.list('')) objects[key] = Buffer.from((await storage.get(key))!.body).toString('utf8');
  return objects;
}

const withoutManifest = (objects: Record<string, string>) =>
  Object.fromEntries(Object.entries(objects).filter(([key]) => key !== MANIFEST));

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
    const fromStart = withoutManifest(await objectsIn('feeds'));
    const fromHandler = withoutManifest(await objectsIn('handler-site'));
    const fromCli = withoutManifest(await filesUnder(join(dir.path, 'cli-out')));
    expect(Object.keys(fromStart).length).toBeGreaterThan(4);
    expect(Object.keys(fromStart).sort()).toEqual(Object.keys(fromCli).sort());
    expect(fromHandler).toEqual(fromStart);
    expect(fromCli).toEqual(fromStart);
  });
});
