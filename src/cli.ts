#!/usr/bin/env node
import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { readConfigFile } from './config-file.js';
import { exitWhenWritten, isEntryPoint } from './entry-point.js';
import { describeError } from './errors.js';
import { parseCorpus } from './article/corpus.js';
import { parseCalendarDate } from './article/calendar.js';
import { formatArticleError } from './article/types.js';
import { ConfigError, configWarnings, loadCacheControl, loadFeedConfig, loadUnpublishShare, type Env, type FeedConfig } from './config.js';
import { readSeedFolderReporting } from './local/seed-folder.js';
import { oversizeSeed, type PlanSettings } from './publish/plan.js';
import { problemLines } from './publish/problems.js';
import { publish, PublishError, type PublishSummary } from './publish/publish.js';
import { compareStrings } from './text/order.js';
import { loadLimits } from './config/limits.js';
import { PUBLISH_STATE_PREFIX } from './site-files.js';
import { folderPublishDependencies } from './wiring.js';

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  build      Publish the site into a folder: rss.xml, atom.xml, feed.json, index.html and
             articles/*.html, the same objects a publish run writes to the bucket.
               --seeds DIR     folder of *.txt seed articles (default: seeds)
               --out DIR       folder the site is written to (created if missing); it keeps
                               _publish/manifest.json, so the next build writes only what changed
               --config FILE   feed settings (default: feed.config.json)
               --now ISO-TIME  the clock, for articles dated in the future (default: now)
               --force         read every seed and rewrite every file; also lets a build
                               remove more than UNPUBLISH_MAX_SHARE of the articles
               --dry-run       say what would be written and deleted, write nothing
             Bad articles are reported on stderr (file:line: reason) and left out (or kept
             at their last good version); the rest is still written. Exits 1 when no article
             could be published or the build would unpublish too many.
  validate   Check every seed article without writing anything.
               --seeds DIR     folder of *.txt seed articles (default: seeds)
             Prints one line per bad file (file:line: reason) and exits 1 if any; a file over
             MAX_SEED_BYTES is refused as build refuses it.
  --help, -h   This text.

--now takes a day (2026-03-01: midnight UTC) or a day and time with its zone
(2026-03-01T09:00:00Z, 2026-03-01T09:00+02:00); a time without a zone is refused, since it
would mean the machine's zone. The seeds folder may not be the output folder or inside it: the
seed files, held articles included, would be served as they are.

Environment variables override the config file: FEED_TITLE, FEED_DESCRIPTION, SITE_URL,
FEED_HOME_URL, FEED_RSS_URL, FEED_ATOM_URL, FEED_JSON_URL, FEED_LANGUAGE, FEED_AUTHOR_NAME,
FEED_AUTHOR_EMAIL, FEED_COPYRIGHT, FEED_ITEM_LIMIT, FEED_ICON, FEED_ID_PREFIX,
FEED_PUBLISH_TIME, FEED_TIME_ZONE, PUBLISH_INTERVAL_MINUTES, FEED_WEBSUB_HUB; build also reads CACHE_CONTROL
(recorded with each file), UNPUBLISH_MAX_SHARE (default 0.2), MAX_SEED_BYTES and MAX_FEED_BYTES
(default 1MiB each).
`;

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: Env;
  readonly cwd: string;
  readonly now: () => Date;
}

/** Runs one CLI command and returns its exit code; all I/O goes through `io`. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'build' && command !== 'validate') {
    io.stderr(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  // parseArgs reads `-out` as -o -u -t and names only `-o`: say what was meant.
  const singleDash = rest.find((arg) => /^-[a-z][a-z-]+$/i.test(arg));
  if (singleDash !== undefined) {
    io.stderr(`Unknown option '${singleDash}': options take two dashes (-${singleDash})\n\n${HELP}`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      // Each command takes only its own options: `validate --now …` is a mistake, not a no-op.
      options: command === 'build' ? BUILD_OPTIONS : VALIDATE_OPTIONS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${describeError(error).replace(/^TypeError: /, '')}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  // An empty path would mean the current folder: what `--out "$DIR"` gives when DIR is unset.
  for (const option of ['seeds', 'out', 'config'] as const) {
    if (values[option] === '') {
      io.stderr(`--${option}: the path is empty`);
      return 2;
    }
  }
  const seedsDir = resolve(io.cwd, values.seeds as string);
  if (command === 'validate') return validate(seedsDir, io);
  if (typeof values.out !== 'string') {
    io.stderr(`build needs --out DIR\n\n${HELP}`);
    return 2;
  }
  const outDir = resolve(io.cwd, values.out);
  const outUnusable = await notAFolder(outDir);
  if (outUnusable) {
    io.stderr(`--out: ${outDir} ${outUnusable}: give the folder the site is written to (it is made if missing)`);
    return 1;
  }
  if (await isWithin(seedsDir, outDir)) {
    io.stderr(
      `--seeds ${seedsDir} is ${seedsDir === outDir ? 'the same folder as' : 'inside'} --out ${outDir}: the seed files, held articles included, would be served as they are; keep them apart`,
    );
    return 2;
  }
  return build(
    {
      seedsDir,
      outDir,
      configFile: resolve(io.cwd, values.config as string),
      configNamed: rest.some((arg) => arg === '--config' || arg.startsWith('--config=')),
      nowText: values.now as string | undefined,
      force: values.force === true,
      dryRun: values['dry-run'] === true,
    },
    io,
  );
}

const VALIDATE_OPTIONS = {
  seeds: { type: 'string', default: 'seeds' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const BUILD_OPTIONS = {
  ...VALIDATE_OPTIONS,
  out: { type: 'string' },
  config: { type: 'string', default: 'feed.config.json' },
  now: { type: 'string' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
} as const;

/** Why no folder can be at `path` (a file there, or on the way to it), following links as a write into it would; undefined if one can. */
async function notAFolder(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).isDirectory() ? undefined : 'is a file, not a folder';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return 'goes through a file, not a folder';
    // A link to nothing: the folder it names is not made through it.
    if (
      code === 'ENOENT' &&
      (await lstat(path).then(
        (found) => found.isSymbolicLink(),
        () => false,
      ))
    )
      return 'is a symbolic link to nothing';
    return undefined;
  }
}

