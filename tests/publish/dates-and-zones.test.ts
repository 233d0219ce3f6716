/**
 * Dates, time zones and the clock across runs. Every run gets a fixed clock; seeds and
 * site are in memory (MemoryStorage), published with the real publish().
 *
 * What a user relies on here: README ("Seed articles", "Configuration": publishTime / timeZone,
 * "Dates"), RSS 2.0 (RFC 822 pubDate), RFC 4287 / RFC 3339 (Atom dates), JSON Feed 1.1
 * (RFC 3339 date_published / date_modified), and the plain expectation that a feed never dates
 * an item after the moment it is served.
 */
import { describe, expect, it } from 'vitest';
import type { FeedConfig } from '../../src/config.js';
import type { PublishSummary } from '../../src/publish/publish.js';
import { atomFeed, children, type JsonFeed, jsonFeedSchemaErrors, RFC822_DATE, rssChannel, text as textOf } from '../helpers/feeds.js';
import { seed, testFeedConfig } from './support.js';
import { MANIFEST, memorySite, type Site } from './support-site.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

interface Dated {
  readonly title: string;
  readonly published: string;
  readonly modified: string;
}

/** The JSON Feed's items: title, date_published and date_modified. */
function jsonItems(site: Site): Dated[] {
  const feed = JSON.parse(site.snapshot()['feed.json']!) as JsonFeed;
  return feed.items.map((item) => ({ title: item.title!, published: item.date_published!, modified: item.date_modified! }));
}

/** Every date the three live feeds carry, as written. */
function feedDates(site: Site): { rss: string[]; atom: string[]; json: string[] } {
  const snapshot = site.snapshot();
  const channel = rssChannel(snapshot['rss.xml']!);
  const rss = [
    ...children(channel, 'lastBuildDate').map(textOf),
    ...children(channel, 'item').flatMap((item) => children(item, 'pubDate').map(textOf)),
  ];
  const feed = atomFeed(snapshot['atom.xml']!);
  const atom = [
    ...children(feed, 'updated').map(textOf),
    ...children(feed, 'entry').flatMap((entry) => [...children(entry, 'published'), ...children(entry, 'updated')].map(textOf)),
  ];
  const json = (JSON.parse(snapshot['feed.json']!) as JsonFeed).items.flatMap((item) => [item.date_published!, item.date_modified!]);
  return { rss, atom, json };
}

