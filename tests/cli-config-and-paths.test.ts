/**
 * The CLI's settings and paths at their edges: where feed.config.json stops being JSON (line
 * and column as an editor shows them, on one line), --config named or not, --now at the year
 * limit and with fractions, --out through links, INIT_CWD, the warnings of a build that
 * publishes nothing, and file names with bidirectional controls. Driven in-process through
 * runCli with fakeIo.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNow, runCli, typedIn } from '../src/cli.js';
import { printableName } from '../src/text/printable.js';
import { fakeIo, lines } from './helpers/cli-io.js';
import { configFileJson, seedText } from './helpers/factory.js';

const BUILD = ['build', '--seeds', 'seeds', '--out', 'public', '--now', '2026-03-01T00:00:00Z'];

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-config-paths-'));
  await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
  await mkdir(join(dir, 'seeds'));
  await writeFile(join(dir, 'seeds', 'a.txt'), seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again.'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('feed.config.json that is not JSON: line and column', () => {
  it('gives the line and column of an unquoted value', async () => {
    await writeFile(join(dir, 'feed.config.json'), '{\n  "title": "Example News",\n  "description": Reports\n}\n');
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(2);
    expect(lines(io.err).join('\n')).toMatch(/line 3, column 18/);
  });

  it('says a syntax error on one line, with the other problems one line each', async () => {
    await writeFile(join(dir, 'feed.config.json'), '{\n  "title":\n    News\n}\n');
    const io = fakeIo(dir, { env: { MAX_SEED_BYTES: 'lots' } });

    const code = await runCli(BUILD, io);

    expect(code).toBe(2);
    // A heading, then exactly one line per problem: the file and MAX_SEED_BYTES.
    expect(lines(io.err)).toHaveLength(3);
    expect(lines(io.err)[1]).toMatch(/feed\.config\.json: not JSON: /);
    expect(lines(io.err)[2]).toMatch(/MAX_SEED_BYTES/);
  });

  it('counts CR line ends as line ends', async () => {
    await writeFile(join(dir, 'feed.config.json'), '{\r  "title": "x",\r}\r');
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(2);
    expect(lines(io.err).join('\n')).toMatch(/line 3, column 1\b/);
  });

  it('counts CRLF line ends and a byte order mark as an editor does', async () => {
    await writeFile(join(dir, 'feed.config.json'), '\uFEFF{\r\n  "title": "x",\r\n}\r\n');
    const io = fakeIo(dir);

    expect(await runCli(BUILD, io)).toBe(2);
    expect(lines(io.err).join('\n')).toMatch(/line 3, column 1\b/);
  });

  it('reports a config file that is JSON but not an object together with an environment problem', async () => {
    await writeFile(join(dir, 'feed.config.json'), '[]');
    const io = fakeIo(dir, { env: { MAX_SEED_BYTES: 'lots' } });

    expect(await runCli(BUILD, io)).toBe(2);
    const said = lines(io.err).join('\n');
    expect(said).toMatch(/must hold a JSON object/);
    expect(said).toMatch(/MAX_SEED_BYTES/);
  });

  it('gives the "run in the folder" hint only for the default file', async () => {
    await rm(join(dir, 'feed.config.json'));
    for (const named of [['--config', 'feed.config.json'], ['--config=feed.config.json']]) {
      const io = fakeIo(dir);
      expect(await runCli([...BUILD, ...named], io)).toBe(2);
      expect(lines(io.err).join('\n')).not.toMatch(/run the command in the folder/);
    }
    const io = fakeIo(dir);
    expect(await runCli(BUILD, io)).toBe(2);
    expect(lines(io.err).join('\n')).toMatch(/run the command in the folder/);
  });
});

describe('--now', () => {
  it('refuses a day and time whose instant is past the year 9999', async () => {
    const io = fakeIo(dir);

    const code = await runCli(['build', '--seeds', 'seeds', '--out', 'public', '--now', '9999-12-31T23:00:00-02:00'], io);

    expect(parseNow('9999-12-31T23:00:00-02:00')).toBeUndefined();
    expect(code).toBe(2);
    expect(lines(io.err).join('\n')).toMatch(/^--now: /m);
  });

  it('takes a long fraction to the millisecond without rolling into the next day', () => {
    expect(parseNow('2026-03-01T23:59:59.9999999Z')?.toISOString()).toBe('2026-03-01T23:59:59.999Z');
    expect(parseNow('2026-03-01T09:00:00.5Z')?.toISOString()).toBe('2026-03-01T09:00:00.500Z');
    expect(parseNow('2026-03-01T23:59:60Z')).toBeUndefined();
    expect(parseNow('2026-03-01T24:00:00Z')).toBeUndefined();
  });
});

describe('--out', () => {
  it('says so when --out is a symbolic link to nothing', async () => {
    await symlink(join(dir, 'nowhere'), join(dir, 'public'));
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code === 0 || /--out/.test(lines(io.err).join('\n'))).toBe(true);
  });

  it('makes an --out under folders that do not exist yet, and refuses a FIFO', async () => {
    const io = fakeIo(dir);
    expect(await runCli(['build', '--seeds', 'seeds', '--out', 'new/deep/public', '--now', '2026-03-01T00:00:00Z'], io)).toBe(0);

    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const fifo = fakeIo(dir);
    expect(await runCli(['build', '--seeds', 'seeds', '--out', 'fifo', '--now', '2026-03-01T00:00:00Z'], fifo)).toBe(1);
    expect(lines(fifo.err).join('\n')).toMatch(/^--out: /);
  });
});

describe('a build that publishes nothing', () => {
  it("says the run's warnings too (a damaged manifest), with every seed's reason", async () => {
    await rm(join(dir, 'seeds', 'a.txt'));
    await writeFile(join(dir, 'seeds', 'bad.txt'), 'no header\n');
    await writeFile(join(dir, 'seeds', 'later.txt'), seedText('2026-04-01', 'Later', 'Not yet.'));
    await writeFile(join(dir, 'elsewhere.md'), seedText('2026-02-01', 'Linked', 'A link.'));
    await symlink(join(dir, 'elsewhere.md'), join(dir, 'seeds', 'linked.txt'));
    await mkdir(join(dir, 'public', '_publish'), { recursive: true });
    await writeFile(join(dir, 'public', '_publish', 'manifest.json'), '{ damaged');
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(1);
    const said = lines(io.err);
    expect(said[0]).toMatch(/^bad\.txt:1: /);
    expect(said).toContain('later.txt: held until 2026-04-01');
    expect(said).toContain('linked.txt: skipped: a symbolic link, not a file');
    expect(said.join('\n')).toMatch(/none of the 2 seed articles could be published/);
    expect(said.join('\n')).toMatch(/manifest\.json is not valid JSON/);
  });
});

describe('INIT_CWD', () => {
  it('is used only for npm run cli, and only when set', () => {
    expect(typedIn({ npm_lifecycle_event: 'cli', INIT_CWD: '/typed' }, '/pkg')).toBe('/typed');
    expect(typedIn({ npm_lifecycle_event: 'cli', INIT_CWD: '' }, '/pkg')).toBe('/pkg');
    expect(typedIn({ npm_lifecycle_event: 'start', INIT_CWD: '/typed' }, '/pkg')).toBe('/pkg');
  });
});

describe('printableName and bidirectional controls', () => {
  it('quotes every Bidi_Control character and leaves ZWJ emoji and combining marks alone', () => {
    for (const code of [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const char = String.fromCharCode(code);
      expect(printableName(`a${char}b.txt`)).toBe(`"a\\u${code.toString(16).padStart(4, '0')}b.txt"`);
      expect(printableName(char)).toBe(`"\\u${code.toString(16).padStart(4, '0')}"`);
    }
    expect(printableName('👩‍💻 notes.txt')).toBe('👩‍💻 notes.txt');
    expect(printableName('cafe\u0301.txt')).toBe('cafe\u0301.txt');
  });
});
