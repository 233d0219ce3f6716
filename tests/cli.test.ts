/** `npm run cli`: build into a folder through the publish run, and validate, with exit codes and messages. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { ARTICLE_ERROR_LINE, fakeIo, lines } from './helpers/cli-io.js';
import { configFileJson, seedText } from './helpers/factory.js';
import { atomFeed, children, rssChannel, text, type JsonFeed } from './helpers/feeds.js';

const GOOD = {
  '2026-02-01-tram.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams are running again on line 2.'),
  '2026-02-10-bridge.txt': seedText('2026-02-10', 'Bridge Opens', 'A new footbridge links two districts.'),
};
const BAD = {
  'bad-date.txt': seedText('2026-02-30', 'An Impossible Day', 'There is no such day.'),
  'no-header.txt': '\n\nJust a paragraph, no header line.\n',
};

let dir: string;

async function writeSeeds(files: Record<string, string>, folder = 'seeds'): Promise<void> {
  await mkdir(join(dir, folder), { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, folder, name), content);
}

async function readFeeds(outDir: string) {
  const [rss, atom, json] = await Promise.all(['rss.xml', 'atom.xml', 'feed.json'].map((name) => readFile(join(outDir, name), 'utf8')));
  return { rss: rss!, atom: atom!, json: JSON.parse(json!) as JsonFeed };
}

const BUILD = ['build', '--seeds', 'seeds', '--out', 'out', '--now', '2026-03-01T00:00:00Z'];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedpress-cli-'));
  await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cli build', () => {
  it('writes the feeds, the index and every page the feeds link to, and says so', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(0);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual([
      '404.html',
      '_publish',
      'articles',
      'atom.xml',
      'feed.css',
      'feed.json',
      'index.html',
      'rss.xml',
    ]);
    expect((await readdir(join(dir, 'out', 'articles'))).sort()).toEqual([
      '2026-02-01-tram-line-reopens.html',
      '2026-02-10-bridge-opens.html',
    ]);
    const feeds = await readFeeds(join(dir, 'out'));
    expect(children(rssChannel(feeds.rss), 'item').map((item) => text(item.title))).toEqual(['Bridge Opens', 'Tram Line Reopens']);
    expect(children(atomFeed(feeds.atom), 'entry')).toHaveLength(2);
    expect(feeds.json.items.map((item) => item.title)).toEqual(['Bridge Opens', 'Tram Line Reopens']);
    for (const item of feeds.json.items) expect(existsSync(join(dir, 'out', new URL(item.url!).pathname)), item.url).toBe(true);
    expect(lines(io.out)).toEqual([
      `2 articles published to ${join(dir, 'out')} (2 in the feeds, 0 rejected, 0 held); 8 files written, 0 unchanged, 0 deleted`,
    ]);
    expect(io.err).toEqual([]);
  });

  it('reports a bad article as `file:line: reason` on stderr, builds the others and exits 0', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, ...BAD });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(0);
    expect(lines(io.err)).toEqual([
      'bad-date.txt:1: 2026-02-30 is not a date on the calendar',
      'no-header.txt:3: expected `date YYYY-MM-DD Title`, found "Just a paragraph, no header line."',
    ]);
    for (const line of lines(io.err)) expect(line).toMatch(ARTICLE_ERROR_LINE);
    expect((await readFeeds(join(dir, 'out'))).json.items).toHaveLength(2);
    expect(lines(io.out)[0]).toMatch(/\(2 in the feeds, 2 rejected, 0 held\)/);
  });

  it('exits 1 and writes nothing when no article can be built', async () => {
    // Prepare
    await writeSeeds(BAD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(1);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(lines(io.err).filter((line) => ARTICLE_ERROR_LINE.test(line))).toHaveLength(2);
    expect(lines(io.err).at(-1)).toMatch(/could be published; nothing was written$/);
    expect(io.out).toEqual([]);
  });

  it('writes nothing on a second build of the same seeds, and only what changed after an edit', async () => {
    // Prepare
    await writeSeeds(GOOD);
    expect(await runCli(BUILD, fakeIo(dir))).toBe(0);
    const io = fakeIo(dir);
    const edited = fakeIo(dir);

    // Act
    const same = await runCli(BUILD, io);
    await writeSeeds({ '2026-02-01-tram.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again on line 2 and line 7.') });
    const changed = await runCli(BUILD, edited);

    // Assess
    expect([same, changed]).toEqual([0, 0]);
    expect(lines(io.out)[0]).toMatch(/; 0 files written, 8 unchanged, 0 deleted$/);
    expect(lines(edited.out)[0]).toMatch(/; 5 files written, 3 unchanged, 0 deleted$/);
  });

  it('says what it would write on --dry-run, and writes nothing', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli([...BUILD, '--dry-run'], io);

    // Assess
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(lines(io.out)).toEqual([
      'would write articles/2026-02-01-tram-line-reopens.html',
      'would write articles/2026-02-10-bridge-opens.html',
      'would write index.html',
      'would write rss.xml',
      'would write atom.xml',
      'would write feed.json',
      'would write 404.html',
      'would write feed.css',
      expect.stringMatching(/^dry run, nothing written: 2 articles published.*; 8 files to write, 0 unchanged, 0 to delete$/),
    ]);
  });

  it('removes the page of a deleted seed, but refuses to remove more than UNPUBLISH_MAX_SHARE without --force', async () => {
    // Prepare
    await writeSeeds({
      ...GOOD,
      'a.txt': seedText('2026-01-01', 'A', 'a.'),
      'b.txt': seedText('2026-01-02', 'B', 'b.'),
      'c.txt': seedText('2026-01-03', 'C', 'c.'),
    });
    expect(await runCli(BUILD, fakeIo(dir))).toBe(0);
    await rm(join(dir, 'seeds', 'a.txt'));
    const one = fakeIo(dir);
    const oneCode = await runCli(BUILD, one);
    await rm(join(dir, 'seeds', 'b.txt'));
    await rm(join(dir, 'seeds', 'c.txt'));
    const refused = fakeIo(dir);
    const refusedCode = await runCli(BUILD, refused);
    const allowed = fakeIo(dir, { env: { UNPUBLISH_MAX_SHARE: '50%' } });
    const allowedCode = await runCli(BUILD, allowed);

    // Assess
    expect(oneCode).toBe(0);
    expect(lines(one.out)[0]).toMatch(/, 1 deleted$/);
    expect(existsSync(join(dir, 'out', 'articles', '2026-01-01-a.html'))).toBe(false);
    expect(refusedCode).toBe(1);
    expect(lines(refused.err).slice(-2)).toEqual([
      expect.stringMatching(/would unpublish 2 of 4 published articles/),
      'To publish it anyway: the same build with --force',
    ]);
    expect(allowedCode).toBe(0);
    expect(existsSync(join(dir, 'out', 'articles', '2026-01-03-c.html'))).toBe(false);
  });

  it('names a symbolic link or other non-file in the seeds folder as skipped, and follows none', async () => {
    // Prepare: a link to a seed outside the folder, and a link that points nowhere.
    await writeSeeds(GOOD);
    await writeSeeds({ 'outside.txt': seedText('2026-02-20', 'Outside', 'Not in the folder.') }, 'elsewhere');
    await symlink(join(dir, 'elsewhere', 'outside.txt'), join(dir, 'seeds', 'linked.txt'));
    await symlink(join(dir, 'nowhere.txt'), join(dir, 'seeds', 'dangling.txt'));
    const io = fakeIo(dir);
    const checked = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);
    const validateCode = await runCli(['validate', '--seeds', 'seeds'], checked);

    // Assess
    expect(code).toBe(0);
    const skipped = ['dangling.txt: skipped: a symbolic link, not a file', 'linked.txt: skipped: a symbolic link, not a file'];
    expect(lines(io.err)).toEqual(skipped);
    expect((await readFeeds(join(dir, 'out'))).json.items.map((item) => item.title)).toEqual(['Bridge Opens', 'Tram Line Reopens']);
    expect(validateCode).toBe(0);
    expect(lines(checked.err)).toEqual([...skipped, '2 of 2 articles are valid']);
  });

  it('names a folder named as a seed as skipped, and passes over folders and links not named as seeds', async () => {
    // Prepare: `drafts.txt/` holds an article that is not published; `drafts/` and `notes` are not seeds.
    await writeSeeds(GOOD);
    await writeSeeds({ 'inner.txt': seedText('2026-02-21', 'Inner', 'In a folder.') }, 'seeds/drafts.txt');
    await writeSeeds({ 'kept.txt': seedText('2026-02-22', 'Kept Aside', 'In a drafts folder.') }, 'seeds/drafts');
    await symlink(join(dir, 'seeds', 'drafts'), join(dir, 'seeds', 'notes'));
    const io = fakeIo(dir);
    const checked = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);
    const validateCode = await runCli(['validate', '--seeds', 'seeds'], checked);

    // Assess
    expect(code).toBe(0);
    expect(lines(io.err)).toEqual(['drafts.txt: skipped: a folder, not a file']);
    expect((await readFeeds(join(dir, 'out'))).json.items.map((item) => item.title)).toEqual(['Bridge Opens', 'Tram Line Reopens']);
    expect(validateCode).toBe(0);
    expect(lines(checked.err)).toEqual(['drafts.txt: skipped: a folder, not a file', '2 of 2 articles are valid']);
  });

  it('refuses, on validate too, a second file with the same item id (dup.txt and dup.TXT)', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, 'dup.txt': seedText('2026-02-03', 'Lower', 'a.'), 'dup.TXT': seedText('2026-02-04', 'Upper', 'b.') });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['validate', '--seeds', 'seeds'], io);

    // Assess
    expect(code).toBe(1);
    expect(lines(io.out)).toEqual([expect.stringMatching(/^dup\.txt:1: has the same item id as dup\.TXT /)]);
  });

  it('warns, and still builds, when the site is served over plain http from a host that is not this machine', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir, { env: { SITE_URL: 'http://news.example.org/' } });
    const local = fakeIo(dir, { env: { SITE_URL: 'http://127.0.0.1:8080/' } });

    // Act
    const code = await runCli(BUILD, io);
    const localCode = await runCli(BUILD, local);

    // Assess
    expect([code, localCode]).toEqual([0, 0]);
    expect(lines(io.err)).toEqual([expect.stringMatching(/http:\/\/news\.example\.org/)]);
    expect(lines(local.err)).toEqual([]);
  });

  it('refuses a 50 MB seed by its size, without reading it, and builds the others', async () => {
    // Prepare: a sparse file, 50 MB long on paper and cheap on disk.
    await writeSeeds(GOOD);
    const huge = join(dir, 'seeds', '2026-02-20-huge.txt');
    await writeFile(huge, 'date 2026-02-20 Huge\n\n');
    await truncate(huge, 50 * 1024 * 1024);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(0);
    expect(lines(io.err)).toEqual([
      '2026-02-20-huge.txt:1: the file is 50 MiB, over the 1 MiB a seed may have (MAX_SEED_BYTES); it was not read',
    ]);
    expect((await readFeeds(join(dir, 'out'))).json.items).toHaveLength(2);
  });

  it('leaves feeds from an earlier build untouched when nothing can be built now', async () => {
    // Prepare
    await writeSeeds(GOOD);
    expect(await runCli(BUILD, fakeIo(dir))).toBe(0);
    const before = await readFeeds(join(dir, 'out'));
    await rm(join(dir, 'seeds'), { recursive: true });
    await writeSeeds(BAD);

    // Act
    const code = await runCli(BUILD, fakeIo(dir));

    // Assess
    expect(code).toBe(1);
    expect(await readFeeds(join(dir, 'out'))).toEqual(before);
  });

  it('holds an article dated after --now and publishes one dated that very day', async () => {
    // Prepare
    await writeSeeds({
      ...GOOD,
      '2026-03-01-today.txt': seedText('2026-03-01', 'Published Today', 'Due at midnight UTC.'),
      '2026-03-02-tomorrow.txt': seedText('2026-03-02', 'Published Tomorrow', 'Not yet.'),
    });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(0);
    const feeds = await readFeeds(join(dir, 'out'));
    expect(feeds.json.items.map((item) => item.title)).toEqual(['Published Today', 'Bridge Opens', 'Tram Line Reopens']);
    expect(feeds.rss).not.toContain('Published Tomorrow');
    expect(feeds.atom).not.toContain('Published Tomorrow');
    expect(lines(io.err)).toEqual(['2026-03-02-tomorrow.txt: held until 2026-03-02']);
    expect(lines(io.out)[0]).toMatch(/\(3 in the feeds, 0 rejected, 1 held\)/);
  });

  it('uses the injected clock when --now is not given', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir, { now: '2026-02-05T12:00:00Z' });

    // Act
    const code = await runCli(['build', '--out', 'out'], io);

    // Assess
    expect(code).toBe(0);
    expect((await readFeeds(join(dir, 'out'))).json.items.map((item) => item.title)).toEqual(['Tram Line Reopens']);
    expect(lines(io.err)).toEqual(['2026-02-10-bridge.txt: held until 2026-02-10']);
  });

  it('exits 1 and writes nothing when every article is still held', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--seeds', 'seeds', '--out', 'out', '--now', '2026-01-01T00:00:00Z'], io);

    // Assess
    expect(code).toBe(1);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('ignores files that are not .txt seeds', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, 'README.md': '# not an article', '.hidden.txt': 'date 2026-02-01 Hidden\n\nText.\n' });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(0);
    expect(io.err).toEqual([]);
    expect((await readFeeds(join(dir, 'out'))).json.items).toHaveLength(2);
  });

  it('applies environment overrides from io.env', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir, { env: { FEED_TITLE: 'Overridden Title', FEED_ITEM_LIMIT: '1' } });

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(0);
    const feeds = await readFeeds(join(dir, 'out'));
    expect(feeds.json.title).toBe('Overridden Title');
    expect(feeds.json.items.map((item) => item.title)).toEqual(['Bridge Opens']);
  });

  it('exits 2 with every config problem on stderr, naming the file and the variable', async () => {
    // Prepare
    await writeSeeds(GOOD);
    await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson({ language: 'english' })));
    const io = fakeIo(dir, { env: { FEED_ITEM_LIMIT: '0' } });

    // Act
    const code = await runCli(BUILD, io);

    // Assess
    expect(code).toBe(2);
    const errors = lines(io.err);
    expect(errors).toContainEqual(expect.stringContaining(`${join(dir, 'feed.config.json')} language: must be a language tag`));
    expect(errors).toContainEqual(expect.stringContaining('FEED_ITEM_LIMIT: must be a whole number'));
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each([
    ['an unparsable --now', ['build', '--out', 'out', '--now', 'next tuesday'], /--now: "next tuesday" is not a date/],
    ['no --out', ['build'], /build needs --out DIR/],
    ['an unknown option', ['build', '--out', 'out', '--forse'], /Unknown option '--forse'/],
    ['an unknown command', ['publish'], /unknown command "publish"/],
  ])('exits 2 on %s', async (_what, argv, message) => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(io.err.join('\n')).toMatch(message);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('cli validate', () => {
  it('exits 1 and prints one `file:line: reason` line per bad file', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, ...BAD });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['validate', '--seeds', 'seeds'], io);

    // Assess
    expect(code).toBe(1);
    expect(lines(io.out)).toEqual([
      'bad-date.txt:1: 2026-02-30 is not a date on the calendar',
      'no-header.txt:3: expected `date YYYY-MM-DD Title`, found "Just a paragraph, no header line."',
    ]);
    expect(lines(io.err)).toEqual(['2 of 4 articles are valid']);
  });

  it('exits 0 and prints no error line when every article is valid, writing nothing', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);
    const before = (await readdir(dir)).sort();

    // Act
    const code = await runCli(['validate', '--seeds', 'seeds'], io);

    // Assess
    expect(code).toBe(0);
    expect(io.out).toEqual([]);
    expect(lines(io.err)).toEqual(['2 of 2 articles are valid']);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it('validates an article dated in the future (validation is not publication)', async () => {
    // Prepare
    await writeSeeds({ '2099-01-01-later.txt': seedText('2099-01-01', 'Much Later', 'Some day.') });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['validate', '--seeds', 'seeds'], io);

    // Assess
    expect(code).toBe(0);
  });

  it('checks the seeds/ folder of the repository: all valid', async () => {
    // Prepare
    const io = fakeIo(fileURLToPath(new URL('..', import.meta.url)));

    // Act
    const code = await runCli(['validate'], io);

    // Assess
    expect(io.out).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('cli with a seeds folder that is not there', () => {
  it.each(['build', 'validate'])('%s says which folder is missing and exits 2', async (command) => {
    // Prepare
    const io = fakeIo(dir);

    // Act
    const code = await runCli([command, '--seeds', 'no-such-folder', ...(command === 'build' ? ['--out', 'public'] : [])], io);

    // Assess
    expect(code).toBe(2);
    expect(lines(io.err)).toEqual([`--seeds: ${join(dir, 'no-such-folder')} does not exist`]);
    expect(existsSync(join(dir, 'public'))).toBe(false);
  });
});

describe('cli --help', () => {
  const ENV_VARIABLES = [
    'FEED_TITLE',
    'FEED_DESCRIPTION',
    'SITE_URL',
    'FEED_HOME_URL',
    'FEED_RSS_URL',
    'FEED_ATOM_URL',
    'FEED_JSON_URL',
    'FEED_LANGUAGE',
    'FEED_AUTHOR_NAME',
    'FEED_AUTHOR_EMAIL',
    'FEED_COPYRIGHT',
    'FEED_ITEM_LIMIT',
    'FEED_ICON',
    'FEED_ID_PREFIX',
    'FEED_PUBLISH_TIME',
    'FEED_TIME_ZONE',
    'PUBLISH_INTERVAL_MINUTES',
  ];

  it.each([[['--help']], [['-h']], [['help']], [['build', '--help']], [['validate', '-h']]])(
    '%j documents both commands, their options and the environment, exit 0',
    async (argv) => {
      // Prepare
      const io = fakeIo(dir);

      // Act
      const code = await runCli(argv, io);

      // Assess
      expect(code).toBe(0);
      const help = io.out.join('\n');
      expect(help).toMatch(/^\s+build\s+\S/m);
      expect(help).toMatch(/^\s+validate\s+\S/m);
      for (const option of ['--seeds DIR', '--out DIR', '--config FILE', '--now ISO-TIME']) expect(help).toContain(option);
      for (const variable of ENV_VARIABLES) expect(help).toMatch(new RegExp(`\\b${variable}\\b`));
      expect(io.err).toEqual([]);
    },
  );

  it('prints the help and exits 2 when no command is given', async () => {
    // Prepare
    const io = fakeIo(dir);

    // Act
    const code = await runCli([], io);

    // Assess
    expect(code).toBe(2);
    expect(io.out.join('\n')).toMatch(/Usage:/);
  });
});
