/**
 * The index and the feeds are rendered only when something they are made from changed, or one
 * of them is not in the bucket as last written: an unchanged run renders nothing at all.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as render from '../../src/feed/render.js';
import { seed, testFeedConfig, text, THREE_SEEDS, utf8 } from './support.js';
import { MANIFEST, memorySite } from './support-site.js';

vi.mock('../../src/feed/render.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/feed/render.js')>();
  return { ...original, renderFeeds: vi.fn(original.renderFeeds) };
});

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');

beforeEach(() => {
  vi.mocked(render.renderFeeds).mockClear();
});

describe('rendering the index and the feeds', () => {
  it('does not render them when no feed item and no setting changed', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    vi.mocked(render.renderFeeds).mockClear();

    // Act
    const summary = await site.run();

    // Assess
    expect(render.renderFeeds).not.toHaveBeenCalled();
    expect(summary.feedItems).toBe(3);
  });

  it('records what they were made from when an older manifest did not, then stops rendering them', async () => {
    // Prepare: a manifest from before the index and feeds' input was recorded.
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const stored = JSON.parse(text(site.site.objects.get(MANIFEST)!.body)) as Record<string, unknown>;
    delete stored.siteInput;
    await site.site.put(MANIFEST, utf8(JSON.stringify(stored)), { contentType: 'application/json' });
    vi.mocked(render.renderFeeds).mockClear();

    // Act
    await site.run();
    const recorded = JSON.parse(text(site.site.objects.get(MANIFEST)!.body)) as { siteInput?: string };
    const renders = vi.mocked(render.renderFeeds).mock.calls.length;
    await site.run();

    // Assess
    expect(renders).toBe(1);
    expect(recorded.siteInput).toMatch(/^[0-9a-f]{32}$/);
    expect(vi.mocked(render.renderFeeds).mock.calls.length).toBe(1);
  });

  it('renders them again when an item changes, a setting changes, or a feed is altered in the bucket', async () => {
    // Prepare
    const site = memorySite(THREE_SEEDS, { now: MARCH_1 });
    await site.run();
    const calls = () => vi.mocked(render.renderFeeds).mock.calls.length;
    const before = calls();

    // Act
    await site.writeSeed('2026-02-20-park.txt', seed('2026-02-20', 'Park Gates Open', 'Dawn.'));
    await site.run();
    const afterItem = calls();
    site.settings = { ...site.settings, config: testFeedConfig({ ttlMinutes: 15 }) };
    await site.run();
    const afterSetting = calls();
    await site.site.delete('atom.xml');
    const repaired = await site.run();

    // Assess
    expect([afterItem - before, afterSetting - afterItem, calls() - afterSetting]).toEqual([1, 1, 1]);
    expect(repaired.objects.writtenKeys).toEqual(['atom.xml']);
  });
});
