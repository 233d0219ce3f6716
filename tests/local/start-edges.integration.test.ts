/**
 * `npm start` at its edges, as a newcomer meets them: the real bundle (built into a temp folder,
 * as in start.integration.test.ts) run as a child process in a throw-away checkout, for what is
 * about the process: --help and mistyped options, a port already taken, Ctrl-C and SIGTERM,
 * restarting after an edit, missing, empty and broken seeds, a broken
 * feed.config.json, the environment, and where the data is kept. One test runs it through npm
 * itself, with the package.json script, to see what a signal to npm leaves behind.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, type TempDir } from '../publish/support.js';
import {
  buildStartBundle,
  cleanEnv,
  counts,
  exitWithin,
  freePort,
  type Launched,
  launchProcess,
  printedUrls,
  repoRoot,
  serving,
  type StartBundle,
} from './support.js';

const execFileAsync = promisify(execFile);

let bundle: StartBundle;
let startScript: string;

beforeAll(async () => {
  // Prepare (shared): the `npm start` bundle in a folder of its own.
  bundle = await buildStartBundle('npm-start-edges-build-');
  startScript = bundle.script;
});

afterAll(async () => {
  await bundle?.remove();
});

/** A seed of our own, so the edits below do not depend on which samples the repository ships. */
const OWN_SEED = 'zz-local-check.txt';
const ownSeed = (title: string) => `date 2025-12-01 ${title}\n\nThe lede of a seed this test edits.\n\nA second paragraph.\n`;

let dir: TempDir;
const children: Launched[] = [];

beforeEach(async () => {
  // Prepare (shared): a folder that looks like a checkout: the repository's seeds plus one of ours, and its config.
  dir = await tempDir('npm-start-edges-');
  await cp(join(repoRoot, 'seeds'), join(dir.path, 'seeds'), { recursive: true });
  await writeFile(join(dir.path, 'seeds', OWN_SEED), ownSeed('Local check, first version'));
  await cp(join(repoRoot, 'feed.config.json'), join(dir.path, 'feed.config.json'));
});

afterEach(async () => {
  // Whatever a test left running is stopped here, by its own pid (or process group for npm).
  for (const child of children.splice(0)) {
    if (child.exit === undefined) {
      try {
        if (child.group) process.kill(-child.proc.pid!, 'SIGKILL');
        else child.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
      await child.exited;
    }
  }
  await dir.remove();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm start -- ARGS` without npm (the same node command), to its end; never throws on a non-zero exit. */
async function run(args: readonly string[], env: Record<string, string> = {}, cwd = dir.path): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--enable-source-maps', startScript, ...args], {
      cwd,
      env: cleanEnv(env),
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

function launch(command: string, args: readonly string[], options: { env?: Record<string, string>; group?: boolean } = {}): Launched {
  const launched = launchProcess(command, args, { cwd: dir.path, ...options });
  children.push(launched);
  return launched;
}

/** `npm start -- --port 0 ARGS`, serving. */
async function serve(args: readonly string[] = [], env: Record<string, string> = {}): Promise<Launched> {
  const child = launch(process.execPath, ['--enable-source-maps', startScript, '--port', '0', ...args], { env });
  await serving(child);
  return child;
}

/** The status a GET gets, or "unreachable" when nothing answers on that port. */
async function statusOf(url: string): Promise<number | 'unreachable'> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'unreachable';
  }
}

/** Lines of a Node stack trace, or of Node's report of an unhandled error event. */
const STACK = /^\s+at .+:\d+:\d+\)?$|node:events|throw er;/m;

describe('--help and mistakes on the command line', () => {
  it.each([['--help'], ['-h']])('%s prints every option the README lists on stdout, exits 0 and creates no data folder', async (flag) => {
    // Act
    const result = await run([flag]);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Usage: npm start -- [options]');
    for (const option of ['--once', '--port N', '--seeds DIR', '--data DIR', '--force']) expect(result.stdout).toContain(option);
    expect(await readdir(dir.path)).not.toContain('.local-s3');
  });

  it.each([
    { mistake: 'an unknown option', args: ['--bogus'], named: '--bogus' },
    // `npm start --port 5000`, without `--`: npm keeps --port and hands the script the bare 5000.
    { mistake: 'an option npm kept for itself', args: ['5000'], named: '5000' },
    { mistake: 'a port past 65535', args: ['--port', '70000'], named: '70000' },
    { mistake: 'a port that is not a number', args: ['--port', 'abc'], named: 'abc' },
  ])('$mistake: exits 2 with a message naming it, no stack trace, and touches nothing', async ({ args, named }) => {
    // Act
    const result = await run(args);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toContain(named);
    expect(result.stderr).not.toMatch(STACK);
    expect(await readdir(dir.path)).not.toContain('.local-s3');
  });

  it('takes the port from PORT when --port is not given', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const result = await run(['--once'], { PORT: String(port) });

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(printedUrls(result.stdout).rss).toBe(`http://127.0.0.1:${port}/feeds/rss.xml`);
  });

  // A PORT from the environment is named as PORT, not as an option the user never typed.
  it('names PORT, not --port, when the bad port came from the environment', async () => {
    // Act
    const result = await run(['--once'], { PORT: 'abc' });

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).not.toContain('--port:');
  });
});

