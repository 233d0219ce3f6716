/**
 * The unpublish guard and articles "held again by the schedule" (heldAgainBySchedule in plan.ts):
 * articles already out that leave only because publishTime or timeZone moved later are not
 * counted, but only those whose day has begun by the run's clock, so a clock set back by days is
 * still guarded. What a user relies on: the guard still
 * stops a run that would take down much of the site; a held-again article comes back at the new
 * publish time under its URL and id; every link resolves; no feed dates anything after the clock;
 * the report says what happened. Seeds and site in memory, the real publish().
 */
import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/config.js';
import { publish, type PublishRequest, type PublishSummary } from '../../src/publish/publish.js';
import type { Storage } from '../../src/storage/storage.js';
import { seed, testFeedConfig } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';
import { isDocument, reachable } from './site-links.js';

interface Item {
  readonly id: string;
  readonly url: string;
  readonly title: string;
  readonly date_published: string;
  readonly date_modified: string;
}

/** One note a day, `2026-MM-DD.txt`, from day `first` to day `last` of the month. */
function daily(first: number, last: number, month = '03'): Record<string, string> {
  const files: Record<string, string> = {};
  for (let d = first; d <= last; d++) {
    const day = `2026-${month}-${String(d).padStart(2, '0')}`;
    files[`${day}.txt`] = seed(day, `Note ${d}`, `Text ${d}.`);
  }
  return files;
}

function site(files: Readonly<Record<string, string>>, now: string, config: FeedConfig): Site {
  return memorySite(files, { now: new Date(now), config });
}

const items = (s: Site): Item[] => (JSON.parse(s.snapshot()['feed.json']!) as { items: Item[] }).items;
const titles = (s: Site) => items(s).map((item) => item.title);
const heldFiles = (summary: PublishSummary) => summary.held.map((held) => held.file);

/** Links from the feeds, the index and the archive chain that lead to no object. */
function brokenLinks(s: Site): string[] {
  const objects = s.site.objects;
  const broken: string[] = [];
  for (const [from, targets] of reachable(objects)) {
    for (const target of targets) if (isDocument(target) && !objects.has(target)) broken.push(`${from} → ${target}`);
  }
  return broken;
}

/** Every date in the JSON feed and the JSON archives, as written. */
function jsonDates(s: Site): string[] {
  const dates: string[] = [];
  for (const [key, body] of Object.entries(s.snapshot({ withManifest: false }))) {
    if (!key.endsWith('.json')) continue;
    for (const match of body.matchAll(/"date_(?:published|modified)":\s*"([^"]+)"/g)) dates.push(match[1]!);
  }
  return dates;
}

/** The site's storage, with the run's signal fired as `key` is written (the deadline, mid-run). */
function stoppingAt(s: Site, key: string, controller: AbortController): Storage {
  const store = s.site;
  return {
    get: (k) => store.get(k),
    list: (prefix, options) => store.list(prefix, options),
    put: async (k, body, options) => {
      if (k === key) controller.abort(new Error('the deadline came'));
      return store.put(k, body, options);
    },
    delete: (k) => store.delete(k),
  };
}

async function stoppedRun(s: Site, key: string, request: PublishRequest = {}): Promise<Error> {
  const controller = new AbortController();
  const run = publish(
    { storage: stoppingAt(s, key, controller), seeds: s.seeds, settings: s.settings, now: () => s.now },
    { ...request, signal: controller.signal },
  );
  const error = await run.then(
    () => undefined,
    (thrown: unknown) => thrown as Error,
  );
  if (!error?.message.includes('the deadline came')) throw new Error(`the run did not stop: ${String(error)}`);
  return error;
}

const EARLY = testFeedConfig({ publishTime: '06:00' });
const LATE = testFeedConfig({ publishTime: '18:00' });

