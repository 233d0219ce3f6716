/** Item ids from file names, slugs from titles, and which files collide. */
import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/article/corpus.js';
import { assignSlugs, baseSlug, collisionReason, feedId, idCollisions, itemId, uniqueSlug } from '../../src/article/identity.js';
import { parseCalendarDate } from '../../src/article/calendar.js';
import type { CalendarDate } from '../../src/article/types.js';
import { ID_PREFIX, seedFile, seedText } from '../helpers/factory.js';

function date(iso: string): CalendarDate {
  const parsed = parseCalendarDate(iso);
  if (!parsed) throw new Error(`not a date: ${iso}`);
  return parsed;
}

const article = (fileName: string, title: string, iso = '2026-02-10') => ({ fileName, title, date: date(iso) });

describe('itemId', () => {
  it('derives from the file name: correcting the title or the date keeps the id', () => {
    // Prepare
    const before = [seedFile('2026-02-10-bridge.txt', seedText('2026-02-10', 'Bridge opens', 'Text.'))];
    const after = [seedFile('2026-02-10-bridge.txt', seedText('2026-02-11', 'Bridge Opens on Friday (corrected)', 'Text, corrected.'))];

    // Act
    const [first] = parseCorpus(before, ID_PREFIX).articles;
    const [second] = parseCorpus(after, ID_PREFIX).articles;

    // Assess
    expect(first!.id).toBe(`${ID_PREFIX}articles/2026-02-10-bridge`);
    expect(second!.id).toBe(first!.id);
    expect(second!.slug).not.toBe(first!.slug);
  });

  it('drops only the .txt extension, in any case', () => {
    // Prepare
    const names = ['notes.txt', 'notes.TXT', 'notes.v2.txt'];

    // Act
    const ids = names.map((name) => itemId(ID_PREFIX, name));

    // Assess
    expect(ids).toEqual([`${ID_PREFIX}articles/notes`, `${ID_PREFIX}articles/notes`, `${ID_PREFIX}articles/notes.v2`]);
  });

  it.each([
    ['Київ новини.txt', '%D0%9A%D0%B8%D1%97%D0%B2%20%D0%BD%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8'],
    ['with space.txt', 'with%20space'],
    ["it's (really) *new*!.txt", 'it%27s%20%28really%29%20%2Anew%2A%21'],
    ['a/b?c#d&e.txt', 'a%2Fb%3Fc%23d%26e'],
    ['tilde~dash-under_dot.txt', 'tilde~dash-under_dot'],
  ])('%j is percent-encoded into a valid URI that new URL accepts unchanged', (fileName, encoded) => {
    // Prepare
    const expected = `${ID_PREFIX}articles/${encoded}`;

    // Act
    const id = itemId(ID_PREFIX, fileName);

    // Assess
    expect(id).toBe(expected);
    expect(new URL(id).href).toBe(id);
    expect(id).toMatch(/^[A-Za-z0-9\-._~:/,%]+$/);
  });

  it('is the same for a file name typed in NFC or NFD', () => {
    // Prepare
    const composed = 'Caf\u00e9.txt';
    const decomposed = 'Cafe\u0301.txt';

    // Act
    const ids = [itemId(ID_PREFIX, composed), itemId(ID_PREFIX, decomposed)];

    // Assess
    expect(ids[1]).toBe(ids[0]);
    expect(ids[0]).toBe(`${ID_PREFIX}articles/Caf%C3%A9`);
  });

  it('can never equal the feed id', () => {
    // Prepare
    const fileName = 'feed.txt';

    // Act
    const id = itemId(ID_PREFIX, fileName);

    // Assess
    expect(feedId(ID_PREFIX)).toBe(`${ID_PREFIX}feed`);
    expect(id).not.toBe(feedId(ID_PREFIX));
  });
});