describe('a port that is already taken', () => {
  let occupier: ReturnType<typeof createServer> | undefined;

  afterEach(async () => {
    await new Promise<void>((resolve) => (occupier ? occupier.close(() => resolve()) : resolve()));
    occupier = undefined;
  });

  // s3rver's listen resolves only on success; the port is tried first, so one in use is one line.
  it('says in one line that the port is in use and how to pick another, exits 1, no stack trace', async () => {
    // Prepare
    occupier = createServer();
    await new Promise<void>((resolve) => occupier!.listen(0, '127.0.0.1', resolve));
    const { port } = occupier.address() as AddressInfo;

    // Act
    const result = await run(['--once', '--port', String(port)]);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('RSS 2.0');
    expect(result.stderr).not.toMatch(STACK);
    expect(result.stderr.trim()).toBe(`port ${port} is in use; pick another with --port N`);
  });
});

describe('Ctrl-C, SIGTERM and starting again', () => {
  it('stops cleanly on SIGINT (exit 0, port closed); a restart on the same port after an edit republishes only what changed, at the same URLs', async () => {
    // Prepare: not watching, so the edit is published by the next start, as the README's "a
    // second npm start republishes only what changed" says, not while this one runs.
    const first = await serve(['--no-watch']);
    const urls = printedUrls(first.stdout);
    const before = counts(first.stdout);
    const port = new URL(urls.rss).port;
    await writeFile(join(dir.path, 'seeds', OWN_SEED), ownSeed('Local check, edited'));
    const whileRunning = await (await fetch(urls.json)).text();

    // Act
    first.proc.kill('SIGINT');
    const stopped = await exitWithin(first, 5_000);
    const portAfterStop = await statusOf(urls.rss);
    const second = launch(process.execPath, ['--enable-source-maps', startScript, '--port', port]);
    await serving(second);

    // Assess
    expect(whileRunning).toContain('Local check, first version');
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(first.stderr).toBe('');
    expect(portAfterStop).toBe('unreachable');
    expect(printedUrls(second.stdout)).toEqual(urls);
    const after = counts(second.stdout);
    expect(after.published).toBe(before.published);
    // The edited article's page, the feeds, the index and the manifest; every other page stays.
    expect(after.written).toBeGreaterThan(0);
    expect(after.unchanged).toBeGreaterThanOrEqual(before.published - 1);
    expect(after.written).toBeLessThan(before.written);
    expect(await (await fetch(urls.json)).text()).toContain('Local check, edited');
    for (const url of Object.values(urls)) expect(await statusOf(url), url).toBe(200);
  });

  it('stops cleanly on SIGTERM too: exit 0, nothing on stderr, port closed', async () => {
    // Prepare
    const child = await serve();
    const { rss } = printedUrls(child.stdout);

    // Act
    child.proc.kill('SIGTERM');
    const stopped = await exitWithin(child, 5_000);

    // Assess
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(child.stderr).toBe('');
    expect(await statusOf(rss)).toBe('unreachable');
  });

  it('exits on SIGINT while a reader keeps an idle keep-alive connection open', async () => {
    // Prepare
    const child = await serve();
    const { rss } = printedUrls(child.stdout);
    // fetch keeps the connection open for reuse after the body is read.
    expect(await statusOf(rss)).toBe(200);

    // Act
    child.proc.kill('SIGINT');
    const stopped = await exitWithin(child, 5_000);

    // Assess
    expect(stopped).toEqual({ code: 0, signal: null });
  });

  // Stopping drops connections a client opened and never used, which would hold the server open.
  it('exits on SIGINT within 5 s while a client holds a connection that has not sent a whole request', async () => {
    // Prepare
    const child = await serve();
    const port = Number(new URL(printedUrls(child.stdout).rss).port);
    const socket: Socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /feeds/rss.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n');

    try {
      // Act
      child.proc.kill('SIGINT');
      const stopped = await exitWithin(child, 5_000);

      // Assess
      expect(stopped).toEqual({ code: 0, signal: null });
    } finally {
      socket.destroy();
    }
  });
});