/** The `<time>` elements of a page: datetime attribute and the text shown. */
function times(html: string): { datetime: string; shown: string }[] {
  return [...html.matchAll(/<time datetime="([^"]*)">([^<]*)<\/time>/g)].map((match) => ({ datetime: match[1]!, shown: match[2]! }));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** An RFC 822 GMT date as an ISO instant, field by field; throws when its weekday is not the date's. */
function rfc822Instant(date: string): string {
  const match = /^(\w{3}), (\d{2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(date);
  if (!match) throw new Error(`not an RFC 822 GMT date: ${date}`);
  const instant = new Date(0);
  instant.setUTCFullYear(Number(match[4]), MONTHS.indexOf(match[3]!), Number(match[2]));
  instant.setUTCHours(Number(match[5]), Number(match[6]), Number(match[7]));
  if (WEEKDAYS[instant.getUTCDay()] !== match[1]) throw new Error(`${date}: the weekday is not the date's`);
  return instant.toISOString();
}

function site(files: Readonly<Record<string, string>>, now: string, config: FeedConfig = testFeedConfig()): Site {
  return memorySite(files, { now: new Date(now), config });
}

const titles = (site: Site) => jsonItems(site).map((item) => item.title);
const heldFiles = (summary: PublishSummary) => summary.held.map((held) => held.file);

describe('publishTime in zones with clock changes and odd offsets', () => {
  it('02:30 on Berlin’s spring-forward night (skipped) publishes at 03:30 CEST, 01:30 UTC: held a millisecond before, out on the run at it', async () => {
    // Prepare
    const config = testFeedConfig({ publishTime: '02:30', timeZone: 'Europe/Berlin' });
    const s = site(
      { 'before.txt': seed('2026-03-28', 'Before', 'Saturday.'), 'spring.txt': seed('2026-03-29', 'Spring', 'Sunday.') },
      '2026-03-29T01:29:59.999Z',
      config,
    );

    // Act
    const early = await s.run();
    s.now = new Date('2026-03-29T01:30:00.000Z');
    const due = await s.run();

    // Assess
    expect(heldFiles(early)).toEqual(['spring.txt']);
    expect(heldFiles(due)).toEqual([]);
    expect(jsonItems(s)).toEqual([
      { title: 'Spring', published: '2026-03-29T01:30:00.000Z', modified: '2026-03-29T01:30:00.000Z' },
      // The day before, still on CET (UTC+1).
      { title: 'Before', published: '2026-03-28T01:30:00.000Z', modified: '2026-03-28T01:30:00.000Z' },
    ]);
    expect(children(rssChannel(s.snapshot()['rss.xml']!), 'item').map((item) => textOf(children(item, 'pubDate')))).toEqual([
      'Sun, 29 Mar 2026 01:30:00 GMT',
      'Sat, 28 Mar 2026 01:30:00 GMT',
    ]);
  });

  it('01:30 on New York’s fall-back night (shown twice) publishes at its first showing, 05:30 UTC, not an hour later', async () => {
    // Prepare
    const config = testFeedConfig({ publishTime: '01:30', timeZone: 'America/New_York' });
    const s = site(
      { 'back.txt': seed('2026-11-01', 'Fall Back', 'An hour twice.'), 'sat.txt': seed('2026-10-31', 'Sat', 'x.') },
      '2026-11-01T05:29:59.999Z',
      config,
    );

    // Act
    const early = await s.run();
    s.now = new Date('2026-11-01T05:30:00.000Z');
    const due = await s.run();

    // Assess
    expect(heldFiles(early)).toEqual(['back.txt']);
    expect(heldFiles(due)).toEqual([]);
    expect(jsonItems(s)[0]).toEqual({ title: 'Fall Back', published: '2026-11-01T05:30:00.000Z', modified: '2026-11-01T05:30:00.000Z' });
  });

  it.each([
    ['Asia/Kathmandu (UTC+5:45)', 'Asia/Kathmandu', '2026-04-04T20:45:00.000Z'],
    ['Australia/Eucla (UTC+8:45)', 'Australia/Eucla', '2026-04-04T17:45:00.000Z'],
    ['Pacific/Chatham (UTC+13:45, its DST ending 03:45 → 02:45 that morning)', 'Pacific/Chatham', '2026-04-04T12:45:00.000Z'],
    ['Australia/Lord_Howe (its 30-minute DST ending 02:00 → 01:30 that morning)', 'Australia/Lord_Howe', '2026-04-04T16:00:00.000Z'],
  ])('02:30 in %s is the right instant, held until it', async (_name, timeZone, instant) => {
    // Prepare
    const config = testFeedConfig({ publishTime: '02:30', timeZone });
    const s = site(
      { 'old.txt': seed('2026-03-01', 'Old', 'Long out.'), 'day.txt': seed('2026-04-05', 'The Day', 'Out at 02:30.') },
      new Date(Date.parse(instant) - 1).toISOString(),
      config,
    );

    // Act
    const early = await s.run();
    s.now = new Date(instant);
    const due = await s.run();

    // Assess
    expect(heldFiles(early)).toEqual(['day.txt']);
    expect(heldFiles(due)).toEqual([]);
    expect(jsonItems(s)[0]).toEqual({ title: 'The Day', published: instant, modified: instant });
  });

  it('in Pacific/Kiritimati (UTC+14) a day is published on the UTC day before, and the index and page show the seed’s day with that instant', async () => {
    // Prepare
    const config = testFeedConfig({ timeZone: 'Pacific/Kiritimati' });
    const s = site({ 'kiri.txt': seed('2026-03-08', 'Line Islands', 'Sunday there.') }, '2026-03-07T09:59:59.999Z', config);

    // Act
    const early = await s.run().catch((error: Error) => error);
    s.now = new Date('2026-03-07T10:00:00.000Z');
    await s.run();

    // Assess: nothing to publish before its hour (a run with no article fails, writing nothing).
    expect(early).toBeInstanceOf(Error);
    const snapshot = s.snapshot();
    const expected = [{ datetime: '2026-03-07T10:00:00.000Z', shown: '2026-03-08' }];
    expect(times(snapshot['index.html']!)).toEqual(expected);
    expect(times(snapshot['articles/2026-03-08-line-islands.html']!)).toEqual(expected);
    expect(jsonItems(s)[0]!.published).toBe('2026-03-07T10:00:00.000Z');
  });

  it('in Pacific/Pago_Pago (UTC−11) at 23:59, a leap-day article goes out on March 1st UTC and is shown as February 29th', async () => {
    // Prepare
    const config = testFeedConfig({ timeZone: 'Pacific/Pago_Pago', publishTime: '23:59' });
    const s = site(
      { 'leap.txt': seed('2024-02-29', 'Leap Day', 'Once in four years.'), 'old.txt': seed('2024-02-01', 'Old', 'x.') },
      '2024-03-01T10:58:59.999Z',
      config,
    );

    // Act
    const early = await s.run();
    s.now = new Date('2024-03-01T10:59:00.000Z');
    await s.run();

    // Assess
    expect(heldFiles(early)).toEqual(['leap.txt']);
    expect(times(s.snapshot()['index.html']!)[0]).toEqual({ datetime: '2024-03-01T10:59:00.000Z', shown: '2024-02-29' });
    expect(textOf(children(children(rssChannel(s.snapshot()['rss.xml']!), 'item')[0], 'pubDate'))).toBe('Fri, 01 Mar 2024 10:59:00 GMT');
  });
});

describe('the date on line 1', () => {
  it('accepts February 29th of a leap year, refuses days not on the calendar (file and line named) and holds year 9999; the rest is published', async () => {
    // Prepare
    const s = site(
      {
        'leap-2024.txt': seed('2024-02-29', 'Leap 2024', 'Fine.'),
        'leap-2000.txt': seed('2000-02-29', 'Leap 2000', 'Fine, divisible by 400.'),
        'not-leap-2023.txt': seed('2023-02-29', 'Not Leap', 'No such day.'),
        'not-leap-2100.txt': seed('2100-02-29', 'Not Leap Either', 'No such day.'),
        'feb-30.txt': seed('2024-02-30', 'February 30', 'No such day.'),
        'month-13.txt': seed('2023-13-01', 'Month 13', 'No such month.'),
        'year-0.txt': seed('0000-01-01', 'Year Zero', 'No year zero.'),
        'year-9999.txt': seed('9999-12-31', 'Far Future', 'Much later.'),
      },
      '2026-06-01T00:00:00.000Z',
    );

    // Act
    const summary = await s.run();

    // Assess
    expect(summary.rejected.map(({ file, line }) => [file, line])).toEqual([
      ['feb-30.txt', 1],
      ['month-13.txt', 1],
      ['not-leap-2023.txt', 1],
      ['not-leap-2100.txt', 1],
      ['year-0.txt', 1],
    ]);
    expect(summary.held).toEqual([{ file: 'year-9999.txt', date: '9999-12-31' }]);
    expect(titles(s)).toEqual(['Leap 2024', 'Leap 2000']);
    expect(jsonItems(s)[0]!.published).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('the feeds’ date formats', () => {
  it('RSS pubDate and lastBuildDate are RFC 822 with a four-digit year and GMT, Atom and JSON Feed dates RFC 3339, all naming the same instants', async () => {
    // Prepare: a zone with a 45-minute offset, an article from year 1, one edited after publication.
    const config = testFeedConfig({ timeZone: 'Asia/Kathmandu', publishTime: '06:15' });
    const s = site(
      {
        'ancient.txt': seed('0001-01-01', 'Year One', 'Long ago.'),
        'y1999.txt': seed('1999-12-31', 'Millennium Eve', 'Party.'),
        'edited.txt': seed('2026-05-01', 'Edited', 'First version.'),
      },
      '2026-05-02T00:00:00.000Z',
      config,
    );
    await s.run();
    s.now = new Date('2026-05-03T07:08:09.123Z');
    await s.writeSeed('edited.txt', seed('2026-05-01', 'Edited', 'Second version.'));

    // Act
    await s.run();

    // Assess
    const { rss, atom, json } = feedDates(s);
    for (const date of rss) expect(date).toMatch(RFC822_DATE);
    for (const date of [...atom, ...json]) expect(date).toMatch(RFC3339);
    expect(jsonFeedSchemaErrors(JSON.parse(s.snapshot()['feed.json']!))).toEqual([]);
    const items = jsonItems(s);
    expect(items.map((item) => item.title)).toEqual(['Edited', 'Millennium Eve', 'Year One']);
    expect(items[0]).toEqual({ title: 'Edited', published: '2026-05-01T00:30:00.000Z', modified: '2026-05-03T07:08:09.123Z' });
    expect(items[1]!.published).toBe('1999-12-31T00:30:00.000Z');
    // Year 1 in Kathmandu is on local mean time (UTC+5:41:16): 06:15 there is 00:33:44 UTC.
    expect(items[2]!.published).toBe('0001-01-01T00:33:44.000Z');
    // RSS names the same instants as JSON Feed's date_published, each with the right weekday
    // (read field by field: Date.parse takes a year 0001 for 2001).
    expect(rss.slice(1).map(rfc822Instant)).toEqual(items.map((item) => item.published));
    expect(rss[0]).toBe('Sun, 03 May 2026 07:08:09 GMT');
  });
});

describe('edit dates', () => {
  it('an edit after publication is stamped with the run’s clock: Atom updated and date_modified move, published and pubDate stay, lastBuildDate follows', async () => {
    // Prepare
    const s = site({ 'a.txt': seed('2026-02-01', 'A', 'First.'), 'b.txt': seed('2026-02-02', 'B', 'Second.') }, '2026-02-03T00:00:00.000Z');
    await s.run();
    s.now = new Date('2026-02-10T12:34:56.789Z');
    await s.writeSeed('a.txt', seed('2026-02-01', 'A', 'First, corrected.'));

    // Act
    await s.run();

    // Assess
    expect(jsonItems(s)).toEqual([
      { title: 'B', published: '2026-02-02T00:00:00.000Z', modified: '2026-02-02T00:00:00.000Z' },
      { title: 'A', published: '2026-02-01T00:00:00.000Z', modified: '2026-02-10T12:34:56.789Z' },
    ]);
    const channel = rssChannel(s.snapshot()['rss.xml']!);
    expect(textOf(children(channel, 'lastBuildDate'))).toBe('Tue, 10 Feb 2026 12:34:56 GMT');
    expect(children(channel, 'item').map((item) => textOf(children(item, 'pubDate')))).toEqual([
      'Mon, 02 Feb 2026 00:00:00 GMT',
      'Sun, 01 Feb 2026 00:00:00 GMT',
    ]);
    const entryA = children(atomFeed(s.snapshot()['atom.xml']!), 'entry')[1]!;
    expect(textOf(children(entryA, 'published'))).toBe('2026-02-01T00:00:00.000Z');
    expect(textOf(children(entryA, 'updated'))).toBe('2026-02-10T12:34:56.789Z');
  });

  it('an edit while the article is held is no update: once out, date_modified equals date_published', async () => {
    // Prepare
    const config = testFeedConfig({ timeZone: 'Europe/Berlin', publishTime: '09:00' });
    const s = site(
      { 'old.txt': seed('2026-01-01', 'Old', 'x.'), 'held.txt': seed('2026-03-29', 'Held', 'Draft.') },
      '2026-03-20T00:00:00.000Z',
      config,
    );
    await s.run();
    s.now = new Date('2026-03-25T00:00:00.000Z');
    await s.writeSeed('held.txt', seed('2026-03-29', 'Held', 'Final text.'));
    await s.run();

    // Act: 09:00 CEST on the 29th is 07:00 UTC.
    s.now = new Date('2026-03-29T07:00:00.000Z');
    const out = await s.run();

    // Assess
    expect(heldFiles(out)).toEqual([]);
    expect(jsonItems(s)[0]).toEqual({ title: 'Held', published: '2026-03-29T07:00:00.000Z', modified: '2026-03-29T07:00:00.000Z' });
  });

  it('the clock set back before a recorded edit: no feed date after the clock, with a warning, and the article stays', async () => {
    // Prepare
    const s = site({ 'a.txt': seed('2026-02-01', 'A', 'First.') }, '2026-02-05T00:00:00.000Z');
    await s.run();
    s.now = new Date('2026-02-20T00:00:00.000Z');
    await s.writeSeed('a.txt', seed('2026-02-01', 'A', 'Edited.'));
    await s.run();

    // Act
    s.now = new Date('2026-02-10T00:00:00.000Z');
    const back = await s.run();

    // Assess
    expect(back.warnings.length).toBeGreaterThan(0);
    const { rss, atom, json } = feedDates(s);
    for (const date of [...rss, ...atom, ...json]) expect(Date.parse(date)).toBeLessThanOrEqual(s.now.getTime());
    expect(titles(s)).toEqual(['A']);
  });
});

describe('the clock across runs', () => {
  it('runs a year apart, one with the clock set back, leave the site a single publish at the last clock makes (archives, held articles, leap day)', async () => {
    // Prepare: four notes a year 2025–2029 and 2028-02-29, itemLimit 3 (archives), New York at 02:30.
    const files: Record<string, string> = { '2028-02-29-leap.txt': seed('2028-02-29', 'Leap', 'Leap day.') };
    for (let year = 2025; year <= 2029; year++)
      for (const month of ['01', '04', '07', '10'])
        files[`${year}-${month}-15-n.txt`] = seed(`${year}-${month}-15`, `Note ${year}-${month}`, `Lede ${year}.`);
    const config = testFeedConfig({ itemLimit: 3, timeZone: 'America/New_York', publishTime: '02:30' });
    const s = site(files, '2026-06-01T00:00:00.000Z', config);
    await s.run();
    s.now = new Date('2027-03-01T00:00:00.000Z');
    await s.run();
    s.now = new Date('2025-05-01T00:00:00.000Z');
    await s.run();

    // Act
    s.now = new Date('2030-01-01T00:00:00.000Z');
    const last = await s.run();
    const fresh = site(files, '2030-01-01T00:00:00.000Z', config);
    await fresh.run();

    // Assess
    expect(last.held).toEqual([]);
    expect(s.snapshot({ withManifest: false })).toEqual(fresh.snapshot({ withManifest: false }));
  });

  it('a held article waits through settled runs and is out on the first run at its hour, in a zone on summer time', async () => {
    // Prepare: 07:00 in New York on July 4th is 11:00 UTC.
    const config = testFeedConfig({ timeZone: 'America/New_York', publishTime: '07:00' });
    const s = site(
      { 'old.txt': seed('2026-07-01', 'Old', 'x.'), 'fourth.txt': seed('2026-07-04', 'Fourth', 'Parade.') },
      '2026-07-03T00:00:00.000Z',
      config,
    );
    await s.run();

    // Act
    s.now = new Date('2026-07-04T10:59:59.999Z');
    const before = await s.run();
    s.now = new Date('2026-07-04T11:00:00.000Z');
    const at = await s.run();

    // Assess
    expect(heldFiles(before)).toEqual(['fourth.txt']);
    expect(before.objects.written).toBe(0);
    expect(heldFiles(at)).toEqual([]);
    expect(titles(s)).toEqual(['Fourth', 'Old']);
  });
});

describe('timeZone and publishTime changed between runs', () => {
  it('a zone moved east re-dates every page and feed item as a fresh publish would, with no edit date for unchanged articles', async () => {
    // Prepare
    const files = { 'a.txt': seed('2026-03-01', 'A', 'x.'), 'b.txt': seed('2026-03-02', 'B', 'y.') };
    const s = site(files, '2026-03-05T00:00:00.000Z');
    await s.run();
    const tokyo = testFeedConfig({ timeZone: 'Asia/Tokyo' });

    // Act
    s.settings = { ...s.settings, config: tokyo };
    await s.run();
    const fresh = site(files, '2026-03-05T00:00:00.000Z', tokyo);
    await fresh.run();

    // Assess
    expect(jsonItems(s)).toEqual([
      { title: 'B', published: '2026-03-01T15:00:00.000Z', modified: '2026-03-01T15:00:00.000Z' },
      { title: 'A', published: '2026-02-28T15:00:00.000Z', modified: '2026-02-28T15:00:00.000Z' },
    ]);
    expect(times(s.snapshot()['articles/2026-03-01-a.html']!)).toEqual([{ datetime: '2026-02-28T15:00:00.000Z', shown: '2026-03-01' }]);
    expect(s.snapshot({ withManifest: false })).toEqual(fresh.snapshot({ withManifest: false }));
  });

  it.each([
    // March 8th begins at 10:00 UTC on the 7th in Kiritimati (UTC+14), at 11:00 UTC on the 8th in Pago Pago (UTC−11).
    ['a zone further west', '2026-03-07T12:00:00.000Z', { timeZone: 'Pacific/Kiritimati' }, { timeZone: 'Pacific/Pago_Pago' }],
    ['a later publish time', '2026-03-08T12:00:00.000Z', { publishTime: '06:00' }, { publishTime: '18:00' }],
  ])(
    '%s after today’s article went out holds it again, as a fresh publish would: no feed dates it after the clock',
    async (_change, now, before, after) => {
      // Prepare: today's article out under the first schedule, six older ones beside it (so the
      // unpublish guard lets one of seven go).
      const files: Record<string, string> = { 'b.txt': seed('2026-03-08', 'Today', 'y.') };
      for (let day = 1; day <= 6; day++) files[`a${day}.txt`] = seed(`2026-03-0${day}`, `Older ${day}`, 'x.');
      const s = site(files, now, testFeedConfig(before));
      await s.run();
      const wasOut = titles(s);
      const later = testFeedConfig(after);

      // Act
      s.settings = { ...s.settings, config: later };
      const summary = await s.run();
      const fresh = site(files, now, later);
      await fresh.run();

      // Assess
      expect(wasOut).toContain('Today');
      expect(heldFiles(summary)).toEqual(['b.txt']);
      for (const date of Object.values(feedDates(s)).flat()) {
        const instant = date.includes('GMT') ? rfc822Instant(date) : date;
        expect(Date.parse(instant), date).toBeLessThanOrEqual(Date.parse(now));
      }
      expect(s.snapshot({ withManifest: false })).toEqual(fresh.snapshot({ withManifest: false }));
    },
  );
});

describe('the unpublish guard and a schedule change', () => {
  const files: Record<string, string> = {
    'a1.txt': seed('2026-03-06', 'Older 1', 'x.'),
    'a2.txt': seed('2026-03-07', 'Older 2', 'x.'),
    'b.txt': seed('2026-03-08', 'Today', 'y.'),
  };

  it('does not count today’s article held again by a later publish time: a site of three goes through, and it is back at the new time', async () => {
    // Prepare: one of three leaving is over the default 20 %
    const s = site(files, '2026-03-08T12:00:00.000Z', testFeedConfig({ publishTime: '06:00' }));
    await s.run();

    // Act
    s.settings = { ...s.settings, config: testFeedConfig({ publishTime: '18:00' }) };
    const held = await s.run();
    const afterHold = titles(s);
    s.now = new Date('2026-03-08T18:00:00.000Z');
    await s.run();

    // Assess
    expect(heldFiles(held)).toEqual(['b.txt']);
    expect(afterHold).toEqual(['Older 2', 'Older 1']);
    expect(titles(s)).toEqual(['Today', 'Older 2', 'Older 1']);
  });

  it('still counts an article whose seed moved it to a later day, on the same small site', async () => {
    // Prepare
    const s = site(files, '2026-03-08T12:00:00.000Z', testFeedConfig({ publishTime: '06:00' }));
    await s.run();

    // Act
    await s.writeSeed('b.txt', seed('2026-03-09', 'Today', 'y.'));

    // Assess
    await expect(s.run()).rejects.toThrow(/would unpublish 1 of 3 published articles.*b\.txt/s);
    expect(titles(s)).toContain('Today');
  });
});

describe('a lost manifest, read back from the published archives', () => {
  it('keeps every archive as it was when a day’s publish time is skipped past midnight (America/Nuuk at 23:30, its clocks going 23:00 → 00:00)', async () => {
    // Prepare: itemLimit 2, so archive 1 ends with x.txt, the spring-forward Saturday (2026-03-28),
    // published at 00:30 on Sunday local time, and y.txt of that Sunday opens archive 2.
    const files = {
      'q.txt': seed('2026-03-27', 'Q', 'Friday.'),
      'x.txt': seed('2026-03-28', 'X', 'Saturday, out at 00:30 on Sunday.'),
      'y.txt': seed('2026-03-29', 'Y', 'Sunday.'),
      'z.txt': seed('2026-03-30', 'Z', 'Monday.'),
      'w.txt': seed('2026-03-31', 'W', 'Tuesday.'),
      'f1.txt': seed('2026-04-01', 'F1', 'In the feeds.'),
      'f2.txt': seed('2026-04-02', 'F2', 'In the feeds.'),
    };
    const config = testFeedConfig({ itemLimit: 2, timeZone: 'America/Nuuk', publishTime: '23:30' });
    const s = site(files, '2026-05-01T00:00:00.000Z', config);
    await s.run();
    const before = s.snapshot({ withManifest: false });
    const archiveTitles = (snapshot: Record<string, string>, n: number) =>
      (JSON.parse(snapshot[`archive/feed-${n}.json`]!) as JsonFeed).items.map((item) => item.title);
    expect([archiveTitles(before, 1), archiveTitles(before, 2)]).toEqual([
      ['X', 'Q'],
      ['Z', 'Y'],
    ]);
    // The publish instant of x.txt is on the next local day.
    expect((JSON.parse(before['archive/feed-1.json']!) as JsonFeed).items[0]!.date_published).toBe('2026-03-29T01:30:00.000Z');

    // Act
    await s.site.delete(MANIFEST);
    await s.run();

    // Assess
    const after = s.snapshot({ withManifest: false });
    expect([archiveTitles(after, 1), archiveTitles(after, 2)]).toEqual([
      ['X', 'Q'],
      ['Z', 'Y'],
    ]);
    expect(after).toEqual(before);
  });
});

describe('articles of the same day', () => {
  it('are listed in the same order on the index and in the three feeds', async () => {
    // Prepare
    const s = site(
      {
        'news.txt': seed('2026-02-01', 'Plain', 'First.'),
        'news-2.txt': seed('2026-02-01', 'Dashed', 'Second.'),
        'older.txt': seed('2026-01-31', 'Older', 'Day before.'),
      },
      '2026-03-01T00:00:00.000Z',
    );

    // Act
    await s.run();

    // Assess
    const snapshot = s.snapshot();
    const index = [...snapshot['index.html']!.matchAll(/<h2><a href="[^"]*">([^<]*)<\/a><\/h2>/g)].map((match) => match[1]!);
    const rss = children(rssChannel(snapshot['rss.xml']!), 'item').map((item) => textOf(children(item, 'title')));
    const atom = children(atomFeed(snapshot['atom.xml']!), 'entry').map((entry) => textOf(children(entry, 'title')));
    expect(index).toHaveLength(3);
    expect({ rss, atom, json: titles(s) }).toEqual({ rss: index, atom: index, json: index });
  });
});
