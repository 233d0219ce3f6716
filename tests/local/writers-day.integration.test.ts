/**
 * A writer's working day with `npm start`, as the bundle runs it (a child process on a port of
 * its own): seeds saved back by tools under look-alike names (NFD, `.TXT`), in UTF-16 without a
 * BOM, in Chinese, Japanese and Arabic; editors' save patterns (temp file renamed over, delete
 * and make again, several saves at once, swap files, a file briefly empty or half-written); the
 * seeds folder renamed and put back; feed.config.json saved invalid and put back; Ctrl-C during
 * a republish and a restart on the same data folder. What is checked is what the writer relies
 * on: the served feeds and pages, page links that never 404 while they are linked, what the
 * terminal says, and a restart that writes only what changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seed, type TempDir } from '../publish/support.js';
import {
  buildStartBundle,
  checkout,
  counts,
  eventually,
  exitWithin,
  freePort,
  type Launched,
  launchProcess,
  type StartBundle,
  saveWhole,
  serving,
} from './support.js';

interface JsonItem {
  readonly id: string;
  readonly url: string;
  readonly title?: string;
  readonly summary?: string;
  readonly language?: string;
  readonly date_published?: string;
  readonly date_modified?: string;
}
interface JsonFeed {
  readonly title: string;
  readonly items: readonly JsonItem[];
}

/** UTF-16 big endian of a string, without a byte order mark. */
function utf16be(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < bytes.length; i += 2) [bytes[i], bytes[i + 1]] = [bytes[i + 1]!, bytes[i]!];
  return bytes;
}

