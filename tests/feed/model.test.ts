import { describe, expect, it } from 'vitest';
import { buildFeedModel, compareItems, type FeedChannel } from '../../src/feed/model.js';
import { ID_PREFIX, makeItem, makeModel } from '../helpers/factory.js';

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
