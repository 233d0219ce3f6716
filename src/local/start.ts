/**
 * `npm start`: publishes ./seeds to an embedded S3 on 127.0.0.1 with the same code the Lambda
 * runs, then keeps serving so a feed reader can subscribe. `--once` publishes and exits.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isEntryPoint } from '../entry-point.js';
import { describeError } from '../errors.js';
import { ConfigError, configWarnings, loadRuntimeConfig, type Env, type FeedConfig } from '../config.js';
import { publish, PublishError, type PublishSummary } from '../publish/publish.js';
import { bucketClient, bucketPublishDependencies } from '../wiring.js';
import { DataFolderBusy, type DataLock, lockDataFolder } from './data-lock.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.js';

export const DEFAULT_PORT = 4568;
export const LOCAL_BUCKET = 'feeds';

const HELP = `Usage: npm start -- [options]

Publishes the articles in ./seeds to an S3 server embedded in this process and serves the
feeds on http://127.0.0.1:PORT/${LOCAL_BUCKET}/ until Ctrl-C.

  --once          publish and exit instead of serving
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
}

function parseStartArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      once: { type: 'boolean', default: false },
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
  try {
    const configFile = resolve(io.cwd, 'feed.config.json');
    // s3rver answers the bare bucket URL with a bucket listing, so the channel links to the index page.
    const env: Env = {
      ...io.env,
      SITE_URL: siteUrl,
      FEED_HOME_URL: `${siteUrl}index.html`,
      // Every address is the local server's, whatever a deploy's environment says.
      FEED_RSS_URL: `${siteUrl}rss.xml`,
      FEED_ATOM_URL: `${siteUrl}atom.xml`,
      FEED_JSON_URL: `${siteUrl}feed.json`,
      FEED_BUCKET: LOCAL_BUCKET,
      SEEDS_SOURCE: 'bundle',
      SEEDS_DIR: resolve(io.cwd, values.seeds!),
      S3_ENDPOINT: server.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
    };
    // A byte order mark, as some editors save it, is read past as Node's JSON import reads past it.
    let file: unknown;
    try {
      file = JSON.parse((await readFile(configFile, 'utf8')).replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new ConfigError([`cannot read ${configFile}: ${describeError(error)}`]);
    }
    const config = loadRuntimeConfig(file, env, configFile);
    for (const warning of configWarnings(config.feed, env)) io.stderr(warning);
    const client = bucketClient(config.publish, { region: localS3Region, credentials: localS3Credentials });
    const deps = bucketPublishDependencies({
      client,
      feed: config.feed,
      publish: config.publish,
      defaultSeedsDir: resolve(io.cwd, values.seeds!),
    });
    const summary = await publish(deps, { force: values.force === true });
    report(summary, config.feed, io);
    return { code: 0, started: { server, siteUrl, summary }, once: values.once === true };
  } catch (error) {
    await server.close();
    if (error instanceof PublishError && error.summary?.rejected) {
      for (const bad of error.summary.rejected) io.stderr(`${bad.file}:${bad.line}: ${bad.reason}`);
    }
    // The publish run cannot name a folder it sees only as a storage; an empty one is named here.
    const noSeeds = error instanceof PublishError && error.summary?.articles?.seeds === 0;
    io.stderr(
      noSeeds
        ? `no seed articles in ${resolve(io.cwd, values.seeds!)}; nothing was written`
        : error instanceof ConfigError || error instanceof PublishError
          ? error.message
          : String((error as Error).stack ?? error),
    );
    if (error instanceof PublishError && error.refused) io.stderr('To publish it anyway: npm start -- --force');
    return { code: 1, once: true };
  }
}

function report(summary: PublishSummary, feed: FeedConfig, io: StartIo): void {
  for (const bad of summary.rejected)
    io.stderr(`${bad.file}:${bad.line}: ${bad.reason}${bad.keptPublished ? ' (its last good version stays published)' : ''}`);
  for (const held of summary.held) io.stderr(`${held.file}: held until ${held.date}`);
  for (const entry of summary.skipped) io.stderr(`${entry.file}: skipped: ${entry.reason}`);
  for (const warning of summary.warnings) io.stderr(warning);
  io.stdout(
    `Published ${summary.articles.published} articles (${summary.feedItems} in the feeds, ${summary.articles.rejected} rejected, ` +
      `${summary.articles.held} held): ${summary.objects.written} objects written, ${summary.objects.unchanged} unchanged, ${summary.objects.deleted} deleted.`,
  );
  const { rss, atom, json } = feed.feedUrls;
  io.stdout(`\n  RSS 2.0    ${rss}\n  Atom 1.0   ${atom}\n  JSON Feed  ${json}\n  Site       ${feed.homeUrl}\n`);
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
    process.exit(code);
  }
  serving = true;
  io.stdout('Serving until Ctrl-C.');
}
