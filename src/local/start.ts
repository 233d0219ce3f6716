/**
 * `npm start`: publishes ./seeds to an embedded S3 on 127.0.0.1 with the same code the Lambda
 * runs, then keeps serving so a feed reader can subscribe, and republishes what changes in the
 * seeds folder or feed.config.json while it serves. `--once` publishes and exits.
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { exitWhenWritten, isEntryPoint } from '../entry-point.js';
import { describeError } from '../errors.js';
import { ConfigError, configWarnings, loadRuntimeConfig, type Env, type FeedConfig } from '../config.js';
import { readConfigFile } from '../config-file.js';
import { problemLines } from '../publish/problems.js';
import { publish, PublishError, type PublishSummary } from '../publish/publish.js';
import { firstHeldInstant } from '../publish/settled.js';
import { bucketClient, bucketPublishDependencies } from '../wiring.js';
import { DataFolderBusy, type DataLock, lockDataFolder } from './data-lock.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.js';
import { removeLeftoverWrites } from './s3rver-consistency.js';
import { type ChangeWatcher, watchForChanges } from './watch.js';

export const DEFAULT_PORT = 4568;
export const LOCAL_BUCKET = 'feeds';

const HELP = `Usage: npm start -- [options]

Publishes the articles in ./seeds to an S3 server embedded in this process and serves the
feeds on http://127.0.0.1:PORT/${LOCAL_BUCKET}/ until Ctrl-C. While it serves, a change to a
seed or to feed.config.json is republished: only what changed is written.

  --once          publish and exit instead of serving
  --no-watch      serve without republishing changes
  --port N        port to listen on (default ${DEFAULT_PORT}; also PORT)
  --seeds DIR     folder of seed articles (default seeds)
  --data DIR      where the embedded S3 keeps its objects between runs (default .local-s3)
  --force         rewrite every object even if unchanged
`;

export interface StartIo {
  readonly cwd: string;
  readonly env: Env;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Told of the embedded S3 as soon as it runs, before the first publish: closing it releases the data folder. */
  readonly serverStarted?: (server: EmbeddedS3) => void;
}

export interface Started {
  readonly server: EmbeddedS3;
  readonly siteUrl: string;
  readonly summary: PublishSummary;
  /** Publishes again, with the config file read again; rejects as the first publish would have failed. */
  readonly republish: (request: { force?: boolean }) => Promise<{ summary: PublishSummary; feed: FeedConfig }>;
  /** The feed settings the first publish ran with. */
  readonly feed: FeedConfig;
  /** Where the seeds are, watched while serving unless `--no-watch`. */
  readonly seedsDir: string;
  readonly configFile: string;
  readonly watch: boolean;
}

function parseStartArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      once: { type: 'boolean', default: false },
      'no-watch': { type: 'boolean', default: false },
      port: { type: 'string' },
      seeds: { type: 'string', default: 'seeds' },
      data: { type: 'string', default: '.local-s3' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** Starts the embedded S3 and publishes once; the caller decides whether to keep serving. */
export async function startLocal(argv: readonly string[], io: StartIo): Promise<{ code: number; started?: Started; once: boolean }> {
  let values: ReturnType<typeof parseStartArgs>['values'];
  try {
    ({ values } = parseStartArgs(argv));
  } catch (error) {
    io.stderr(`${describeError(error)}\n\n${HELP}`);
    return { code: 2, once: true };
  }
  if (values.help) {
    io.stdout(HELP);
    return { code: 0, once: true };
  }
  const portText = values.port ?? io.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    io.stderr(`${values.port === undefined ? 'PORT' : '--port'}: "${portText}" is not a port number`);
    return { code: 2, once: true };
  }

  const dataDir = resolve(io.cwd, values.data!);
  let server: EmbeddedS3;
  try {
    // Listening first: the lock names the port, which tells a live npm start from a process
    // that only has the id of one that is gone.
    mkdirSync(dataDir, { recursive: true });
    const embedded = await startEmbeddedS3({ directory: dataDir, port, bucket: LOCAL_BUCKET });
    let lock: DataLock;
    try {
      lock = await lockDataFolder(dataDir, embedded.port);
    } catch (error) {
      await embedded.close();
      throw error;
    }
    server = { ...embedded, close: () => embedded.close().finally(() => lock.release()) };
    // Only now that the folder is ours: what a stopped npm start was writing.
    await removeLeftoverWrites(dataDir);
    io.serverStarted?.(server);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr(
      error instanceof DataFolderBusy
        ? error.message
        : code === 'EADDRINUSE'
          ? `port ${port} is in use; pick another with --port N`
          : `cannot start the local S3: ${describeError(error)}`,
    );
    return { code: 1, once: true };
  }

  const siteUrl = `${server.endpoint}/${LOCAL_BUCKET}/`;
  const seedsDir = resolve(io.cwd, values.seeds!);
  const configFile = resolve(io.cwd, 'feed.config.json');
  const publisher = localPublisher({ env: io.env, siteUrl, seedsDir, configFile, server, stderr: io.stderr });
  try {
    const { summary, feed } = await publisher.publish({ force: values.force === true });
    report(summary, feed, io);
    const started: Started = {
      server,
      siteUrl,
      summary,
      feed,
      republish: publisher.publish,
      seedsDir,
      configFile,
      watch: values['no-watch'] !== true,
    };
    return { code: 0, started, once: values.once === true };
  } catch (error) {
    await server.close();
    // The publish run cannot name a folder it sees only as a storage; an empty one is named here.
    const noSeeds = error instanceof PublishError && error.summary?.articles?.seeds === 0;
    if (noSeeds) io.stderr(`no seed articles in ${seedsDir}; nothing was written`);
    else reportFailure(error, io, 'npm start -- --force');
    return { code: 1, once: true };
  }
}

