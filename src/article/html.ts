/** An article's body as the HTML fragment every feed and its page carry. */
import { escapeHtml, escapeHtmlAttribute } from '../text/html.js';
import type { Article, Block, PhotoCreditBlock } from './types.js';

/**
 * The article body as an HTML fragment, the same in every feed and on the article page.
 * Article text is always text here: every character from the seed is escaped.
 */
export function articleBodyHtml(article: Pick<Article, 'blocks'>): string {
  return article.blocks.map(blockHtml).join('\n');
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(block.text)}</p>`;
    case 'heading':
      return `<h2>${escapeHtml(block.text)}</h2>`;
    case 'quotation':
      return `<blockquote><p>${escapeHtml(block.text)}</p></blockquote>`;
    case 'link':
      return `<p><a href="${escapeHtmlAttribute(block.url)}">${escapeHtml(block.url)}</a></p>`;
    case 'photo-credit':
      return `<figure><figcaption>${photoCreditHtml(block)}</figcaption></figure>`;
  }
}

function photoCreditHtml(credit: PhotoCreditBlock): string {
  const source = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(credit.source)
    ? `<a href="https://${escapeHtmlAttribute(credit.source.toLowerCase())}/">${escapeHtml(credit.source)}</a>`
    : escapeHtml(credit.source);
  const license = `<a rel="license" href="${escapeHtmlAttribute(credit.licenseUrl)}">${escapeHtml(licenseLabel(credit.licenseUrl))}</a>`;
  const place = credit.place ? `, ${escapeHtml(credit.place)}` : '';
  return `Photo: ${source} by ${escapeHtml(credit.author)}, ${license}${place}`;
}

/** A short name for well-known licence URLs (`CC BY-SA 4.0`), else the URL itself. */
export function licenseLabel(url: string): string {
  // A ported licence (…/by-sa/3.0/de/) is another licence than the international one: named with its jurisdiction.
  const cc =
    /^https?:\/\/creativecommons\.org\/licenses\/([a-z-]+)\/(\d+(?:\.\d+)*)(?:\/(?!deed|legalcode)([a-z]{2,10}))?(?=\/|$|[?#])/i.exec(url);
  if (cc) return `CC ${cc[1]!.toUpperCase()} ${cc[2]}${cc[3] ? ` ${cc[3].toUpperCase()}` : ''}`;
  const zero = /^https?:\/\/creativecommons\.org\/publicdomain\/zero\/(\d+(?:\.\d+)*)\/?/i.exec(url);
  if (zero) return `CC0 ${zero[1]}`;
  return url;
}
