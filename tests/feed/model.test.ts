/** The feed model: item order, the item limit, and feed entries made from published articles. */
import { describe, expect, it } from 'vitest';
import { parseCalendarDate } from '../../src/article/calendar.js';
import type { Article } from '../../src/article/types.js';
import { entryText, publishedArticle, publishedAt, type EntrySource } from '../../src/feed/items.js';
import { buildFeedModel, compareItems, type FeedChannel } from '../../src/feed/model.js';
import { DESK, ID_PREFIX, SITE_URL, makeConfig, makeItem, makeModel } from '../helpers/factory.js';

const { items: _items, updated: _updated, ...CHANNEL } = makeModel([makeItem({ id: `${ID_PREFIX}articles/x` })]);
const channel: FeedChannel = CHANNEL;

const at = (iso: string) => new Date(iso);
const ids = (model: { items: readonly { id: string }[] } | undefined) => model?.items.map((item) => item.id.replace(/^.*\//, ''));

describe('buildFeedModel', () => {
  it('puts the newest item first, whatever the input order', () => {
    // Prepare
    const items = [
      makeItem({ id: `${ID_PREFIX}articles/jan`, published: at('2026-01-10T00:00:00Z') }),
      makeItem({ id: `${ID_PREFIX}articles/mar`, published: at('2026-03-10T00:00:00Z') }),
      makeItem({ id: `${ID_PREFIX}articles/feb`, published: at('2026-02-10T00:00:00Z') }),
    ];

    // Act
    const model = buildFeedModel(channel, items, 50);

    // Assess
    expect(ids(model)).toEqual(['mar', 'feb', 'jan']);
  });

  it('breaks ties on the publish instant by id, so input order never matters', () => {
    // Prepare
    const same = at('2026-02-01T00:00:00Z');
    const items = ['c', 'a', 'b'].map((name) => makeItem({ id: `${ID_PREFIX}articles/${name}`, published: same }));

    // Act
    const forward = buildFeedModel(channel, items, 50);
    const backward = buildFeedModel(channel, [...items].reverse(), 50);

    // Assess
    expect(ids(forward)).toEqual(['a', 'b', 'c']);
    expect(ids(backward)).toEqual(['a', 'b', 'c']);
  });

  it('orders by published, not by updated', () => {
    // Prepare
    const items = [
      makeItem({ id: `${ID_PREFIX}articles/old-but-edited`, published: at('2026-01-01T00:00:00Z'), updated: at('2026-06-01T00:00:00Z') }),
      makeItem({ id: `${ID_PREFIX}articles/new`, published: at('2026-02-01T00:00:00Z') }),
    ];

    // Act
    const model = buildFeedModel(channel, items, 50);

    // Assess
    expect(ids(model)).toEqual(['new', 'old-but-edited']);
  });

  it('keeps only the newest `limit` items', () => {
    // Prepare
    const items = Array.from({ length: 7 }, (_, i) =>
      makeItem({ id: `${ID_PREFIX}articles/day-${i + 1}`, published: at(`2026-02-0${i + 1}T00:00:00Z`) }),
    );

    // Act
    const model = buildFeedModel(channel, items, 3);

    // Assess
    expect(ids(model)).toEqual(['day-7', 'day-6', 'day-5']);
  });

  it("sets `updated` to the newest item's updated, not its published date", () => {
    // Prepare
    const items = [
      makeItem({ id: `${ID_PREFIX}articles/a`, published: at('2026-02-03T00:00:00Z') }),
      makeItem({ id: `${ID_PREFIX}articles/b`, published: at('2026-02-01T00:00:00Z'), updated: at('2026-02-05T12:00:00Z') }),
    ];

    // Act
    const model = buildFeedModel(channel, items, 50);

    // Assess
    expect(model?.updated.toISOString()).toBe('2026-02-05T12:00:00.000Z');
  });

  it('ignores updates to items that fell outside the limit', () => {
    // Prepare
    const items = [
      makeItem({ id: `${ID_PREFIX}articles/kept`, published: at('2026-02-03T00:00:00Z') }),
      makeItem({ id: `${ID_PREFIX}articles/dropped`, published: at('2026-01-01T00:00:00Z'), updated: at('2026-05-01T00:00:00Z') }),
    ];

    // Act
    const model = buildFeedModel(channel, items, 1);

    // Assess
    expect(ids(model)).toEqual(['kept']);
    expect(model?.updated.toISOString()).toBe('2026-02-03T00:00:00.000Z');
  });

  it('gives no model for zero items', () => {
    // Prepare
    const items: never[] = [];

    // Act
    const model = buildFeedModel(channel, items, 50);

    // Assess
    expect(model).toBeUndefined();
  });

  it('keeps the channel fields as given', () => {
    // Prepare
    const items = [makeItem({ id: `${ID_PREFIX}articles/a` })];

    // Act
    const model = buildFeedModel(channel, items, 50);

    // Assess
    expect(model).toMatchObject(channel);
  });
});

describe('compareItems', () => {
  it('is negative when the first item is newer and zero only for the same instant and id', () => {
    // Prepare
    const newer = { id: 'tag:x,2026:b', published: at('2026-02-02T00:00:00Z') };
    const older = { id: 'tag:x,2026:a', published: at('2026-02-01T00:00:00Z') };

    // Act
    const results = [compareItems(newer, older), compareItems(older, newer), compareItems(newer, { ...newer })];

    // Assess
    expect(Math.sign(results[0]!)).toBe(-1);
    expect(Math.sign(results[1]!)).toBe(1);
    expect(results[2]).toBe(0);
  });
});

describe('publishedAt', () => {
  it('is the calendar day at the configured time in the configured zone, summer time included', () => {
    // Prepare: Kyiv is UTC+2 in winter and UTC+3 in summer.
    const config = makeConfig({ publishTime: { hour: 9, minute: 30, timeZone: 'Europe/Kyiv' } });

    // Act
    const instants = ['2026-02-10', '2026-07-10'].map((day) => publishedAt(day, config).toISOString());

    // Assess
    expect(instants).toEqual(['2026-02-10T07:30:00.000Z', '2026-07-10T06:30:00.000Z']);
  });

  it('gives each config its own instant for the same day, and a fresh Date every call', () => {
    // Prepare
    const utc = makeConfig();
    const kyiv = makeConfig({ publishTime: { hour: 0, minute: 0, timeZone: 'Europe/Kyiv' } });
    const first = publishedAt('2026-02-10', utc);
    first.setUTCFullYear(1999);

    // Act
    const again = publishedAt('2026-02-10', utc);
    const elsewhere = publishedAt('2026-02-10', kyiv);

    // Assess
    expect(again.toISOString()).toBe('2026-02-10T00:00:00.000Z');
    expect(elsewhere.toISOString()).toBe('2026-02-09T22:00:00.000Z');
  });

  it('refuses a day that is not on the calendar', () => {
    // Prepare
    const config = makeConfig();

    // Act
    const call = () => publishedAt('2026-02-30', config);

    // Assess
    expect(call).toThrow('2026-02-30 is not a calendar date');
  });
});

describe('entryText', () => {
  it('keeps the title and lede as plain text and renders the body as HTML', () => {
    // Prepare
    const article: Article = {
      fileName: 'budget.txt',
      date: parseCalendarDate('2026-02-05')!,
      title: 'Schools & Shelters <First>',
      lede: 'The council voted 31 to 6.',
      blocks: [
        { kind: 'paragraph', text: 'The council voted 31 to 6.' },
        { kind: 'heading', text: 'What next' },
        { kind: 'paragraph', text: 'Works start in <May> & June.' },
      ],
    };

    // Act
    const text = entryText(article);

    // Assess
    expect(text).toEqual({
      title: 'Schools & Shelters <First>',
      lede: 'The council voted 31 to 6.',
      html: '<p>The council voted 31 to 6.</p>\n<h2>What next</h2>\n<p>Works start in &lt;May&gt; &amp; June.</p>',
    });
  });
});

describe('publishedArticle', () => {
  const SOURCE: EntrySource = {
    fileName: '2026-02-10-bridge.txt',
    day: '2026-02-10',
    slug: '2026-02-10-bridge-opens',
    text: { title: 'Bridge Opens', lede: 'A new footbridge.', html: '<p>A new footbridge.</p>' },
  };

  it('is the page slug, the day as written and the feed item, with the id from the file name and the link from the slug', () => {
    // Prepare
    const config = makeConfig({ publishTime: { hour: 9, minute: 30, timeZone: 'Europe/Kyiv' } });

    // Act
    const entry = publishedArticle(SOURCE, config);

    // Assess
    expect(entry).toEqual({
      slug: '2026-02-10-bridge-opens',
      day: '2026-02-10',
      item: {
        id: `${ID_PREFIX}articles/2026-02-10-bridge`,
        title: 'Bridge Opens',
        url: `${SITE_URL}articles/2026-02-10-bridge-opens.html`,
        published: new Date('2026-02-10T07:30:00.000Z'),
        day: '2026-02-10',
        updated: new Date('2026-02-10T07:30:00.000Z'),
        summary: 'A new footbridge.',
        contentHtml: '<p>A new footbridge.</p>',
        author: DESK,
      },
    });
  });

  it.each([
    ['later than the publish instant', '2026-02-12T15:45:00.000Z', '2026-02-12T15:45:00.000Z'],
    ['a millisecond after the publish instant', '2026-02-10T00:00:00.001Z', '2026-02-10T00:00:00.001Z'],
    ['the publish instant itself', '2026-02-10T00:00:00.000Z', '2026-02-10T00:00:00.000Z'],
    ['before the publish instant (edited while held back)', '2026-02-08T12:00:00.000Z', '2026-02-10T00:00:00.000Z'],
    ['absent', undefined, '2026-02-10T00:00:00.000Z'],
  ])('uses `updated` only when it is later than the publish instant: %s', (_case, updated, expected) => {
    // Prepare
    const source: EntrySource = updated === undefined ? SOURCE : { ...SOURCE, updated };

    // Act
    const { item } = publishedArticle(source, makeConfig());

    // Assess
    expect(item.updated.toISOString()).toBe(expected);
    expect(item.published.toISOString()).toBe('2026-02-10T00:00:00.000Z');
  });

  it('takes the publish instant the caller already looked up', () => {
    // Prepare
    const published = new Date('2026-02-10T06:00:00.000Z');

    // Act
    const { item } = publishedArticle({ ...SOURCE, updated: '2026-02-10T05:00:00.000Z' }, makeConfig(), published);

    // Assess
    expect(item.published.toISOString()).toBe('2026-02-10T06:00:00.000Z');
    expect(item.updated.toISOString()).toBe('2026-02-10T06:00:00.000Z');
  });
});

describe('an article’s own language', () => {
  const ARTICLE: Article = {
    fileName: 'kyiv.txt',
    date: parseCalendarDate('2026-02-10')!,
    title: 'Міст',
    lede: 'Новий міст.',
    blocks: [{ kind: 'paragraph', text: 'Новий міст.' }],
  };
  const sourceOf = (article: Article): EntrySource => ({ fileName: 'kyiv.txt', day: '2026-02-10', slug: 'kyiv', text: entryText(article) });

  it('goes from the article to its entry text and on to its feed item', () => {
    // Prepare
    const article: Article = { ...ARTICLE, language: 'uk' };

    // Act
    const { item } = publishedArticle(sourceOf(article), makeConfig());

    // Assess
    expect(entryText(article).language).toBe('uk');
    expect(item.language).toBe('uk');
  });

  it('is no field at all, not an undefined one, when the article declares none', () => {
    // Act
    const text = entryText(ARTICLE);
    const { item } = publishedArticle(sourceOf(ARTICLE), makeConfig());

    // Assess: entry text is what it was before articles could declare a language.
    expect(Object.keys(text)).toEqual(['title', 'lede', 'html']);
    expect('language' in item).toBe(false);
  });
});