describe('held again by a later publish time: what the exemption is for', () => {
  it('a small site goes through; the article is back at the new time with its URL, id and dates, as a fresh publish; links resolve throughout (archives too)', async () => {
    // Prepare: itemLimit 2, so the archive chain moves when today's article leaves.
    const files = daily(1, 7);
    const s = site(files, '2026-03-07T12:00:00.000Z', testFeedConfig({ publishTime: '06:00', itemLimit: 2 }));
    await s.run();
    const before = items(s)[0]!;
    const late = testFeedConfig({ publishTime: '18:00', itemLimit: 2 });

    // Act
    s.settings = { ...s.settings, config: late };
    const held = await s.run();
    const brokenWhileHeld = brokenLinks(s);
    const datesWhileHeld = jsonDates(s);
    const titlesWhileHeld = titles(s);
    s.now = new Date('2026-03-07T18:00:00.000Z');
    await s.run();
    const fresh = site(files, '2026-03-07T18:00:00.000Z', late);
    await fresh.run();

    // Assess
    expect(heldFiles(held)).toEqual(['2026-03-07.txt']);
    expect(titlesWhileHeld).toEqual(['Note 6', 'Note 5']);
    expect(brokenWhileHeld).toEqual([]);
    for (const date of datesWhileHeld) expect(Date.parse(date), date).toBeLessThanOrEqual(Date.parse('2026-03-07T12:00:00.000Z'));
    const back = items(s)[0]!;
    expect(back).toMatchObject({ id: before.id, url: before.url, title: 'Note 7' });
    expect(back.date_published).toBe('2026-03-07T18:00:00.000Z');
    expect(back.date_modified).toBe('2026-03-07T18:00:00.000Z');
    expect(brokenLinks(s)).toEqual([]);
    expect(s.snapshot({ withManifest: false })).toEqual(fresh.snapshot({ withManifest: false }));
  });

  it('a dry run says what the run does: it goes through, writes nothing', async () => {
    // Prepare
    const s = site(daily(6, 8), '2026-03-08T12:00:00.000Z', EARLY);
    await s.run();
    const published = s.snapshot();

    // Act
    s.settings = { ...s.settings, config: LATE };
    const dry = await s.run({ dryRun: true });

    // Assess
    expect(heldFiles(dry)).toEqual(['2026-03-08.txt']);
    expect(dry.articles.unpublished).toBe(1);
    expect(s.snapshot()).toEqual(published);
  });

  it.each([
    // New York springs forward at 02:00 on 2026-03-08: 02:30 is skipped and becomes 03:30 EDT (07:30 UTC).
    [
      'a later time on the spring-forward day',
      { timeZone: 'America/New_York', publishTime: '01:30' },
      { timeZone: 'America/New_York', publishTime: '02:30' },
      ['2026-03-06', '2026-03-07', '2026-03-08'],
      '2026-03-08T07:00:00.000Z',
      '2026-03-08T07:30:00.000Z',
    ],
    // New York falls back at 02:00 on 2026-11-01: 01:30 is shown twice, its first showing is 05:30 UTC.
    [
      'a later time on the fall-back day',
      { timeZone: 'America/New_York', publishTime: '00:30' },
      { timeZone: 'America/New_York', publishTime: '01:30' },
      ['2026-10-30', '2026-10-31', '2026-11-01'],
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
    ],
    // Zone further east but a later time, later in all: 06:00 UTC → 12:00 in Kyiv (10:00 UTC).
    [
      'zone east and time later in one change',
      { publishTime: '06:00' },
      { timeZone: 'Europe/Kyiv', publishTime: '12:00' },
      ['2026-03-06', '2026-03-07', '2026-03-08'],
      '2026-03-08T08:00:00.000Z',
      '2026-03-08T10:00:00.000Z',
    ],
  ])(
    '%s: held, not refused on a site of three, back at its new instant and not a millisecond before',
    async (_name, before, after, days, now, due) => {
      // Prepare
      const files = {
        'a1.txt': seed(days[0]!, 'Older 1', 'x.'),
        'a2.txt': seed(days[1]!, 'Older 2', 'x.'),
        'b.txt': seed(days[2]!, 'Today', 'y.'),
      };
      const s = site(files, now, testFeedConfig(before));
      await s.run();
      const url = items(s)[0]!.url;

      // Act
      s.settings = { ...s.settings, config: testFeedConfig(after) };
      const held = await s.run();
      s.now = new Date(Date.parse(due) - 1);
      const justBefore = await s.run();
      s.now = new Date(due);
      await s.run();

      // Assess
      expect(heldFiles(held)).toEqual(['b.txt']);
      expect(heldFiles(justBefore)).toEqual(['b.txt']);
      expect(items(s)[0]).toMatchObject({ title: 'Today', url, date_published: due });
      expect(brokenLinks(s)).toEqual([]);
    },
  );

  it('a zone moved far west holds two days at once: both come back, each at its new instant', async () => {
    // Prepare: in Kiritimati (UTC+14) at 00:00, the 8th and 9th are out at 12:00 UTC on the 8th;
    // in Pago Pago (UTC−11) at 23:59 they are due at 10:59 UTC on the 9th and the 10th.
    const s = site(daily(5, 9), '2026-03-08T12:00:00.000Z', testFeedConfig({ timeZone: 'Pacific/Kiritimati' }));
    await s.run();
    const wasOut = titles(s);

    // Act
    s.settings = { ...s.settings, config: testFeedConfig({ timeZone: 'Pacific/Pago_Pago', publishTime: '23:59' }) };
    const held = await s.run();
    s.now = new Date('2026-03-10T10:59:00.000Z');
    await s.run();

    // Assess
    expect(wasOut).toEqual(['Note 9', 'Note 8', 'Note 7', 'Note 6', 'Note 5']);
    expect(heldFiles(held)).toEqual(['2026-03-08.txt', '2026-03-09.txt']);
    expect(items(s).slice(0, 2)).toMatchObject([
      { title: 'Note 9', date_published: '2026-03-10T10:59:00.000Z' },
      { title: 'Note 8', date_published: '2026-03-09T10:59:00.000Z' },
    ]);
  });

  it('an article edited while held again comes back with its edit, neither dated after its publication nor before it', async () => {
    // Prepare
    const s = site(daily(6, 8), '2026-03-08T12:00:00.000Z', EARLY);
    await s.run();
    s.settings = { ...s.settings, config: LATE };
    await s.run();

    // Act
    s.now = new Date('2026-03-08T14:00:00.000Z');
    await s.writeSeed('2026-03-08.txt', seed('2026-03-08', 'Note 8 corrected', 'Text 8.'));
    const edited = await s.run();
    s.now = new Date('2026-03-08T18:00:00.000Z');
    await s.run();

    // Assess
    expect(heldFiles(edited)).toEqual(['2026-03-08.txt']);
    expect(items(s)[0]).toMatchObject({
      title: 'Note 8 corrected',
      date_published: '2026-03-08T18:00:00.000Z',
      date_modified: '2026-03-08T18:00:00.000Z',
    });
  });
});

