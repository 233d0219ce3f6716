import { printableName } from '../text/printable.js';

/** A calendar day as written in the seed header: `YYYY-MM-DD`, already checked to exist. */
export interface CalendarDate {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
  /** The date as written, `YYYY-MM-DD`. */
  readonly iso: string;
}

export interface ParagraphBlock {
  readonly kind: 'paragraph';
  readonly text: string;
}

export interface HeadingBlock {
  readonly kind: 'heading';
  readonly text: string;
}

export interface QuotationBlock {
  readonly kind: 'quotation';
  /** The text as written, quote marks included. */
  readonly text: string;
}

export interface PhotoCreditBlock {
  readonly kind: 'photo-credit';
  /** Where the photo comes from, e.g. `commons.wikimedia.org`. */
  readonly source: string;
  readonly author: string;
  readonly licenseUrl: string;
  /** Where the photo was taken; empty when the line names no place. */
  readonly place: string;
}

export interface LinkBlock {
  readonly kind: 'link';
  readonly url: string;
}

export type Block = ParagraphBlock | HeadingBlock | QuotationBlock | PhotoCreditBlock | LinkBlock;

/** A seed article as parsed: everything here comes from the file alone. */
export interface Article {
  /** The seed's file name (no directory), which the permanent id derives from. */
  readonly fileName: string;
  readonly date: CalendarDate;
  readonly title: string;
  /** The article's own language (a BCP 47 tag) from its `lang` line; absent, it is the site's. */
  readonly language?: string;
  /** The first paragraph, as plain text: the summary readers show. */
  readonly lede: string;
  /** Never empty; the lede is one of these. */
  readonly blocks: readonly [Block, ...Block[]];
}

export interface ArticleError {
  readonly fileName: string;
  /** 1-based line of the file the reason refers to. */
  readonly line: number;
  readonly reason: string;
}

export type ParseResult = { readonly ok: true; readonly article: Article } | { readonly ok: false; readonly error: ArticleError };

export function formatArticleError(error: ArticleError): string {
  return `${printableName(error.fileName)}:${error.line}: ${error.reason}`;
}