describe("a writer's working day with npm start (the bundle, a child process)", () => {
  let bundle: StartBundle;
  let dir: TempDir | undefined;
  const children: Launched[] = [];

  beforeAll(async () => {
    bundle = await buildStartBundle('writers-day-build-');
  });

  afterAll(async () => {
    await bundle?.remove();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exit === undefined) {
        child.proc.kill('SIGKILL');
        await child.exited;
      }
    }
    await dir?.remove();
    dir = undefined;
  });

  /** npm start in the checkout, on `port`, with `args`. */
  const launch = (port: number, args: readonly string[] = [], env: Record<string, string> = {}): Launched => {
    const child = launchProcess(process.execPath, ['--enable-source-maps', bundle.script, '--port', String(port), ...args], {
      cwd: dir!.path,
      env,
    });
    children.push(child);
    return child;
  };
  const siteOf = (port: number) => `http://127.0.0.1:${port}/feeds/`;
  const jsonFeed = async (site: string) => (await (await fetch(`${site}feed.json`)).json()) as JsonFeed;
  const text = async (url: string) => (await fetch(url)).text();
  const seedsDir = () => join(dir!.path, 'seeds');

  /**
   * Polls the feeds and the index as a reader would, and every page they link, until stopped: a
   * page that does not answer 200 while the feed or the index fetched after it still links it
   * is a broken link a reader met.
   */
  function pollLinks(site: string): { stop: () => Promise<{ broken: string[]; polls: number }> } {
    let on = true;
    const broken: string[] = [];
    let polls = 0;
    const linked = async (): Promise<Set<string>> => {
      const feed = await jsonFeed(site);
      const index = await text(`${site}index.html`);
      const hrefs = [...index.matchAll(/href="(articles\/[^"]+)"/g)].map((m) => new URL(m[1]!.replaceAll('&amp;', '&'), site).href);
      return new Set([...feed.items.map((item) => item.url), ...hrefs]);
    };
    const loop = (async () => {
      while (on) {
        for (const link of await linked()) {
          const response = await fetch(link);
          await response.arrayBuffer();
          if (response.status !== 200 && (await linked()).has(link)) broken.push(`${response.status} ${link}`);
        }
        polls++;
      }
    })();
    return {
      stop: async () => {
        on = false;
        await loop;
        return { broken, polls };
      },
    };
  }

  /** What a reader can get: every object of the local bucket but the manifest, by key, as a digest of its bytes. */
  function snapshot(): Record<string, string> {
    const bucket = join(dir!.path, '.local-s3', 'feeds');
    const objects: Record<string, string> = {};
    for (const file of readdirSync(bucket, { recursive: true }) as string[]) {
      if (!file.endsWith('._S3rver_object') || file.startsWith('_publish')) continue;
      objects[file.slice(0, -'._S3rver_object'.length)] = createHash('sha256')
        .update(readFileSync(join(bucket, file)))
        .digest('hex');
    }
    return objects;
  }

  /** Waits until the manifest the last run saved has a record under each of these seed names: that run is over. */
  async function recorded(names: readonly string[]): Promise<void> {
    const manifest = join(dir!.path, '.local-s3', 'feeds', '_publish', 'manifest.json._S3rver_object');
    await eventually(
      async () => {
        try {
          return Object.keys((JSON.parse(readFileSync(manifest, 'utf8')) as { articles: object }).articles);
        } catch {
          return [];
        }
      },
      (keys) => names.every((name) => keys.includes(name)),
      `records under ${names.length} new names in the manifest`,
    );
  }

  /** Saves a marker seed and waits for it in feed.json: every save made before it has been through a run. */
  async function settle(site: string, n: number): Promise<void> {
    const title = `Marker ${n}`;
    await saveWhole(join(seedsDir(), `2026-11-01-marker-${n}.txt`), seed('2026-11-01', title, `Marker ${n}.`));
    await eventually(
      () => jsonFeed(site),
      (feed) => feed.items.some((item) => item.title === title),
      `the marker ${n} in feed.json`,
    );
  }

  it('keeps every page, id, edit date and archive when seeds are saved back in NFD and as .TXT, or deleted and put back; no link 404s meanwhile, and a restart writes nothing', async () => {
    // Prepare: four articles with accents in their names among the checkout's seven, three per
    // feed so that archives exist; one of them edited while serving, so that it has an edit date
    dir = await checkout('writers-day-rename-');
    const accented = ['2026-11-02-café-crème.txt', '2026-10-20-über-brücken.txt', '2026-09-14-señora-peña.txt', '2026-08-03-ça-va.txt'].map(
      (name) => name.normalize('NFC'),
    );
    for (const [i, name] of accented.entries()) {
      await writeFile(join(seedsDir(), name), seed(name.slice(0, 10), `Accented Article ${i}`, `The text of accented article ${i}.`));
    }
    const port = await freePort();
    const site = siteOf(port);
    const env = { FEED_ITEM_LIMIT: '3' };
    const child = launch(port, [], env);
    await serving(child);
    const edited = seed('2026-11-02', 'Accented Article 0', 'The text of accented article 0, with a correction.');
    const saidBeforeEdit = child.stdout.length;
    await saveWhole(join(seedsDir(), accented[0]!), edited);
    const feed = await eventually(
      () => jsonFeed(site),
      (json) => json.items.some((item) => item.summary?.includes('correction') === true),
      'the edit in feed.json',
    );
    // The run says what it wrote after its last write, so a reader can see the edit before the
    // terminal does: wait for the line, so that it is not taken for one of the renames' runs.
    await eventually(
      async () => child.stdout.slice(saidBeforeEdit),
      (said) => /republished: [1-9]\d* objects written/.test(said),
      'the edit run reported',
    );
    const before = feed.items.find((item) => item.title === 'Accented Article 0')!;
    expect(before.date_modified).not.toBe(before.date_published);
    const published = snapshot();
    expect(Object.keys(published).some((key) => key.startsWith('archive/'))).toBe(true);
    const saidBefore = child.stdout.length;
    const poller = pollLinks(site);

    // Act 1: every accented seed saved back in NFD, as a macOS tool writes names (a temp file
    // renamed to the new name, the old name removed)
    for (const name of accented) {
      await saveWhole(join(seedsDir(), name.normalize('NFD')), await readFile(join(seedsDir(), name)));
      await unlink(join(seedsDir(), name));
    }
    await recorded(accented.map((name) => name.normalize('NFD')));
    const afterNfd = snapshot();

    // Act 2: every seed renamed to .TXT, as a tool that upper-cases extensions does
    const all = readdirSync(seedsDir()).filter((name) => name.endsWith('.txt'));
    for (const name of all) await rename(join(seedsDir(), name), join(seedsDir(), name.replace(/\.txt$/, '.TXT')));
    await recorded(all.map((name) => name.replace(/\.txt$/, '.TXT')));
    const afterUpper = snapshot();
    const saidDuringRenames = child.stdout.slice(saidBefore);
    const errorsDuringRenames = child.stderr;

    // Act 3: the edited one and an archived one deleted (their run unpublishes them), then put
    // back under their first names
    const archived = accented[3]!;
    const archivedPage = `${site}${Object.keys(published).find((key) => key.startsWith('articles/2026-08-03-'))!}`;
    const archivedText = await readFile(join(seedsDir(), archived.normalize('NFD').replace(/\.txt$/, '.TXT')));
    for (const name of [accented[0]!, archived]) await unlink(join(seedsDir(), name.normalize('NFD').replace(/\.txt$/, '.TXT')));
    await eventually(
      async () => [(await jsonFeed(site)).items.some((item) => item.id === before.id), (await fetch(archivedPage)).status],
      ([listed, status]) => listed === false && status === 404,
      'both articles leaving the site',
    );
    await saveWhole(join(seedsDir(), accented[0]!), edited);
    await saveWhole(join(seedsDir(), archived), archivedText);
    const back = await eventually(
      () => jsonFeed(site),
      (json) => json.items.some((item) => item.id === before.id),
      'the article back in feed.json',
    );
    const afterBack = back.items.find((item) => item.id === before.id);
    await recorded([accented[0]!, archived]);
    const restored = snapshot();
    const { broken, polls } = await poller.stop();

    // Assess: the renames changed nothing a reader gets; the article put back
    // has its address and edit date; no page linked at any poll was missing
    expect(afterNfd).toEqual(published);
    expect(afterUpper).toEqual(published);
    // A run may see a rename half done (both names, or a file gone between the listing and the
    // read: that run reports it and the next one goes through); none writes or deletes anything,
    // and none unpublishes.
    for (const [, written, deleted] of saidDuringRenames.matchAll(/republished: (\d+) objects written, (\d+) deleted/g)) {
      expect([written, deleted]).toEqual(['0', '0']);
    }
    expect(errorsDuringRenames).not.toMatch(/unpublish/i);
    const pick = (item: JsonItem | undefined) => ({ url: item?.url, date_modified: item?.date_modified, title: item?.title });
    expect(pick(afterBack)).toEqual(pick(before));
    expect(restored).toEqual(published);
    expect(await text(before.url)).toContain('with a correction');
    expect(polls).toBeGreaterThan(0);
    expect(broken).toEqual([]);

    // Act 4: Ctrl-C, a seed saved again as it was (an editor's save without a change), and npm
    // start again on the same data folder and port
    child.proc.kill('SIGINT');
    expect(await exitWithin(child, 10_000)).toEqual({ code: 0, signal: null });
    const resaved = join(seedsDir(), accented[1]!.normalize('NFD').replace(/\.txt$/, '.TXT'));
    await saveWhole(resaved, await readFile(resaved));
    const again = launch(port, ['--once'], env);
    expect(await exitWithin(again, 30_000), again.stderr).toEqual({ code: 0, signal: null });

    // Assess: nothing rewritten
    expect(counts(again.stdout)).toMatchObject({ written: 0, deleted: 0, rejected: 0 });
  });

  it('keeps the page and edit date of a seed whose NFD copy was seen beside it for a run, and names the copy meanwhile', async () => {
    // Prepare
    dir = await checkout('writers-day-copy-');
    const nfc = '2026-11-02-café-crème.txt'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    const body = seed('2026-11-02', 'Café Crème Reopens', 'The café on the square reopens on Monday.');
    await writeFile(join(seedsDir(), nfc), body);
    const port = await freePort();
    const site = siteOf(port);
    const child = launch(port);
    await serving(child);
    const before = (await jsonFeed(site)).items.find((item) => item.title === 'Café Crème Reopens')!;

    // Act: a sync tool writes the NFD copy, a run comes, then it removes the original
    await saveWhole(join(seedsDir(), nfd), body);
    const named = await eventually(
      async () => child.stderr,
      (err) => err.includes('has the same item id'),
      'the copy named',
    );
    await unlink(join(seedsDir(), nfc));
    await settle(site, 1);

    // Assess
    expect(named).toContain('the two names differ only in how they are encoded');
    const after = (await jsonFeed(site)).items.filter((item) => item.title === 'Café Crème Reopens');
    expect(after.map((item) => [item.id, item.url, item.date_modified])).toEqual([[before.id, before.url, before.date_modified]]);
  });

  it('publishes seeds in UTF-16 without a BOM, a wrapped Chinese and Japanese paragraph, and an Arabic article right to left, as saved while serving', async () => {
    // Prepare
    dir = await checkout('writers-day-scripts-');
    const port = await freePort();
    const site = siteOf(port);
    const child = launch(port);
    await serving(child);
    const poller = pollLinks(site);

    // Act: four new seeds, as a writer's tools save them
    const ukrainian = 'date 2026-11-03 Ярмарок у Львові\r\n\r\nlang uk\r\n\r\nУ неділю на площі Ринок відкрився ярмарок.\r\n';
    await saveWhole(join(seedsDir(), '2026-11-03-utf16le.txt'), Buffer.from(ukrainian, 'utf16le'));
    await saveWhole(
      join(seedsDir(), '2026-11-03-utf16be.txt'),
      utf16be(seed('2026-11-03', 'Ferry Timetable “Winter”', 'The winter timetable starts on Sunday.')),
    );
    await saveWhole(
      join(seedsDir(), '2026-11-04-tokyo.txt'),
      'date 2026-11-04 東京に新しい図書館\n\nlang ja\n\n東京都は今日、新しい図書館を\n開館したと発表した。蔵書は\n百万冊を超える。\n\n上海市今天宣布，\n新的地铁线路将于明年开通。\n',
    );
    await saveWhole(
      join(seedsDir(), '2026-11-05-cairo.txt'),
      'date 2026-11-05 افتتاح مكتبة جديدة في القاهرة\n\nlang ar\n\nأعلنت المحافظة اليوم افتتاح مكتبة جديدة في وسط المدينة.\n',
    );

    // Assess: all four in the feeds, as their text
    const feed = await eventually(
      () => jsonFeed(site),
      (json) => json.items.filter((item) => /^2026-11-0[345]$/.test(item.date_published?.slice(0, 10) ?? '')).length === 4,
      'the four new articles in feed.json',
    );
    const byTitle = (title: string) => feed.items.find((item) => item.title === title);
    expect(byTitle('Ярмарок у Львові'), JSON.stringify(feed.items.map((item) => item.title))).toMatchObject({
      summary: 'У неділю на площі Ринок відкрився ярмарок.',
      language: 'uk',
    });
    expect(byTitle('Ferry Timetable “Winter”')).toMatchObject({ summary: 'The winter timetable starts on Sunday.' });
    const tokyo = byTitle('東京に新しい図書館')!;
    expect(tokyo.summary).toBe('東京都は今日、新しい図書館を開館したと発表した。蔵書は百万冊を超える。');
    const tokyoPage = await text(tokyo.url);
    expect(tokyoPage).toContain('上海市今天宣布，新的地铁线路将于明年开通。');
    expect(tokyoPage).toMatch(/<html lang="ja">/);
    const cairo = byTitle('افتتاح مكتبة جديدة في القاهرة')!;
    expect(cairo.language).toBe('ar');
    const cairoPage = await fetch(cairo.url);
    expect(cairoPage.status).toBe(200);
    expect(await cairoPage.text()).toMatch(/<html lang="ar" dir="rtl">/);
    const index = await text(`${site}index.html`);
    expect(index).toMatch(/<li lang="ar" dir="rtl"><article>\s*<h2><a href="[^"]+">افتتاح مكتبة جديدة في القاهرة<\/a>/);
    const atom = await text(`${site}atom.xml`);
    expect(atom).toContain('<entry xml:lang="ar">');
    expect(await text(`${site}rss.xml`)).toContain('<dc:language>ar</dc:language>');
    expect(child.stderr).toBe('');
    await eventually(
      async () => child.stdout,
      (out) => /republished: \d+ objects written, 0 deleted \(11 articles, 11 in the feeds\)/.test(out),
      'the report of the run',
    );

    // Act 2: the Japanese paragraph wrapped anew, the UTF-16 seed saved back as UTF-8 with LF
    const pagesBefore = [await text(tokyo.url), await text(byTitle('Ярмарок у Львові')!.url)];
    await saveWhole(
      join(seedsDir(), '2026-11-04-tokyo.txt'),
      'date 2026-11-04 東京に新しい図書館\n\nlang ja\n\n東京都は今日、\n新しい図書館を開館したと\n発表した。蔵書は百万冊を超える。\n\n上海市今天宣布，新的地铁\n线路将于明年开通。\n',
    );
    await saveWhole(join(seedsDir(), '2026-11-03-utf16le.txt'), ukrainian.replaceAll('\r\n', '\n'));
    await settle(site, 1);

    // Assess: the same text, so no edit: pages and edit dates as they were
    const later = await jsonFeed(site);
    const dates = (json: JsonFeed) =>
      json.items.filter((item) => ['東京に新しい図書館', 'Ярмарок у Львові'].includes(item.title ?? '')).map((item) => item.date_modified);
    expect(dates(later)).toEqual(dates(feed));
    expect([await text(tokyo.url), await text(byTitle('Ярмарок у Львові')!.url)]).toEqual(pagesBefore);
    expect(await poller.stop()).toMatchObject({ broken: [] });
  });

  it('names a seed saved empty or half-written with its reason, keeps its last good version and edit date through an undo, and publishes the last of quick saves; a swap file is never named', async () => {
    // Prepare
    dir = await checkout('writers-day-saves-');
    const name = '2026-11-06-draft.txt';
    await writeFile(join(seedsDir(), name), seed('2026-11-06', 'Draft Of The Day', 'The first version of the draft.'));
    const port = await freePort();
    const site = siteOf(port);
    const child = launch(port);
    await serving(child);
    const item = (await jsonFeed(site)).items.find((entry) => entry.title === 'Draft Of The Day')!;
    const poller = pollLinks(site);

    // Act 1: truncated as a plain write does first, and left so for a run
    await writeFile(join(seedsDir(), name), '');
    const empty = await eventually(
      async () => child.stderr,
      (err) => err.includes(`${name}:1:`),
      'the empty file named',
    );

    // Act 2: half-written (the header line only)
    await writeFile(join(seedsDir(), name), 'date 2026-11-06 Draft Of The Day\n');
    await eventually(
      async () => child.stderr,
      (err) => err.includes('no paragraph'),
      'the half-written file named',
    );
    const keptPage = await text(item.url);

    // Act 2b: put back exactly as it was (the editor's undo)
    const reports = () => child.stdout.match(/republished/g)?.length ?? 0;
    const reported = reports();
    await saveWhole(join(seedsDir(), name), seed('2026-11-06', 'Draft Of The Day', 'The first version of the draft.'));
    await eventually(
      async () => reports(),
      (n) => n > reported,
      'the run of the undo reported',
    );
    const undone = (await jsonFeed(site)).items.find((entry) => entry.id === item.id);
    const undonePage = await text(item.url);

    // Act 3: an editor's swap file, then three quick whole saves, the last one the one that counts
    await writeFile(join(seedsDir(), `.${name}.swp`), 'swap');
    for (const version of ['second', 'third', 'final']) {
      await saveWhole(join(seedsDir(), name), seed('2026-11-06', 'Draft Of The Day', `The ${version} version of the draft.`));
    }
    await unlink(join(seedsDir(), `.${name}.swp`));
    await eventually(
      () => text(item.url),
      (page) => page.includes('The final version of the draft.'),
      'the final version on the page',
    );
    const final = await eventually(
      async () => (await jsonFeed(site)).items.find((entry) => entry.id === item.id)?.summary,
      (summary) => summary === 'The final version of the draft.',
      'the final version in feed.json',
    );
    const { broken } = await poller.stop();

    // Assess: named with the reason, the last good version kept meanwhile, the final one published
    expect(empty).toMatch(new RegExp(`${name}:1: the file is empty.*\\(its last good version stays published\\)`));
    expect(child.stderr).toMatch(new RegExp(`${name}:1: the article has no paragraph.*\\(its last good version stays published\\)`));
    expect(keptPage).toContain('The first version of the draft.');
    expect(undonePage).toBe(keptPage);
    expect(undone?.date_modified).toBe(item.date_modified);
    expect(broken).toEqual([]);
    expect(child.stderr).not.toContain('.swp');
    expect(final).toBe('The final version of the draft.');
  });

  it('says so when feed.config.json, saved with an invalid value, is put back as it was', async () => {
    // Prepare
    dir = await checkout('writers-day-config-');
    const configFile = join(dir.path, 'feed.config.json');
    const good = await readFile(configFile, 'utf8');
    const port = await freePort();
    const site = siteOf(port);
    const child = launch(port);
    await serving(child);
    const served = await text(`${site}rss.xml`);

    // Act 1: an invalid value saved
    await saveWhole(configFile, JSON.stringify({ ...(JSON.parse(good) as object), itemLimit: 0 }, null, 2));
    await eventually(
      async () => child.stderr,
      (err) => err.includes('not republished'),
      'the refusal',
    );
    await eventually(
      async () => child.stderr,
      (err) => err.includes('itemLimit'),
      'the setting named',
    );
    expect(await text(`${site}rss.xml`)).toBe(served);
    const afterFailure = { out: child.stdout.length, err: child.stderr.length };

    // Act 2: put back as it was
    await saveWhole(configFile, good);

    // Assess: the terminal says the config is taken again, not only the failure before it (the
    // run of an unchanged site takes well under a second; ten is a hang detector)
    const said = await eventually(
      async () => child.stdout.slice(afterFailure.out) + child.stderr.slice(afterFailure.err),
      (lines) => lines.trim() !== '',
      'a word that the config is taken again',
      10_000,
    ).catch(() => '');
    expect(said, 'what npm start printed after the config was put back').toMatch(/republished/);
    expect(await text(`${site}rss.xml`)).toBe(served);
  });

  it('keeps the site while the seeds folder is renamed away, and republishes once it is put back', async () => {
    // Prepare
    dir = await checkout('writers-day-folder-');
    const port = await freePort();
    const site = siteOf(port);
    const child = launch(port);
    await serving(child);
    const served = await text(`${site}rss.xml`);
    const elsewhere = join(dir.path, 'seeds.moved');

    // Act 1: renamed away, as a checkout or a backup tool does, and left so for a run
    await rename(seedsDir(), elsewhere);
    const said = await eventually(
      async () => child.stderr,
      (err) => err.includes('not republished'),
      'the failed run',
    );

    // Assess: said, naming the folder, and the site as it was
    expect(said).toContain('the site stays as it was');
    expect(said).toContain(seedsDir());
    expect(await text(`${site}rss.xml`)).toBe(served);

    // Act 2: put back, then a seed saved into it
    await rename(elsewhere, seedsDir());
    await saveWhole(join(seedsDir(), '2026-11-07-back.txt'), seed('2026-11-07', 'Saved After The Folder Came Back', 'Text.'));

    // Assess
    await eventually(
      () => jsonFeed(site),
      (json) => json.items.some((item) => item.title === 'Saved After The Folder Came Back'),
      'the article saved after the folder came back',
    );
    expect(child.stderr).not.toContain('restart npm start');
  });

  it('after Ctrl-C during a republish, a restart puts back every page the stopped run changed and rewrites none of the others', async () => {
    // Prepare: enough seeds that a change of the config's title rewrites pages for a while
    dir = await checkout('writers-day-stop-');
    const body = 'A paragraph long enough to make each page take a moment to write. '.repeat(200);
    for (let i = 0; i < 250; i++) {
      const day = `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      await writeFile(join(seedsDir(), `${day}-bulk-${i}.txt`), seed(day, `Bulk Article ${i}`, `Lede ${i}.`, body));
    }
    const configFile = join(dir.path, 'feed.config.json');
    const good = await readFile(configFile, 'utf8');
    const port = await freePort();
    const site = siteOf(port);
    const child = launch(port);
    await serving(child, 60_000);
    const published = counts(child.stdout).published;
    const articles = join(dir.path, '.local-s3', 'feeds', 'articles');

    // Act 1: a new title saved, and Ctrl-C once the run is rewriting pages
    const saved = Date.now();
    await saveWhole(configFile, JSON.stringify({ ...(JSON.parse(good) as object), title: 'Retitled Then Stopped' }, null, 2));
    await eventually(
      async () =>
        readdirSync(articles).some(
          (name) => name.endsWith('.tmp') || (statSync(join(articles, name), { throwIfNoEntry: false })?.mtimeMs ?? 0) > saved,
        ),
      (writing) => writing,
      'the republish under way',
    );
    expect(child.stdout, 'the signal comes while the run writes').not.toContain('republished:');
    child.proc.kill('SIGINT');
    expect(await exitWithin(child, 10_000)).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir.path, '.local-s3', '.npm-start.lock'))).toBe(false);

    // Act 2: the writer thinks better of it: the title put back, npm start again on the same folder and port
    await writeFile(configFile, good);
    const again = launch(port);
    await serving(again, 60_000);

    // Assess: every page under the old title again, not every page rewritten
    const feed = await jsonFeed(site);
    expect(feed.title).toBe('Dispatches (sample feed)');
    const pages = readdirSync(articles).filter((name) => name.endsWith('._S3rver_object'));
    expect(pages.length).toBe(published);
    const retitled: string[] = [];
    for (const page of pages) if ((await readFile(join(articles, page), 'utf8')).includes('Retitled Then Stopped')) retitled.push(page);
    expect(retitled).toEqual([]);
    const restarted = counts(again.stdout);
    expect(restarted.published).toBe(published);
    expect(restarted.written).toBeLessThan(published);
    expect(again.stderr).not.toMatch(/\n\s+at /);

    // Act 3: stopped again, and started once more
    again.proc.kill('SIGINT');
    expect(await exitWithin(again, 10_000)).toEqual({ code: 0, signal: null });
    const third = launch(port, ['--once']);
    expect(await exitWithin(third, 30_000), third.stderr).toEqual({ code: 0, signal: null });

    // Assess: nothing left to write
    expect(counts(third.stdout)).toMatchObject({ written: 0, deleted: 0, published });
  });
});
