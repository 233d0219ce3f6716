import { createHash } from 'node:crypto';
import type { Article } from '../article/types.js';

/**
 * What the last run published, kept in the bucket beside the feeds: a hash per object (so an
 * unchanged republish writes nothing) and a hash per article (so an edited article gets a new
 * `updated` date, the only time the clock reaches a feed).
 */
export interface Manifest {
  readonly version: 1;
  /** Object key → hash of its bytes and headers. */
  readonly objects: Readonly<Record<string, string>>;
  /** Item id → what the article looked like and when it last changed after publication. */
  readonly articles: Readonly<Record<string, ArticleRecord>>;
}

export interface ArticleRecord {
  readonly hash: string;
  /** ISO instant; absent until the article changes after its first publication. */
  readonly updated?: string;
}

export const MANIFEST_KEY = '_publish/manifest.json';

export const EMPTY_MANIFEST: Manifest = { version: 1, objects: {}, articles: {} };

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Headers are part of the hash: a new Cache-Control must reach the bucket even if bytes are equal. */
export function objectHash(body: Uint8Array, contentType: string, cacheControl: string): string {
  return sha256(Buffer.concat([Buffer.from(`${contentType}\n${cacheControl}\n`), body]));
}

/** The article as parsed, not as typed: whitespace or line-ending edits are not changes. */
export function articleHash(article: Article): string {
  return sha256(JSON.stringify({ date: article.date.iso, title: article.title, blocks: article.blocks }));
}

/** A manifest that cannot be read is treated as empty: the run then rewrites everything, which is safe. */
export function parseManifest(bytes: Uint8Array | undefined): { manifest: Manifest; problem?: string } {
  if (bytes === undefined) return { manifest: EMPTY_MANIFEST };
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<Manifest>;
    if (value.version !== 1 || typeof value.objects !== 'object' || typeof value.articles !== 'object' || !value.objects || !value.articles) {
      return { manifest: EMPTY_MANIFEST, problem: `${MANIFEST_KEY} has an unknown shape; rewriting everything` };
    }
    return { manifest: value as Manifest };
  } catch {
    return { manifest: EMPTY_MANIFEST, problem: `${MANIFEST_KEY} is not valid JSON; rewriting everything` };
  }
}

export function serializeManifest(manifest: Manifest): Uint8Array {
  const sorted = (record: Readonly<Record<string, unknown>>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return Buffer.from(`${JSON.stringify({ version: 1, objects: sorted(manifest.objects), articles: sorted(manifest.articles) }, null, 1)}\n`);
}