describe('the exemption and the rest of the guard', () => {
  it('still counts an article whose seed moved it to a later day in the same run as the schedule change', async () => {
    // Prepare: three of three: today's is held again (not counted, but named), yesterday's moved to tomorrow (counted).
    const s = site(daily(6, 8), '2026-03-08T12:00:00.000Z', EARLY);
    await s.run();

    // Act
    s.settings = { ...s.settings, config: LATE };
    await s.writeSeed('2026-03-07.txt', seed('2026-03-09', 'Note 7', 'Text 7.'));

    // Assess
    await expect(s.run()).rejects.toThrow(/would unpublish 2 of 3 published articles.*2026-03-07\.txt/s);
    expect(titles(s)).toEqual(['Note 8', 'Note 7', 'Note 6']);
  });

  it('seeds gone up to the share and today’s article held again: the gone ones are counted, the held one is not, and it comes back', async () => {
    // Prepare: ten articles; two seeds deleted (20 %, allowed) and the publish time moved later.
    const s = site(daily(1, 10), '2026-03-10T12:00:00.000Z', EARLY);
    await s.run();

    // Act
    await s.deleteSeed('2026-03-01.txt');
    await s.deleteSeed('2026-03-02.txt');
    s.settings = { ...s.settings, config: LATE };
    const summary = await s.run();
    s.now = new Date('2026-03-10T18:00:00.000Z');
    await s.run();

    // Assess
    expect(summary.articles.unpublished).toBe(3);
    expect(titles(s)).toEqual(['Note 10', 'Note 9', 'Note 8', 'Note 7', 'Note 6', 'Note 5', 'Note 4', 'Note 3']);
    expect(brokenLinks(s)).toEqual([]);
  });

  it('a manifest lost at the same time as the schedule moved: the run cannot tell a held-again article from a seed dated later, and the guard counts it (conservative, acceptable)', async () => {
    // Prepare
    const s = site(daily(6, 8), '2026-03-08T12:00:00.000Z', EARLY);
    await s.run();
    s.site.objects.delete(MANIFEST);

    // Act
    s.settings = { ...s.settings, config: LATE };

    // Assess
    await expect(s.run()).rejects.toThrow(/would unpublish 1 of 3 published articles/);
    expect(titles(s)).toEqual(['Note 8', 'Note 7', 'Note 6']);
  });

  /** Ten daily notes out at 06:00; then, with the clock wrong by five days (a `--now` typo, a
   * machine's clock), a run with `change` applied: under a later time or other page settings the
   * 5th or 6th to the 10th are after the clock. Its summary, or the error it failed with. */
  async function clockSetBack(change: (s: Site) => Site['settings'], request: PublishRequest = {}) {
    const s = site(daily(1, 10), '2026-03-10T12:00:00.000Z', EARLY);
    await s.run();
    s.settings = change(s);
    s.now = new Date('2026-03-05T12:00:00.000Z');
    const outcome = await s.run(request).then(
      (summary) => ({ unpublished: summary.articles.unpublished, refused: '' }),
      (error: Error) => ({ unpublished: 0, refused: error.message }),
    );
    return { s, outcome };
  }
  const later = (s: Site) => ({ ...s.settings, config: LATE });

  it('a run with the clock set back five days and a later publish time is refused: six of ten articles would leave', async () => {
    // Act
    const { s, outcome } = await clockSetBack(later);

    // Assess
    expect(outcome.refused).toMatch(/would unpublish 6 of 10 published articles/);
    expect(titles(s)).toHaveLength(10);
  });

  it('a dry run with the clock set back five days and a later publish time is refused as the run would be', async () => {
    // Act
    const { outcome } = await clockSetBack(later, { dryRun: true });

    // Assess
    expect(outcome.refused).toMatch(/would unpublish 6 of 10 published articles/);
  });

  it('the clock set back five days alone takes nothing off the site (what the exemption should not undo)', async () => {
    // Act
    const { s, outcome } = await clockSetBack((site) => site.settings);

    // Assess
    expect(outcome).toEqual({ unpublished: 0, refused: '' });
    expect(titles(s)).toHaveLength(10);
  });

  it('a new site title (no schedule change) with the clock set back five days unpublishes nothing unguarded', async () => {
    // Act
    const { s, outcome } = await clockSetBack((site) => ({
      ...site.settings,
      config: testFeedConfig({ publishTime: '06:00', title: 'Renamed News' }),
    }));

    // Assess: either nothing leaves, as with the clock set back alone, or the guard refuses.
    expect(outcome.unpublished === 0, JSON.stringify(outcome)).toBe(true);
    expect(titles(s)).toHaveLength(10);
  });

  it('a new CACHE_CONTROL (no schedule change) with the clock set back five days unpublishes nothing unguarded', async () => {
    // Act
    const { s, outcome } = await clockSetBack((site) => ({ ...site.settings, cacheControl: 'max-age=600' }));

    // Assess
    expect(outcome.unpublished === 0, JSON.stringify(outcome)).toBe(true);
    expect(titles(s)).toHaveLength(10);
  });
});

