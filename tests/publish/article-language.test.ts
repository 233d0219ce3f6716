/**
 * An article with a `lang` line across publish runs: its language survives in the manifest's
 * entry text, declaring or changing it is an edit, and articles without one keep their hashes.
 */
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/article/parse.js';
import type { Article } from '../../src/article/types.js';
import { digest } from '../../src/publish/manifest.js';
import { articleHash } from '../../src/publish/plan.js';
import { memorySite } from './support-site.js';
import { seed, text, THREE_SEEDS } from './support.js';

const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');
const MARCH_2 = new Date('2026-03-02T06:00:00.000Z');
const KYIV = '2026-02-04-kyiv.txt';
const KYIV_PAGE = 'articles/2026-02-04-міст-через-либідь.html';
const kyivSeed = (...lang: string[]) => seed('2026-02-04', 'Міст через Либідь', ...lang, 'Новий міст відкрили в неділю.');

interface JsonFeed {
  items: { id: string; title: string; language?: string; date_modified: string }[];
}

function article(source: string): Article {
  const result = parseArticle('a.txt', source);
  if (!result.ok) throw new Error(result.error.reason);
  return result.article;
}

describe('publish: an article in a language of its own', () => {
  it('keeps its language in the feeds when a later run renders them without reading its seed', async () => {
    // Prepare
    const site = memorySite({ ...THREE_SEEDS, [KYIV]: kyivSeed('lang uk') }, { now: MARCH_1 });
    await site.run();
    await site.writeSeed('2026-02-20-park.txt', seed('2026-02-20', 'Park Gates Open', 'The park opens at dawn.'));

    // Act
    const summary = await site.run();

    // Assess: only the new seed was read, so the Ukrainian item's text came from the manifest.
    expect(summary.articles.read).toBe(1);
    expect(summary.warnings).toEqual([]);
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as JsonFeed;
    expect(feed.items.find((item) => item.title === 'Міст через Либідь')?.language).toBe('uk');
    expect(text(site.site.objects.get('atom.xml')!.body)).toContain('<entry xml:lang="uk">');
    expect(text(site.site.objects.get('index.html')!.body)).toContain('<li lang="uk">');
  });

  it('takes a `lang` line added later as an edit: the page is rewritten in that language and the item dated', async () => {
    // Prepare
    const site = memorySite({ ...THREE_SEEDS, [KYIV]: kyivSeed() }, { now: MARCH_1 });
    await site.run();
    expect(text(site.site.objects.get(KYIV_PAGE)!.body)).toContain('<html lang="en">');
    await site.writeSeed(KYIV, kyivSeed('lang uk'));
    site.now = MARCH_2;

    // Act
    const summary = await site.run();

    // Assess
    expect(summary.objects.writtenKeys).toContain(KYIV_PAGE);
    expect(text(site.site.objects.get(KYIV_PAGE)!.body)).toContain('<html lang="uk">');
    const feed = JSON.parse(text(site.site.objects.get('feed.json')!.body)) as JsonFeed;
    expect(feed.items.find((item) => item.title === 'Міст через Либідь')).toMatchObject({
      language: 'uk',
      date_modified: MARCH_2.toISOString(),
    });
  });

  it('gives an article without a `lang` line the hash it had before the line existed, so it is not dated as edited', () => {
    // Prepare: the hash as it was computed before articles could declare a language.
    const plain = article(THREE_SEEDS['2026-02-03-bridge.txt']!);
    const before = digest(JSON.stringify({ date: plain.date.iso, title: plain.title, blocks: plain.blocks }));

    // Act
    const hash = articleHash(plain);

    // Assess
    expect(hash).toBe(before);
  });

  it('gives the same article a different hash for each language it declares', () => {
    // Prepare
    const body = 'date 2026-02-04 Title\n\nBody.\n';
    const [none, uk, pl] = ['', 'lang uk\n', 'lang pl\n'].map((line) => article(body.replace('\n\n', `\n${line}\n`)));

    // Act
    const hashes = [none!, uk!, pl!].map(articleHash);

    // Assess
    expect(new Set(hashes).size).toBe(3);
  });
});