/** Whether `inner` is `outer` or inside it, as written and as the file system resolves links. */
async function isWithin(inner: string, outer: string): Promise<boolean> {
  const within = (a: string, b: string) => {
    const path = relative(b, a);
    // `..` or `../…` climbs out; a folder named `..seeds` is still inside.
    return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
  };
  const real = async (path: string) => realpath(path).catch(() => path);
  return within(inner, outer) || within(await real(inner), await real(outer));
}

/**
 * The `--now` clock: a day (midnight UTC) or a day and time with its zone, each field in range.
 * `new Date` alone would take 2026-02-30 for March 2nd, `01/02/2026` for January 2nd, a year past
 * 9999 that the manifest cannot record, and a time without a zone in the machine's zone.
 */
export function parseNow(text: string): Date | undefined {
  // Any number of fraction digits (Python's isoformat() writes microseconds); milliseconds are kept.
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2})))?$/.exec(text);
  if (!match || parseCalendarDate(match[1]!) === undefined) return undefined;
  const [hours, minutes, seconds, offsetHours, offsetMinutes] = [match[2], match[3], match[4], match[6], match[7]].map(Number);
  if (match[2] !== undefined && (hours! > 23 || minutes! > 59 || (match[4] !== undefined && seconds! > 59))) return undefined;
  if (match[6] !== undefined && (offsetHours! > 23 || offsetMinutes! > 59)) return undefined;
  const date = new Date(match[2] === undefined ? `${match[1]}T00:00:00Z` : text);
  // A year the manifest can record, at the instant too: 9999-12-31T23:00-02:00 is in year 10000.
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 ? undefined : date;
}

