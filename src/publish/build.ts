import { parseCorpus, type Corpus, type IdentifiedArticle, type SeedFile } from '../article/corpus.js';
import type { FeedConfig } from '../config.js';
import { feedChannel, feedItem, publishedAt } from '../feed/items.js';
import { buildFeedModel, compareItems, type FeedItem, type FeedModel } from '../feed/model.js';
import { renderFeeds, type FeedDocuments } from '../feed/render.js';

export interface PublishedArticle extends IdentifiedArticle {
  readonly item: FeedItem;
}

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
  /** When a published article's text last changed, by item id, if later than its date. */
  readonly updatedAt?: ReadonlyMap<string, Date>;
}

/** Seed files to feed documents: pure, so the same seeds and options give the same bytes. */
export function buildFeeds(files: readonly SeedFile[], options: BuildOptions): Build {
  return buildFeedsFromCorpus(parseCorpus(files, options.config.idPrefix), options);
}

/** The same, for a corpus already parsed (the publish run needs the articles before it builds). */
export function buildFeedsFromCorpus(corpus: Corpus, options: BuildOptions): Build {
  const { config, now } = options;
  const published: PublishedArticle[] = [];
  const held: IdentifiedArticle[] = [];
  for (const entry of corpus.articles) {
    // Looked up once per article: in a zone other than UTC it asks Intl for the offset.
    const at = publishedAt(entry, config);
    if (at > now) held.push(entry);
    else published.push({ ...entry, item: feedItem(entry, config, at, options.updatedAt?.get(entry.id)) });
  }
  published.sort((a, b) => compareItems(a.item, b.item));
  const model = buildFeedModel(feedChannel(config), published.map((entry) => entry.item), config.itemLimit);
  return { corpus, published, held, ...(model ? { feed: { model, documents: renderFeeds(model) } } : {}) };
}