/**
 * One publish of the seeds folder to the embedded S3, with feed.config.json read again each
 * time: a republish while serving takes an edit of the config as well as one of the seeds.
 */
function localPublisher(options: {
  readonly env: Env;
  readonly siteUrl: string;
  readonly seedsDir: string;
  readonly configFile: string;
  readonly server: EmbeddedS3;
  readonly stderr: (line: string) => void;
}): { publish: (request: { force?: boolean }) => Promise<{ summary: PublishSummary; feed: FeedConfig }> } {
  const { siteUrl, seedsDir, configFile, server } = options;
  // s3rver answers the bare bucket URL with a bucket listing, so the channel links to the index page.
  const env: Env = {
    ...options.env,
    SITE_URL: siteUrl,
    FEED_HOME_URL: `${siteUrl}index.html`,
    // Every address is the local server's, whatever a deploy's environment says.
    FEED_RSS_URL: `${siteUrl}rss.xml`,
    FEED_ATOM_URL: `${siteUrl}atom.xml`,
    FEED_JSON_URL: `${siteUrl}feed.json`,
    FEED_BUCKET: LOCAL_BUCKET,
    SEEDS_SOURCE: 'bundle',
    SEEDS_DIR: seedsDir,
    S3_ENDPOINT: server.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
  };
  let client: S3Client | undefined;
  // Said again only when they change: a save that changes nothing prints nothing.
  let warned = '';
  return {
    async publish(request) {
      const file = await readConfigFile(configFile);
      if (typeof file === 'string') throw new ConfigError([file]);
      const config = loadRuntimeConfig(file.json, env, configFile);
      const warnings = configWarnings(config.feed, env);
      if (warnings.join('\n') !== warned) for (const warning of warnings) options.stderr(warning);
      warned = warnings.join('\n');
      // The bucket's settings come from the environment above, the same for every run.
      client ??= bucketClient(config.publish, { region: localS3Region, credentials: localS3Credentials });
      const deps = bucketPublishDependencies({ client, feed: config.feed, publish: config.publish, defaultSeedsDir: seedsDir });
      return { summary: await publish(deps, request), feed: config.feed };
    },
  };
}

/** What a run that could not publish says: the seeds it refused, the reason, and how to force a refused run. */
function reportFailure(error: unknown, io: Pick<StartIo, 'stderr'>, forceCommand: string): void {
  if (error instanceof PublishError) for (const line of problemLines(error.summary ?? {})) io.stderr(line);
  io.stderr(error instanceof ConfigError || error instanceof PublishError ? error.message : String((error as Error).stack ?? error));
  if (error instanceof PublishError && error.refused) io.stderr(`To publish it anyway: ${forceCommand}`);
}

