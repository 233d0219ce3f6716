/**
 * What the `npm start` tests share: the bundle built into a folder of its own, a folder that
 * looks like a checkout, the shell's environment without deploy settings, and readers of what
 * npm start prints.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { tempDir, type TempDir } from '../publish/support.js';

const execFileAsync = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface StartBundle {
  /** The folder built into, as `--outdir` of scripts/build.mjs. */
  readonly dir: string;
  /** dist/start/index.mjs of this build. */
  readonly script: string;
  remove(): Promise<void>;
}

/**
 * The `npm start` bundle, built into a folder of its own so that test files running in parallel
 * never rebuild each other's dist/. s3rver stays outside the bundle and is found through
 * node_modules, as from the repository's dist/, hence the link.
 */
export async function buildStartBundle(prefix: string): Promise<StartBundle> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'junction');
  try {
    await execFileAsync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--quiet', '--outdir', dir, 'start'], { cwd: repoRoot });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`building the npm start bundle failed:\n${e.stdout ?? ''}${e.stderr ?? ''}\n${e.message}`);
  }
  return { dir, script: join(dir, 'start', 'index.mjs'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A folder that looks like a checkout: the repository's seeds and feed.config.json. */
export async function checkout(prefix: string): Promise<TempDir> {
  const dir = await tempDir(prefix);
  await cp(join(repoRoot, 'seeds'), join(dir.path, 'seeds'), { recursive: true });
  await cp(join(repoRoot, 'feed.config.json'), join(dir.path, 'feed.config.json'));
  return dir;
}

/** The environment of the shell, without any setting a developer may have exported for a deploy. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(PORT|SITE_URL|FEED_|SEEDS_|S3_|CACHE_CONTROL|MAX_|UNPUBLISH_|PUBLISH_INTERVAL)/.test(name)) env[name] = value;
  }
  return { ...env, ...extra };
}

/** The four URLs npm start prints, by their label. */
export function printedUrls(stdout: string): { rss: string; atom: string; json: string; site: string } {
  const url = (label: string) => new RegExp(`^  ${label}\\s+(\\S+)$`, 'm').exec(stdout)?.[1];
  const urls = { rss: url('RSS 2\\.0'), atom: url('Atom 1\\.0'), json: url('JSON Feed'), site: url('Site') };
  expect(urls, stdout).toEqual({ rss: expect.any(String), atom: expect.any(String), json: expect.any(String), site: expect.any(String) });
  return urls as { rss: string; atom: string; json: string; site: string };
}

/** "Published N articles (…, R rejected, …): W objects written, U unchanged, D deleted." as numbers. */
export function counts(stdout: string): { published: number; rejected: number; written: number; unchanged: number; deleted: number } {
  const match =
    /Published (\d+) articles \(\d+ in the feeds, (\d+) rejected, \d+ held\): (\d+) objects written, (\d+) unchanged, (\d+) deleted\./.exec(
      stdout,
    );
  expect(match, stdout).not.toBeNull();
  const [published, rejected, written, unchanged, deleted] = match!.slice(1).map(Number) as [number, number, number, number, number];
  return { published, rejected, written, unchanged, deleted };
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A child process started by a test, with what it has printed so far. */
export interface Launched {
  readonly proc: ChildProcess;
  /** Started as the leader of its own process group (npm), as a terminal starts a command. */
  readonly group: boolean;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  stdout: string;
  stderr: string;
}

/** Starts `command ARGS` in `cwd` with the clean environment; the caller stops it. */
export function launchProcess(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: Record<string, string>; readonly group?: boolean },
): Launched {
  const proc = spawn(command, [...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  const launched: Launched = {
    proc,
    group: options.group === true,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        launched.exit = { code, signal };
        resolve(launched.exit);
      });
    }),
  };
  proc.stdout!.on('data', (chunk: Buffer) => {
    launched.stdout += chunk.toString();
  });
  proc.stderr!.on('data', (chunk: Buffer) => {
    launched.stderr += chunk.toString();
  });
  return launched;
}

/** Waits until npm start says it serves; fails with its output if it ends first. */
export async function serving(child: Launched, ms = 25_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!child.stdout.includes('Serving until Ctrl-C.')) {
    if (child.exit !== undefined || Date.now() > deadline) {
      throw new Error(`npm start did not get to serving (exit ${JSON.stringify(child.exit)}):\n${child.stdout}\n${child.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The exit of a process, or undefined if it has not ended within `ms`. */
export async function exitWithin(child: Launched, ms: number): Promise<Launched['exit']> {
  return Promise.race([child.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

/** Polls `read` until `check` holds; fails with what it last saw, naming what did not happen. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms; last seen:\n${String(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

/**
 * Saves a file whole in one step, as most editors do: written beside the watched folders, then
 * renamed over. A plain write first empties the file, and a republish that starts in between
 * (a stall on a loaded machine) would read it empty.
 */
export async function saveWhole(path: string, content: string | Uint8Array): Promise<void> {
  const temp = join(dirname(dirname(path)), `.saving-${randomUUID()}`);
  await writeFile(temp, content);
  await rename(temp, path);
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Every byte the server sent after the header block. */
  readonly body: Buffer;
}

/**
 * One HTTP/1.1 request on its own connection, the request target sent exactly as given (no
 * normalising of `//`, `..` or `%2F`), so that a body sent with a 304 or a HEAD answer is seen.
 */
export async function rawRequest(
  origin: string,
  target: string,
  method = 'GET',
  headers: Readonly<Record<string, string>> = {},
  body = '',
): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  const socket = connect(Number(port), hostname);
  const head = [`${method} ${target} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
  if (body !== '' || method === 'PUT' || method === 'POST') head.push(`Content-Length: ${Buffer.byteLength(body)}`);
  socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const all = Buffer.concat(chunks);
  const end = all.indexOf('\r\n\r\n');
  expect(end, all.toString('latin1')).toBeGreaterThan(0);
  const [statusLine = '', ...fields] = all.subarray(0, end).toString('latin1').split('\r\n');
  const parsed: Record<string, string> = {};
  for (const field of fields) {
    const colon = field.indexOf(':');
    parsed[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]), headers: parsed, body: all.subarray(end + 4) };
}
