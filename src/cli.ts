#!/usr/bin/env node
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isEntryPoint } from './entry-point.js';
import { parseCorpus, type SeedFile } from './article/corpus.js';
import { readSeedFolder } from './article/seed-folder.js';
import { formatArticleError } from './article/types.js';
import { ConfigError, loadFeedConfig, type Env } from './config.js';
import { buildFeeds } from './publish/build.js';

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  build      Build rss.xml, atom.xml and feed.json from a folder of seed articles.
               --seeds DIR     folder of *.txt seed articles (default: seeds)
               --out DIR       folder the feeds are written to (created if missing)
               --config FILE   feed settings (default: feed.config.json)
               --now ISO-TIME  the clock, for articles dated in the future (default: now)
             Bad articles are reported on stderr (file:line: reason) and left out;
             the feeds are still written. Exits 1 only when no article could be built.
  validate   Check every seed article without writing anything.
               --seeds DIR     folder of *.txt seed articles (default: seeds)
             Prints one line per bad file (file:line: reason) and exits 1 if any.

Environment variables override the config file: FEED_TITLE, FEED_DESCRIPTION, SITE_URL,
FEED_HOME_URL, FEED_RSS_URL, FEED_ATOM_URL, FEED_JSON_URL, FEED_LANGUAGE, FEED_AUTHOR_NAME,
FEED_AUTHOR_EMAIL, FEED_COPYRIGHT, FEED_ITEM_LIMIT, FEED_ICON, FEED_ID_PREFIX,
FEED_PUBLISH_TIME, FEED_TIME_ZONE, PUBLISH_INTERVAL_MINUTES.
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
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: {
        seeds: { type: 'string', default: 'seeds' },
        out: { type: 'string' },
        config: { type: 'string', default: 'feed.config.json' },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const seedsDir = resolve(io.cwd, values.seeds as string);
  switch (command) {
    case 'validate':
      return validate(seedsDir, io);
    case 'build':
      if (typeof values.out !== 'string') {
        io.stderr(`build needs --out DIR\n\n${HELP}`);
        return 2;
      }
      return build(seedsDir, resolve(io.cwd, values.out), resolve(io.cwd, values.config as string), values.now as string | undefined, io);
    default:
      io.stderr(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

/** The seed files, or undefined after saying why the folder cannot be read. */
async function readSeeds(seedsDir: string, io: CliIo): Promise<SeedFile[] | undefined> {
  try {
    return await readSeedFolder(seedsDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr(code === 'ENOENT' ? `--seeds: ${seedsDir} does not exist` : `--seeds: cannot read ${seedsDir}: ${(error as Error).message}`);
    return undefined;
  }
}

async function validate(seedsDir: string, io: CliIo): Promise<number> {
  const files = await readSeeds(seedsDir, io);
  if (!files) return 2;
  // Ids do not matter when nothing is published; any valid prefix will do.
  const corpus = parseCorpus(files, 'tag:validate.invalid,2026:');
  for (const error of corpus.rejected) io.stdout(formatArticleError(error));
  io.stderr(`${corpus.articles.length} of ${files.length} articles are valid`);
  return corpus.rejected.length > 0 || files.length === 0 ? 1 : 0;
}

async function build(seedsDir: string, outDir: string, configFile: string, nowText: string | undefined, io: CliIo): Promise<number> {
  let config;
  try {
    config = loadFeedConfig(JSON.parse(await readFile(configFile, 'utf8')), io.env, configFile);
  } catch (error) {
    io.stderr(error instanceof ConfigError ? error.message : `cannot read ${configFile}: ${(error as Error).message}`);
    return 2;
  }
  const now = nowText === undefined ? io.now() : new Date(nowText);
  if (Number.isNaN(now.getTime())) {
    io.stderr(`--now: "${nowText}" is not a date and time`);
    return 2;
  }
  const files = await readSeeds(seedsDir, io);
  if (!files) return 2;
  const result = buildFeeds(files, { config, now });
  for (const error of result.corpus.rejected) io.stderr(formatArticleError(error));
  for (const entry of result.held) io.stderr(`${entry.article.fileName}: held until ${entry.article.date.iso}`);
  if (!result.feed) {
    io.stderr(`no article in ${seedsDir} could be published; nothing written`);
    return 1;
  }
  await mkdir(outDir, { recursive: true });
  const { rss, atom, json } = result.feed.documents;
  for (const [name, body] of [['rss.xml', rss], ['atom.xml', atom], ['feed.json', json]] as const) {
    // Write then rename, so a reader of the folder never sees half a feed.
    const target = join(outDir, name);
    await writeFile(`${target}.tmp`, body);
    await rename(`${target}.tmp`, target);
  }
  io.stdout(
    `wrote rss.xml, atom.xml, feed.json to ${outDir}: ${result.feed.model.items.length} items, ` +
      `${result.corpus.rejected.length} rejected, ${result.held.length} held`,
  );
  return 0;
}

if (isEntryPoint(import.meta.url)) {
  runCli(process.argv.slice(2), {
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
