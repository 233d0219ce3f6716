/**
 * A whole corpus to feed documents in one pure call, with no manifest and no storage: what a
 * first publish of the same seeds writes into the feeds. Tests and checks of the rendered feeds
 * use it; a publish run reaches the same documents incrementally (plan.ts).
 */
import { parseCorpus, type Corpus, type IdentifiedArticle, type SeedFile } from '../article/corpus.js';
import type { FeedConfig } from '../config.js';
import { entryText, feedChannel, publishedArticle, publishedAt } from '../feed/items.js';
import { buildFeedModel, compareItems, type FeedModel, type PublishedArticle } from '../feed/model.js';
import { renderFeeds, type FeedDocuments } from '../feed/render.js';

export interface Build {
  readonly corpus: Corpus;
  /** Every article whose time has come, newest first. */
  readonly published: readonly PublishedArticle[];
  /** Articles dated after `now`: a later run publishes them. */
  readonly held: readonly IdentifiedArticle[];
  /** Undefined when no article could be published: there is no feed to write then. */
  readonly feed?: { readonly model: FeedModel; readonly documents: FeedDocuments };
}

export interface BuildOptions {
  readonly config: FeedConfig;
  /** The clock, injected: only used to hold back articles dated in the future. */
  readonly now: Date;
  /** When a published article's text last changed, by file name, if later than its date. */
  readonly updatedAt?: ReadonlyMap<string, Date>;
}

/** Seed files to feed documents: pure, so the same seeds and options give the same bytes. */
export function buildFeeds(files: readonly SeedFile[], options: BuildOptions): Build {
  const { config, now } = options;
  const corpus = parseCorpus(files, config.idPrefix);
  const published: PublishedArticle[] = [];
  const held: IdentifiedArticle[] = [];
  for (const entry of corpus.articles) {
    const { article, slug } = entry;
    // Looked up once per article: in a zone other than UTC it asks Intl for the offset.
    const at = publishedAt(article.date.iso, config);
    if (at > now) {
      held.push(entry);
      continue;
    }
    const updated = options.updatedAt?.get(article.fileName)?.toISOString();
    published.push(
      publishedArticle({ fileName: article.fileName, day: article.date.iso, slug, updated, text: entryText(article) }, config, at),
    );
  }
  published.sort((a, b) => compareItems(a.item, b.item));
  const model = buildFeedModel(
    feedChannel(config),
    published.map((entry) => entry.item),
    config.itemLimit,
  );
  return { corpus, published, held, ...(model ? { feed: { model, documents: renderFeeds(model) } } : {}) };
}
