/**
 * Independent readers and validators for the three feed formats: fast-xml-parser for RSS and
 * Atom, libxml2 (xmllint-wasm) for well-formedness and the RFC 4287 RELAX NG grammar, and ajv
 * for the JSON Feed 1.1 schema. None of them shares code with the renderer.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { validateXML } from 'xmllint-wasm';

export type XmlNode = { readonly [key: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Values stay strings exactly as the document holds them: no number parsing, no trimming.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Needed for numeric character references (`&#x26;`); well-formedness is checked by libxml2.
  htmlEntities: true,
  isArray: (name) => ['item', 'entry', 'link', 'author', 'atom:link', 'dc:creator'].includes(name),
});

export function parseXml(xml: string): XmlNode {
  return parser.parse(xml, true) as XmlNode;
}

/** A child element, which must be there. */
export function child(node: unknown, name: string): XmlNode {
  const value = (node as XmlNode | undefined)?.[name];
  if (value === undefined) throw new Error(`no <${name}> in ${JSON.stringify(node).slice(0, 300)}`);
  return value as XmlNode;
}

/** All children of that name (arrays for the names configured in isArray, else 0 or 1). */
export function children(node: unknown, name: string): XmlNode[] {
  const value = (node as XmlNode | undefined)?.[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

/** The text content of an element, whether it has attributes or not (a list must hold exactly one). */
export function text(node: unknown): string {
  if (Array.isArray(node) && node.length === 1) return text(node[0]);
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && '#text' in node) return String((node as XmlNode)['#text']);
  if (node && typeof node === 'object' && Object.keys(node).every((key) => key.startsWith('@_'))) return '';
  throw new Error(`not a text element: ${JSON.stringify(node)}`);
}

export function attr(node: unknown, name: string): string | undefined {
  const value = (node as XmlNode | undefined)?.[`@_${name}`];
  return value === undefined ? undefined : String(value);
}

/** Text of an HTML fragment that holds no tags: what a reader displays for escaped text. */
export function htmlToText(html: string): string {
  if (/<[A-Za-z/!?]/.test(html)) throw new Error(`expected escaped text, found markup: ${html}`);
  return html.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower]!;
  });
}

/** True when any element (at any depth) is named `name`. */
export function hasElement(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((entry) => hasElement(entry, name));
  if (!node || typeof node !== 'object') return false;
  return Object.entries(node).some(([key, value]) => key === name || hasElement(value, name));
}

/** libxml2's well-formedness errors; empty when the document is well-formed XML 1.0. */
export async function xmlErrors(xml: string, fileName = 'feed.xml'): Promise<string[]> {
  const result = await validateXML({ xml: { fileName, contents: xml }, normalization: 'format' });
  return result.errors.map((error) => error.rawMessage);
}

const ATOM_RNG = readFileSync(new URL('../fixtures/schemas/atom.rng', import.meta.url), 'utf8');

/** RELAX NG errors against RFC 4287 Appendix B; empty when valid. */
export async function atomSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({
    xml: { fileName: 'atom.xml', contents: xml },
    schema: { fileName: 'atom.rng', contents: ATOM_RNG },
    extension: 'relaxng',
  });
  return result.valid ? [] : result.errors.map((error) => error.rawMessage);
}

// ajv-formats is CommonJS; under NodeNext its default export arrives as `.default` of the module.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
const jsonFeedSchema = JSON.parse(readFileSync(new URL('../fixtures/schemas/jsonfeed-1.1.schema.json', import.meta.url), 'utf8')) as object;
const validateJsonFeed = ajv.compile(jsonFeedSchema);

/** JSON Schema (draft-07) errors against JSON Feed 1.1; empty when valid. */
export function jsonFeedSchemaErrors(document: unknown): string[] {
  if (validateJsonFeed(document)) return [];
  return (validateJsonFeed.errors ?? []).map((error: ErrorObject) => `${error.instancePath} ${error.message ?? ''}`);
}

/** RFC 822 date-time as RSS 2.0 uses it (4-digit year allowed, as RFC 1123 updates it). */
export const RFC822_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UT|[+-]\d{4})$/;

/** The RSS channel of a parsed document. */
export function rssChannel(xml: string): XmlNode {
  return child(child(parseXml(xml), 'rss'), 'channel');
}

/** The Atom feed element of a parsed document. */
export function atomFeed(xml: string): XmlNode {
  return child(parseXml(xml), 'feed');
}

export interface JsonFeedAuthor {
  name?: string;
  url?: string;
}
export interface JsonFeedItem {
  id: string;
  url?: string;
  title?: string;
  summary?: string;
  content_html?: string;
  content_text?: string;
  date_published?: string;
  date_modified?: string;
  authors?: JsonFeedAuthor[];
  author?: JsonFeedAuthor;
  language?: string;
}
export interface JsonFeed {
  version: string;
  title: string;
  home_page_url?: string;
  feed_url?: string;
  description?: string;
  icon?: string;
  language?: string;
  authors?: JsonFeedAuthor[];
  author?: JsonFeedAuthor;
  items: JsonFeedItem[];
}