describe('held again, and runs that stop, refuse or keep a last good version', () => {
  /** Eight daily notes out at 06:00; a run with the publish time moved to 18:00 stopped by its
   * deadline while it writes the index (after the feeds, before the held page is deleted); a plain
   * run after it, and one at 18:00. */
  async function stoppedThenCarriedOn(request: PublishRequest) {
    const s = site(daily(1, 8), '2026-03-08T12:00:00.000Z', EARLY);
    await s.run();
    s.settings = { ...s.settings, config: LATE };
    await stoppedRun(s, 'index.html', request);
    const carriedOn = await s.run();
    s.now = new Date('2026-03-08T18:00:00.000Z');
    const atTime = await s.run();
    s.now = new Date('2026-03-09T18:00:00.000Z');
    await s.run();
    return { s, carriedOn, atTime };
  }

  it('a run with a later publish time stopped by its deadline after the feeds: the held article is back at the new time', async () => {
    // Act
    const { s, carriedOn, atTime } = await stoppedThenCarriedOn({});

    // Assess
    expect(titles(s)[0]).toBe('Note 8');
    expect(s.snapshot()['index.html']).toContain('articles/2026-03-08-note-8.html');
    expect(atTime.feedItems).toBe(items(s).length);
    expect(heldFiles(carriedOn)).toEqual(['2026-03-08.txt']);
  });

  it('a forced run with a later publish time stopped by its deadline after the feeds: the held article is back at the new time', async () => {
    // Act
    const { s } = await stoppedThenCarriedOn({ force: true });

    // Assess
    expect(titles(s)[0]).toBe('Note 8');
    expect(s.snapshot()['index.html']).toContain('articles/2026-03-08-note-8.html');
  });

  it('the report says a published article left because the publish time moved, and when it is back', async () => {
    // Prepare
    const s = site(daily(6, 8), '2026-03-08T12:00:00.000Z', EARLY);
    await s.run();

    // Act
    s.settings = { ...s.settings, config: LATE };
    const summary = await s.run();

    // Assess
    expect(summary.articles.unpublished).toBe(1);
    const said = summary.warnings.join('\n');
    expect(said).toContain('2026-03-08.txt');
    expect(said).toMatch(/2026-03-08T18:00|18:00/);
  });
});