function report(summary: PublishSummary, feed: FeedConfig, io: StartIo): void {
  reportProblems(summary, io);
  io.stdout(
    `Published ${summary.articles.published} articles (${summary.feedItems} in the feeds, ${summary.articles.rejected} rejected, ` +
      `${summary.articles.held} held): ${summary.objects.written} objects written, ${summary.objects.unchanged} unchanged, ${summary.objects.deleted} deleted.`,
  );
  const { rss, atom, json } = feed.feedUrls;
  io.stdout(`\n  RSS 2.0    ${rss}\n  Atom 1.0   ${atom}\n  JSON Feed  ${json}\n  Site       ${feed.homeUrl}\n`);
}

function reportProblems(summary: PublishSummary, io: Pick<StartIo, 'stderr'>): void {
  for (const line of problemLines(summary)) io.stderr(line);
}

/** How long the seeds folder and the config must be quiet before a change is republished. */
export const QUIET_MS = 300;

/**
 * Republishes whenever a seed or feed.config.json changes, until closed. A run that writes
 * nothing (a file saved unchanged, an editor's swap file) says nothing; one that fails says why
 * and the site stays as the last run left it, as with a scheduled run.
 */
export function republishOnChange(started: Started, io: Pick<StartIo, 'stdout' | 'stderr'>, options: { quietMs?: number } = {}) {
  const configName = basename(started.configFile);
  // What the last report said of seeds that are not published as they are: said again only when it changes.
  // Undefined after a run that failed: the next one that goes through says so, even with nothing to write.
  let problemsSaid: string | undefined = problemLines(started.summary).join('\n');
  // The first held article is published at its hour, as the schedule would on the Lambda.
  const wakeForHeld = (summary: PublishSummary, feed: FeedConfig) => {
    const first = firstHeldInstant(summary.held, feed);
    if (first !== undefined) watcher.runAt(first);
  };
  const watcher: ChangeWatcher = watchForChanges({
    folders: [
      // Deleting, adding or renaming any file there can change what is published (a name that
      // stops ending in .txt unpublishes it), and an editor's own files make runs that write
      // nothing. The folder itself may be replaced (a checkout, a copy of a backup).
      { path: started.seedsDir, replaceable: true },
      { path: dirname(started.configFile), accept: (name) => name === configName },
    ],
    quietMs: options.quietMs ?? QUIET_MS,
    // What was saved while the first publish ran.
    runFirst: true,
    stopped: (problem) => io.stderr(`${problem}; restart npm start to pick up later changes`),
    run: async () => {
      const time = new Date().toTimeString().slice(0, 8);
      try {
        const { summary, feed } = await started.republish({});
        wakeForHeld(summary, feed);
        const { written, deleted } = summary.objects;
        const problems = problemLines(summary).join('\n');
        if (written + deleted === 0 && problems === problemsSaid) return;
        problemsSaid = problems;
        reportProblems(summary, io);
        io.stdout(
          `${time} republished: ${written} objects written, ${deleted} deleted (${summary.articles.published} articles, ${summary.feedItems} in the feeds).`,
        );
      } catch (error) {
        // The next run that goes through reports, so the failure is not the last word.
        problemsSaid = undefined;
        io.stderr(`${time} not republished; the site stays as it was:`);
        reportFailure(error, io, 'stop npm start and run npm start -- --force');
      }
    },
  });
  wakeForHeld(started.summary, started.feed);
  return watcher;
}

if (isEntryPoint(import.meta.url)) {
  // The SDK warns on Node 20 that its releases from 2027 need Node 22; the Lambda runs Node 24,
  // and the README says so once rather than every local run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // From the start, not only once serving: Ctrl-C (or a closed terminal) during the first
  // publish closes the server too, and with it the data folder's lock.
  let server: EmbeddedS3 | undefined;
  let serving = false;
  const stop = (signal: NodeJS.Signals) => {
    const code = serving ? 0 : 128 + (os.constants.signals[signal] ?? 1);
    void (server?.close() ?? Promise.resolve()).finally(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  const io: StartIo = {
    cwd: process.cwd(),
    env: process.env,
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
    serverStarted: (started) => {
      server = started;
    },
  };
  const { code, started, once } = await startLocal(process.argv.slice(2), io);
  if (!started || once) {
    await started?.server.close();
    exitWhenWritten(code);
  } else {
    serving = true;
    // Watching before saying so: a change saved right after the line below is republished.
    if (started.watch) {
      republishOnChange(started, io);
      io.stdout(`Changes to ${started.seedsDir} and ${started.configFile} are republished as they are saved.`);
    }
    io.stdout('Serving until Ctrl-C.');
  }
}