describe('baseSlug', () => {
  it('is the date and the title words, lower case, joined by dashes', () => {
    // Prepare
    const input = article('a.txt', 'City Budget Vote: Schools & Shelters <First> in Line');

    // Act
    const slug = baseSlug(input);

    // Assess
    expect(slug).toBe('2026-02-10-city-budget-vote-schools-shelters-first-in-line');
  });

  it('keeps Cyrillic letters, including й and ї', () => {
    // Prepare
    const input = article('a.txt', 'У Києві відкрили пішохідний міст — й нарешті!');

    // Act
    const slug = baseSlug(input);

    // Assess
    expect(slug).toBe('2026-02-10-у-києві-відкрили-пішохідний-міст-й-нарешті');
  });

  it('drops accents from Latin letters', () => {
    // Prepare
    const input = article('a.txt', 'Crème Brûlée à Genève, Zürich & Kraków');

    // Act
    const slug = baseSlug(input);

    // Assess
    expect(slug).toBe('2026-02-10-creme-brulee-a-geneve-zurich-krakow');
  });

  it('is only the date when the title has no letters or digits', () => {
    // Prepare
    const input = article('a.txt', '!!! — ??? …');

    // Act
    const slug = baseSlug(input);

    // Assess
    expect(slug).toBe('2026-02-10');
  });

  it('cuts long titles to 80 characters without a trailing dash', () => {
    // Prepare
    const input = article('a.txt', Array.from({ length: 30 }, (_, i) => `word${i}`).join(' '));

    // Act
    const words = baseSlug(input).slice('2026-02-10-'.length);

    // Assess
    expect([...words].length).toBeLessThanOrEqual(80);
    expect(words).toMatch(/^word0-word1-/);
    expect(words).not.toMatch(/-$/);
  });

  it.each([
    ['Thai', 'ประชาชนรวมตัวกันที่จัตุรัสกลางเมืองเพื่อเฉลิมฉลองการเปิดสะพานแห่งใหม่ข้ามแม่น้ำเจ้าพระยา'],
    [
      'Chinese',
      '市民聚集在市中心广场庆祝横跨长江的新大桥正式开通并举行了盛大的文艺演出和烟花表演活动吸引了来自全国各地的游客前来观看这一历史性时刻的到来',
    ],
  ])('keeps a %s slug to 200 bytes, so that its page names a file every file system takes', (_script, title) => {
    // Prepare
    const input = article('a.txt', title);

    // Act
    const slug = baseSlug(input);

    // Assess: within the bytes, a start of the same words, and as long as fits.
    expect(Buffer.byteLength(slug)).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(`${slug}.html._S3rver_metadata.json-99`)).toBeLessThan(255);
    const words = slug.slice('2026-02-10-'.length);
    expect(title.replace(/[^\p{L}\p{M}\p{N}]+/gu, '-').startsWith(words)).toBe(true);
    expect(Buffer.byteLength(slug)).toBeGreaterThan(200 - 4);
  });
});

