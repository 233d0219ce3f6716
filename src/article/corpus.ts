/** A folder's worth of seed files parsed at once, with ids and slugs: for `cli validate` and whole-corpus builds. */
import { decodeSeed, parseArticle } from './parse.js';
import { compareStrings } from '../text/order.js';
import { assignSlugs, collisionReason, idCollisions, itemId } from './identity.js';
import type { Article, ArticleError } from './types.js';

export interface SeedFile {
  /** File name without directory, e.g. `2026-02-02-talks.txt`. */
  readonly fileName: string;
  readonly bytes: Uint8Array;
}

export interface IdentifiedArticle {
  readonly article: Article;
  /** Permanent item id (`tag:` URI) from the file name. */
  readonly id: string;
  /** Unique across the corpus; the page is `articles/SLUG.html`. */
  readonly slug: string;
}

export interface Corpus {
  /** In file-name order. */
  readonly articles: readonly IdentifiedArticle[];
  /** One per file that could not be read, in file-name order. */
  readonly rejected: readonly ArticleError[];
}

/** Seeds are the `.txt` files; anything else in the folder (a README, dotfiles) is not an article. */
export function isSeedFileName(fileName: string): boolean {
  return /\.txt$/i.test(fileName) && !fileName.startsWith('.');
}

/** Parses every seed; a bad one is reported and never stops the others. */
export function parseCorpus(files: readonly SeedFile[], idPrefix: string): Corpus {
  const articles: Article[] = [];
  const rejected: ArticleError[] = [];
  const collisions = idCollisions(files.map((file) => file.fileName));
  for (const file of [...files].sort((a, b) => compareStrings(a.fileName, b.fileName))) {
    const first = collisions.get(file.fileName);
    if (first !== undefined) {
      rejected.push({ fileName: file.fileName, line: 1, reason: collisionReason(first, file.fileName) });
      continue;
    }
    const decoded = decodeSeed(file.fileName, file.bytes);
    const parsed = decoded.ok ? parseArticle(file.fileName, decoded.text) : decoded;
    if (parsed.ok) articles.push(parsed.article);
    else rejected.push(parsed.error);
  }
  const slugs = assignSlugs(articles);
  return {
    articles: articles.map((article) => ({
      article,
      id: itemId(idPrefix, article.fileName),
      slug: slugs.get(article.fileName)!,
    })),
    rejected,
  };
}