describe('through npm, with the package.json script', () => {
  /** This checkout's package.json with the repository's start script, pointed at the temp bundle. */
  async function npmCheckout(): Promise<void> {
    const { scripts } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const script = scripts.start
      .replace('scripts/build.mjs --quiet start', `${join(repoRoot, 'scripts', 'build.mjs')} --quiet --outdir ${bundle.dir} start`)
      .replace('dist/start/index.mjs', bundle.script);
    expect(script, scripts.start).toContain(bundle.dir);
    await writeFile(
      join(dir.path, 'package.json'),
      JSON.stringify({ name: 'checkout', private: true, type: 'module', scripts: { start: script } }),
    );
  }

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npmEnv = { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

  it('Ctrl-C in the terminal (SIGINT to the whole process group) stops the server', async () => {
    // Prepare
    await npmCheckout();
    const port = await freePort();
    const child = launch(npm, ['start', '--', '--port', String(port)], { env: npmEnv, group: true });
    await serving(child);

    // Act
    process.kill(-child.proc.pid!, 'SIGINT');
    await exitWithin(child, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Assess
    expect(child.exit).toBeDefined();
    expect(await statusOf(`http://127.0.0.1:${port}/feeds/rss.xml`)).toBe('unreachable');
  });

  // `npm start` execs the server, so a SIGTERM to npm reaches it and no server is left running.
  it('SIGTERM to npm leaves no server running', async () => {
    // Prepare
    await npmCheckout();
    const port = await freePort();
    const child = launch(npm, ['start', '--', '--port', String(port)], { env: npmEnv, group: true });
    await serving(child);

    try {
      // Act
      child.proc.kill('SIGTERM');
      await exitWithin(child, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 500));

      // Assess
      expect(child.exit).toBeDefined();
      expect(await statusOf(`http://127.0.0.1:${port}/feeds/rss.xml`)).toBe('unreachable');
    } finally {
      // The orphan is still in npm's process group.
      try {
        process.kill(-child.proc.pid!, 'SIGKILL');
      } catch {
        // nothing left
      }
    }
  });
});

describe('seeds that are missing, empty or broken', () => {
  it('a seeds folder that does not exist: exit 1, a message naming it, no stack trace, no URLs', async () => {
    // Act
    const result = await run(['--once', '--port', '0', '--seeds', 'no-such-folder']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(join(dir.path, 'no-such-folder'));
    expect(result.stderr).not.toMatch(STACK);
    expect(result.stdout).not.toContain('RSS 2.0');
  });

  // An empty seeds folder is named in the message, as a missing one is.
  it('an empty seeds folder: exit 1, no stack trace, no URLs, and a message naming the folder', async () => {
    // Prepare
    await mkdir(join(dir.path, 'empty-seeds'));

    // Act
    const result = await run(['--once', '--port', '0', '--seeds', 'empty-seeds']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(STACK);
    expect(result.stdout).not.toContain('RSS 2.0');
    expect(result.stderr).toContain('empty-seeds');
  });

  it('only broken seeds: exit 1, one "file:line: reason" each and why nothing was published, no stack trace', async () => {
    // Prepare
    const seeds = join(dir.path, 'broken');
    await mkdir(seeds);
    await writeFile(join(seeds, 'a.txt'), 'hello\n\nworld\n');
    await writeFile(join(seeds, 'b.txt'), 'date 2026-02-30 Not a day\n\nBody.\n');

    // Act
    const result = await run(['--once', '--port', '0', '--seeds', 'broken']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^a\.txt:1: .+$/m);
    expect(result.stderr).toMatch(/^b\.txt:1: .*2026-02-30.*$/m);
    expect(result.stderr).toContain('none of the 2 seed articles could be published');
    expect(result.stderr).not.toMatch(STACK);
    expect(result.stdout).not.toContain('RSS 2.0');
  });

  it('some broken seeds: reports each and serves the good ones', async () => {
    // Prepare
    await writeFile(join(dir.path, 'seeds', 'zz-broken.txt'), 'hello\n\nworld\n');

    // Act
    const child = await serve();

    // Assess
    expect(child.stderr).toMatch(/^zz-broken\.txt:1: .+$/m);
    expect(counts(child.stdout).rejected).toBe(1);
    const urls = printedUrls(child.stdout);
    const rss = await (await fetch(urls.rss)).text();
    expect(rss).toContain('Local check, first version');
    expect(rss).not.toContain('zz-broken');
  });

  it('a published seed that breaks: the restart says its last good version stays, and keeps serving it', async () => {
    // Prepare
    const port = String(await freePort());
    const first = await run(['--once', '--port', port]);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(join(dir.path, 'seeds', OWN_SEED), 'date 2025-12-01\n\nThe title went missing.\n');

    // Act
    const again = await serve(['--port', port]);

    // Assess
    expect(again.stderr).toMatch(new RegExp(`^${OWN_SEED.replace('.', '\\.')}:1: .+ \\(its last good version stays published\\)$`, 'm'));
    expect(counts(again.stdout).published).toBe(counts(first.stdout).published);
    expect(await (await fetch(printedUrls(again.stdout).json)).text()).toContain('Local check, first version');
  });
});

describe('feed.config.json and the environment', () => {
  // A feed.config.json that is no JSON is one line naming the file, not a stack trace.
  it('a feed.config.json that is not valid JSON: one message naming the file, no stack trace, exit 1', async () => {
    // Prepare
    await writeFile(join(dir.path, 'feed.config.json'), '{ "title": "x", }\n');

    // Act
    const result = await run(['--once', '--port', '0']);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('feed.config.json');
    expect(result.stderr).not.toMatch(STACK);
  });

  it('a bad setting in the environment: every problem listed, exit 1, no stack trace', async () => {
    // Act
    const result = await run(['--once', '--port', '0'], { FEED_LANGUAGE: 'xx_YY', FEED_ITEM_LIMIT: '0' });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FEED_LANGUAGE');
    expect(result.stderr).toContain('FEED_ITEM_LIMIT');
    expect(result.stderr).not.toMatch(STACK);
  });

  it('FEED_TITLE applies; a SITE_URL and FEED_HOME_URL exported for a deploy do not take the links away from this server; stderr stays empty', async () => {
    // Act
    const child = await serve([], {
      FEED_TITLE: 'Local Title From The Environment',
      SITE_URL: 'https://public.example.org/',
      FEED_HOME_URL: 'https://public.example.org/home',
    });

    // Assess
    const urls = printedUrls(child.stdout);
    const origin = `http://127.0.0.1:${new URL(urls.rss).port}/feeds/`;
    expect(urls).toEqual({ rss: `${origin}rss.xml`, atom: `${origin}atom.xml`, json: `${origin}feed.json`, site: `${origin}index.html` });
    const rss = await (await fetch(urls.rss)).text();
    expect(rss).toContain('<title>Local Title From The Environment</title>');
    expect(rss).not.toContain('public.example.org');
    // Neither the SDK's Node version reminder nor an http:// warning for 127.0.0.1.
    expect(child.stderr).toBe('');
  });

  // Every printed address is the local server's, whatever FEED_*_URL a deploy's environment sets.
  it('prints feed URLs on this server even when FEED_RSS_URL is exported for a deploy', async () => {
    // Act
    const result = await run(['--once', '--port', '0'], { FEED_RSS_URL: 'https://feeds.example.org/rss.xml' });

    // Assess
    expect(result.code, result.stderr).toBe(0);
    const urls = printedUrls(result.stdout);
    const port = new URL(urls.json).port;
    expect(urls.rss).toBe(`http://127.0.0.1:${port}/feeds/rss.xml`);
  });
});

describe('where the data is kept', () => {
  it('writes only .local-s3 in the working folder, which the repository ignores, as it does the bundle', async () => {
    // Prepare
    const before = await readdir(dir.path);

    // Act
    const result = await run(['--once', '--port', '0']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect((await readdir(dir.path)).filter((name) => !before.includes(name))).toEqual(['.local-s3']);
    // Read-only: git check-ignore prints each path given that the repository ignores.
    const ignored = await execFileAsync('git', ['check-ignore', '.local-s3/feeds/rss.xml', 'dist/start/index.mjs'], { cwd: repoRoot });
    expect(ignored.stdout.split('\n').filter(Boolean)).toEqual(['.local-s3/feeds/rss.xml', 'dist/start/index.mjs']);
  });

  it('--data DIR keeps the bucket there and nothing in the working folder', async () => {
    // Prepare
    const elsewhere = await tempDir('npm-start-edges-data-');
    const before = await readdir(dir.path);

    try {
      // Act
      const result = await run(['--once', '--port', '0', '--data', elsewhere.path]);

      // Assess
      expect(result.code, result.stderr).toBe(0);
      expect(await readdir(dir.path)).toEqual(before);
      expect(await readdir(elsewhere.path)).toContain('feeds');
    } finally {
      await elsewhere.remove();
    }
  });
});