/** Whether the seeds folder is there; if not, says so. Checked up front, so a wrong --seeds is a usage error and not an empty site. */
async function seedsFolderExists(seedsDir: string, io: CliIo): Promise<boolean> {
  try {
    if ((await stat(seedsDir)).isDirectory()) return true;
    io.stderr(`--seeds: ${seedsDir} is not a folder`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr(code === 'ENOENT' ? `--seeds: ${seedsDir} does not exist` : `--seeds: cannot read ${seedsDir}: ${describeError(error)}`);
  }
  return false;
}

async function validate(seedsDir: string, io: CliIo): Promise<number> {
  const problems: string[] = [];
  const limits = loadLimits(io.env, problems);
  if (problems.length > 0) {
    io.stderr(new ConfigError(problems).message);
    return 2;
  }
  if (!(await seedsFolderExists(seedsDir, io))) return 2;
  // Over MAX_SEED_BYTES: refused from its size, as build refuses it, and not read.
  const { files, skipped, tooLarge, unreadable } = await readSeedFolderReporting(seedsDir, { maxBytes: limits.seedBytes });
  for (const line of problemLines({ skipped })) io.stderr(line);
  // Ids do not matter when nothing is published; any valid prefix will do.
  const corpus = parseCorpus(files, 'tag:validate.invalid,2026:');
  const refused = [
    ...corpus.rejected,
    ...tooLarge.map(({ fileName, size }) => oversizeSeed({ fileName, size, signature: '' }, { limits } as PlanSettings)!),
    ...unreadable.map(({ fileName, reason }) => ({ fileName, line: 1, reason })),
  ].sort((a, b) => compareStrings(a.fileName, b.fileName));
  for (const error of refused) io.stdout(formatArticleError(error));
  const total = files.length + tooLarge.length + unreadable.length;
  io.stderr(`${corpus.articles.length} of ${total} articles are valid`);
  return refused.length > 0 || total === 0 ? 1 : 0;
}

interface BuildArgs {
  readonly seedsDir: string;
  readonly outDir: string;
  readonly configFile: string;
  /** Whether --config named the file (else feed.config.json in the working folder). */
  readonly configNamed: boolean;
  readonly nowText: string | undefined;
  readonly force: boolean;
  readonly dryRun: boolean;
}

async function build(args: BuildArgs, io: CliIo): Promise<number> {
  const { seedsDir, outDir, configFile, nowText } = args;
  let config: FeedConfig | undefined;
  const problems: string[] = [];
  const read = await readConfigFile(configFile, args.configNamed);
  if (typeof read === 'string') problems.push(read);
  else {
    try {
      config = loadFeedConfig(read.json, io.env, configFile);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  const maxUnpublishShare = loadUnpublishShare(io.env, problems);
  const limits = loadLimits(io.env, problems);
  const cacheControl = loadCacheControl(io.env, problems);
  if (problems.length > 0 || !config) {
    // The file alone: its one line, as any file that cannot be read is said.
    io.stderr(problems.length === 1 && typeof read === 'string' ? read : new ConfigError(problems).message);
    return 2;
  }
  for (const warning of configWarnings(config, io.env)) io.stderr(warning);
  const now = nowText === undefined ? io.now() : parseNow(nowText);
  if (now === undefined) {
    io.stderr(
      `--now: "${nowText}" is not a date and time: give a day (2026-03-01, midnight UTC) or a day and time with its zone (2026-03-01T09:00:00Z, 2026-03-01T09:00+02:00)`,
    );
    return 2;
  }
  if (!(await seedsFolderExists(seedsDir, io))) return 2;
  const deps = folderPublishDependencies({ outDir, seedsDir, feed: config, cacheControl, maxUnpublishShare, limits, now: () => now });
  let summary: PublishSummary;
  try {
    summary = await publish(deps, { force: args.force, dryRun: args.dryRun });
  } catch (error) {
    if (!(error instanceof PublishError)) throw error;
    for (const line of problemLines(error.summary ?? {})) io.stderr(line);
    io.stderr(error.message);
    if (error.summary?.articles?.seeds === 0) io.stderr(`--seeds ${seedsDir} holds no seed: a seed is a file named *.txt there`);
    if (error.refused) {
      io.stderr(
        args.dryRun
          ? 'To see every page it would delete: the same build with --dry-run --force; to publish it anyway: with --force'
          : 'To publish it anyway: the same build with --force',
      );
    }
    return 1;
  }
  for (const line of problemLines(summary)) io.stderr(line);
  if (args.dryRun) {
    for (const key of summary.objects.writtenKeys) io.stdout(`would write ${key}`);
    for (const key of summary.objects.deletedKeys) io.stdout(`would delete ${key}`);
  } else {
    // A build killed part way leaves a temp file beside the file it was replacing; this one tidies
    // up, in the manifest's folder too, which no run lists: the manifest is a build's last write.
    deps.storage.removeLeftoverTempFiles([PUBLISH_STATE_PREFIX]);
  }
  io.stdout(
    `${args.dryRun ? 'dry run, nothing written: ' : ''}${summary.articles.published} articles published to ${outDir} ` +
      `(${summary.feedItems} in the feeds, ${summary.articles.rejected} rejected, ${summary.articles.held} held); ` +
      (args.dryRun
        ? `${summary.objects.written} files to write, ${summary.objects.unchanged} unchanged, ${summary.objects.deleted} to delete`
        : `${summary.objects.written} files written, ${summary.objects.unchanged} unchanged, ${summary.objects.deleted} deleted`),
  );
  return 0;
}

/**
 * The folder relative paths are taken from: where `npm run cli` was typed, which npm says in
 * INIT_CWD (it runs the script in the package's folder), else the working folder.
 */
export function typedIn(env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  return env.npm_lifecycle_event === 'cli' && env.INIT_CWD ? env.INIT_CWD : cwd;
}

if (isEntryPoint(import.meta.url)) {
  runCli(process.argv.slice(2), {
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
    env: process.env,
    cwd: typedIn(process.env),
    now: () => new Date(),
  }).then(
    (code) => exitWhenWritten(code),
    (error: unknown) => {
      console.error(describeError(error));
      exitWhenWritten(1);
    },
  );
}