describe('assignSlugs', () => {
  const same = [article('c.txt', 'Tram Line Reopens'), article('a.txt', 'Tram line reopens!'), article('b.txt', 'Tram — line — reopens')];

  it('gives equal slugs -2, -3 … in file-name order', () => {
    // Prepare
    const input = same;

    // Act
    const slugs = assignSlugs(input);

    // Assess
    expect(Object.fromEntries(slugs)).toEqual({
      'a.txt': '2026-02-10-tram-line-reopens',
      'b.txt': '2026-02-10-tram-line-reopens-2',
      'c.txt': '2026-02-10-tram-line-reopens-3',
    });
  });

  it('gives the same slugs for every input order', () => {
    // Prepare
    const orders = [same, [...same].reverse(), [same[1]!, same[2]!, same[0]!]];

    // Act
    const results = orders.map((order) => Object.fromEntries(assignSlugs(order)));

    // Assess
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('gives a slug once: an article whose own slug was taken as a suffix gets a suffix of its own', () => {
    // Prepare: "Tram 2" on the same day wants the slug the duplicate "Tram" got first (file-name order).
    const input = [article('a.txt', 'Tram'), article('b.txt', 'Tram'), article('z.txt', 'Tram 2')];

    // Act
    const forward = Object.fromEntries(assignSlugs(input));
    const backward = Object.fromEntries(assignSlugs([...input].reverse()));

    // Assess
    expect(forward).toEqual({ 'a.txt': '2026-02-10-tram', 'b.txt': '2026-02-10-tram-2', 'z.txt': '2026-02-10-tram-2-2' });
    expect(backward).toEqual(forward);
  });

  it('never gives a slug that was given before (a permalink never moves to another article)', () => {
    // Prepare: the slugs earlier runs gave, kept in the manifest, including one whose article is gone.
    const given = new Set(['2026-02-10-tram', '2026-02-10-tram-2']);

    // Act
    const slugs = Object.fromEntries(assignSlugs([article('c.txt', 'Tram'), article('d.txt', 'Bridge')], given));

    // Assess
    expect(slugs).toEqual({ 'c.txt': '2026-02-10-tram-3', 'd.txt': '2026-02-10-bridge' });
  });

  it('keeps titles that slugify to nothing apart from each other and from a title "2"', () => {
    // Prepare
    const input = [article('x.txt', '???'), article('y.txt', '!!!'), article('two.txt', '2')];

    // Act
    const slugs = Object.fromEntries(assignSlugs(input));

    // Assess
    expect(slugs).toEqual({ 'two.txt': '2026-02-10-2', 'x.txt': '2026-02-10', 'y.txt': '2026-02-10-3' });
  });

  it('does not suffix equal titles on different days', () => {
    // Prepare
    const input = [article('a.txt', 'Weekly Notes', '2026-02-10'), article('b.txt', 'Weekly Notes', '2026-02-17')];

    // Act
    const slugs = Object.fromEntries(assignSlugs(input));

    // Assess
    expect(slugs).toEqual({ 'a.txt': '2026-02-10-weekly-notes', 'b.txt': '2026-02-17-weekly-notes' });
  });

  it('is unique across a corpus with many collisions', () => {
    // Prepare
    const input = Array.from({ length: 25 }, (_, i) => article(`f${String(i).padStart(2, '0')}.txt`, i % 2 ? 'Tram' : `Tram ${i % 5}`));

    // Act
    const slugs = [...assignSlugs(input).values()];

    // Assess
    expect(new Set(slugs).size).toBe(input.length);
  });
});

describe('uniqueSlug', () => {
  it('is the base slug itself while nobody uses it', () => {
    // Prepare
    const used = new Set(['2026-02-10-bridge', '2026-02-10-tram-2']);

    // Act
    const slug = uniqueSlug('2026-02-10-tram', used);

    // Assess
    expect(slug).toBe('2026-02-10-tram');
  });

  it('is the first free one of -2, -3 … after the base, even when a later one is free too', () => {
    // Prepare
    const used = new Set(['2026-02-10-tram', '2026-02-10-tram-2', '2026-02-10-tram-3', '2026-02-10-tram-5']);

    // Act
    const slug = uniqueSlug('2026-02-10-tram', used);

    // Assess
    expect(slug).toBe('2026-02-10-tram-4');
  });

  it('suffixes a base that already ends in a number instead of counting it up', () => {
    // Prepare: "Tram 2" wants 2026-02-10-tram-2, which a second "Tram" already has.
    const used = new Set(['2026-02-10-tram', '2026-02-10-tram-2']);

    // Act
    const slug = uniqueSlug('2026-02-10-tram-2', used);

    // Assess
    expect(slug).toBe('2026-02-10-tram-2-2');
  });
});

describe('collisionReason', () => {
  it('spells out two names that differ only in Unicode form, which look the same on screen', () => {
    // Prepare: "café.txt" with a precomposed é, and with e and a combining acute accent.
    const nfc = 'caf\u00e9.txt';
    const nfd = 'cafe\u0301.txt';

    // Act
    const reason = collisionReason(nfc, nfd);
    const plain = collisionReason('dup.TXT', 'dup.txt');

    // Assess
    expect(reason).toContain('the two names differ only in how they are encoded: "caf\\u{E9}.txt" and "cafe\\u{301}.txt"');
    expect(plain).not.toContain('encoded');
    expect(plain).toMatch(/^has the same item id as dup\.TXT \(ids come from the file name/);
  });
});

describe('idCollisions', () => {
  it('gives the id to the first file name in byte order, mapping each other to it', () => {
    // Act
    const collisions = idCollisions(['dup.txt', 'b.txt', 'dup.TXT', 'cafe\u0301.txt', 'caf\u00e9.txt']);

    // Assess
    expect([...collisions]).toEqual([
      ['caf\u00e9.txt', 'cafe\u0301.txt'],
      ['dup.txt', 'dup.TXT'],
    ]);
  });

  it('leaves the id with a file that holds it already, whatever a newcomer named like it sorts as', () => {
    // Act
    const collisions = idCollisions(['a05.TXT', 'a05.txt', 'b.txt'], (fileName) => fileName === 'a05.txt');

    // Assess
    expect([...collisions]).toEqual([['a05.TXT', 'a05.txt']]);
  });
});
