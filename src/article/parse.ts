/** Seed text to a typed article: decoding, normalising and classifying each block. */
import { withoutLegacyControls } from '../text/legacy-chars.js';
import { stripXmlForbidden } from '../text/xml-chars.js';
import { parseCalendarDate } from './calendar.js';
import type { ArticleError, Block, ParseResult } from './types.js';

/**
 * Seed text to a typed article. Line 1 is `date YYYY-MM-DD Title`, optionally followed by a
 * `lang TAG` line; the body is blank-line-separated paragraphs. Errors name the file, the
 * line and the reason; nothing here throws on bad input.
 */
export function parseArticle(fileName: string, text: string): ParseResult {
  const fail = (line: number, reason: string): ParseResult => ({ ok: false, error: { fileName, line, reason } });
  const lines = normalizeText(text).split('\n');

  const headerIndex = lines.findIndex((line) => line.trim() !== '');
  if (headerIndex === -1) return fail(1, 'the file is empty; line 1 must be `date YYYY-MM-DD Title`');
  const headerLine = headerIndex + 1;
  // The s flag: `.` would stop at U+2028 and U+2029, which a title may hold. Any space may
  // separate the parts, a no-break space included: it looks the same as a plain one.
  const header = /^date\s+(\S+)(?:\s+(.*))?$/is.exec(lines[headerIndex]!.trim());
  if (!header) {
    return fail(headerLine, `expected \`date YYYY-MM-DD Title\`, found "${preview(lines[headerIndex]!)}"`);
  }
  const dateText = header[1]!;
  const date = parseCalendarDate(dateText);
  if (!date) {
    return fail(
      headerLine,
      /^\d{4}-\d{2}-\d{2}$/.test(dateText)
        ? `${dateText} is not a date on the calendar`
        : `"${preview(dateText)}" is not a date in the form YYYY-MM-DD`,
    );
  }
  const title = collapseSpaces(header[2] ?? '');
  // A title of invisible characters only (zero-width spaces, direction marks) shows as none.
  if (visible(title) === '') return fail(headerLine, 'the title after the date is empty');

  const declared = languageLine(lines, headerIndex + 1);
  if (declared && !LANGUAGE_TAG.test(declared.tag)) {
    return fail(
      declared.index + 1,
      declared.tag === ''
        ? 'the `lang` line names no language tag such as "uk" or "pt-BR"'
        : `"${preview(declared.tag)}" is not a language tag such as "uk" or "pt-BR"`,
    );
  }
  const bodyFrom = declared ? declared.index + 1 : headerIndex + 1;
  const blocks = splitBlocks(lines, bodyFrom).flatMap(({ lines: blockLines }) =>
    // Photo credits on consecutive lines are credits each, not one credit with the next as its place.
    blockLines.length > 1 && blockLines.every((line) => CREDIT_START.test(trimInvisible(line)))
      ? blockLines.map((line) => classifyBlock([line]))
      : [classifyBlock(blockLines)],
  );
  const ledeBlock = blocks.find((block) => block.kind === 'paragraph') ?? blocks.find((block) => block.kind === 'quotation');
  if (!ledeBlock || (ledeBlock.kind !== 'paragraph' && ledeBlock.kind !== 'quotation')) {
    return fail(headerLine, 'the article has no paragraph after the header line');
  }
  return {
    ok: true,
    article: {
      fileName,
      date,
      title,
      ...(declared ? { language: declared.tag } : {}),
      lede: ledeBlock.text,
      blocks: blocks as [Block, ...Block[]],
    },
  };
}

/** Decodes a seed file's bytes: UTF-8 with or without BOM, or UTF-16 with a BOM. */
export function decodeSeed(fileName: string, bytes: Uint8Array): { ok: true; text: string } | { ok: false; error: ArticleError } {
  let encoding = 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  else encoding = utf16WithoutBom(bytes) ?? encoding;
  try {
    // The BOM is kept here and removed by normalizeText, so every caller sees the same text.
    return { ok: true, text: new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const line = encoding === 'utf-8' ? lineOfFirstInvalidUtf8(bytes) : 1;
    return { ok: false, error: { fileName, line, reason: `the file is not valid ${encoding.toUpperCase()} text` } };
  }
}

/**
 * UTF-16 without a byte order mark (`iconv -t UTF-16LE`, some Windows tools), told by line 1:
 * it starts with `date`, after white space maybe, so every other byte of it is zero. As UTF-8
 * those bytes are valid, and the text would come out with its NULs dropped and every other
 * character wrong.
 */
function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  for (const [encoding, zero] of [
    ['utf-16le', 1],
    ['utf-16be', 0],
  ] as const) {
    let at = 0;
    while (at + 1 < bytes.length && bytes[at + zero] === 0 && WHITE_SPACE_BYTES.has(bytes[at + 1 - zero]!)) at += 2;
    // `date` and the white space after it, every other byte zero: a UTF-8 file with NULs in
    // its first word (dropped as XML forbids them) has no zero byte where the space is.
    const word = [0, 1, 2, 3, 4].map((i) => (bytes[at + 2 * i + zero] === 0 ? String.fromCharCode(bytes[at + 2 * i + 1 - zero] ?? 0) : ''));
    if (word.slice(0, 4).join('').toLowerCase() === 'date' && WHITE_SPACE_BYTES.has(word[4]!.charCodeAt(0))) return encoding;
  }
  return undefined;
}
const WHITE_SPACE_BYTES = new Set([0x09, 0x0a, 0x0d, 0x20, 0xa0]);

/**
 * One text form for every input: no BOM, `\n` line ends, NFC (so the same title typed on two
 * systems gives one slug), and no character XML cannot carry. Lines are trimmed where they
 * are split into blocks.
 */
export function normalizeText(text: string): string {
  return withoutLegacyControls(stripXmlForbidden(text.replace(/^\uFEFF/, '')))
    .replace(/\r\n?/g, '\n')
    .normalize('NFC');
}

/**
 * A BCP 47 language tag, loosely: a 2–3 letter language, then subtags (`uk`, `pt-BR`,
 * `sr-Latn-RS`). The site's `language` setting is checked with it too, so the two agree.
 */
// At most 64 characters: ample for any registered tag, and a bound on what Intl is given.
export const LANGUAGE_TAG = /^(?=.{2,64}$)[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * The optional `lang TAG` line: the first non-blank line after the header, if it starts with the
 * keyword. Lower case only, so an article that opens with a heading such as "Lang Syne" is not
 * taken for one; anything after the keyword is the tag, checked by the caller, so `lang pt_BR`
 * is an error rather than a heading.
 */
function languageLine(lines: readonly string[], from: number): { index: number; tag: string } | undefined {
  for (let index = from; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    const match = /^lang(?:\s+(.*))?$/s.exec(line);
    return match ? { index, tag: (match[1] ?? '').trim() } : undefined;
  }
  return undefined;
}

interface RawBlock {
  readonly lines: readonly string[];
}

function splitBlocks(lines: readonly string[], from: number): RawBlock[] {
  const blocks: RawBlock[] = [];
  let current: string[] = [];
  for (let i = from; i < lines.length; i++) {
    const line = lines[i]!.trim();
    // A line of invisible characters only is as blank as it looks.
    if (visible(line) === '') {
      if (current.length > 0) blocks.push({ lines: current });
      current = [];
    } else {
      current.push(line);
    }
  }
  if (current.length > 0) blocks.push({ lines: current });
  return blocks;
}

/** The longest line, in characters, that can still be a section heading. */
const HEADING_MAX_CHARS = 80;
/**
 * A heading ends in a word, not in sentence punctuation (of any script: 。 ？ ؟ । too), a quote
 * mark (closing or opening: „…“ closes with “, »…« with «) or a closing bracket.
 */
const FINAL_PUNCTUATION = /[.,:;!?…"'\p{Terminal_Punctuation}\p{Pi}\p{Pf}\p{Pe}]$/u;
/** Quote marks a quotation opens with, in the scripts' own styles: “…”, „…“, «…», »…«, ‚…‘, ‹…›, 「…」, 『…』. */
const OPENING_QUOTES = /^["“”„«»‘‚‹›「『〝]/u;
/** An elided decade as smart quotes type it (`‘90s`): an apostrophe, not a quotation opening. */
const ELIDED_DECADE = /^‘\d{2}s\b/u;
/**
 * Emoji after a heading's last word: "Good news 🎉" is a heading, "Congratulations! 🎉" not.
 * Pictographs, their skin tones and joiners, flags (regional indicators), keycaps (`1️⃣`) and
 * the spaces between them.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: joiners and selectors are stripped one by one with the pictographs.
const EMOJI_PART = /[\s\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200D\uFE0F\u20E3]/u;
const KEYCAP_BASE = /[0-9#*]/;
// The source is the shortest text before " by " (a host name, or words such as "Wikimedia Commons").
// A comma or semicolon written after the licence URL, as after the name, is no part of it.
const PHOTO_CREDIT = /^Photo:\s?(.+?)\s+by\s+(.+?),\s?(https?:\/\/\S+?)[,;]?(?:\s+(.*))?$/isu;
const CREDIT_START = /^Photo:/i;
/** What every credit has: tried first, so that a line which cannot be one costs no backtracking. */
const CREDIT_PARTS = /^Photo:.*\sby\s.*,.*https?:\/\//isu;

/** Longer than any photo credit: a block this long is not tried as one. */
const PHOTO_CREDIT_MAX_CHARS = 1000;

/** Runs of format characters (zero-width space, direction marks) and variation selectors (the U+FE0F of an emoji-style ‼️). */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the variation selectors are matched one by one, on purpose.
const INVISIBLE_RUN = /[\p{Cf}\uFE00-\uFE0F\u{E0100}-\u{E01EF}]+/gu;
/** What is trimmed from either end of a block before it is told apart: invisible characters and the spaces they hide. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the variation selectors are matched one by one, on purpose.
const INVISIBLE_OR_SPACE = /[\s\p{Cf}\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
/** The same without the variation selectors, which belong to the emoji before them (a credit's place ending in ❤️). */
const FORMAT_OR_SPACE = /[\s\p{Cf}]/u;

/**
 * Without invisible characters at either end, nor the spaces they hide (`Is it? \u200B`, a
 * no-break space before a right-to-left mark). A loop, not `/\p{Cf}+$/`, which is tried from
 * every position of a long run of them: seconds for a paragraph of zero-width spaces.
 */
function trimInvisible(text: string, trimmed: RegExp = INVISIBLE_OR_SPACE): string {
  let start = 0;
  let end = text.length;
  // By code point: a few invisible characters (the tag characters) lie outside the BMP.
  while (start < end) {
    const char = String.fromCodePoint(text.codePointAt(start)!);
    if (!trimmed.test(char)) break;
    start += char.length;
  }
  while (end > start && trimmed.test(lastCodePoint(text, start, end))) end -= lastCodePoint(text, start, end).length;
  return text.slice(start, end);
}

/** The code point that ends text.slice(start, end). */
function lastCodePoint(text: string, start: number, end: number): string {
  const low = text.charCodeAt(end - 1);
  return text.slice(low >= 0xdc00 && low <= 0xdfff && end - 2 >= start ? end - 2 : end - 1, end);
}

/** Without the emoji (and spaces) at its end; scanned from the end, so a line costs what its emoji do. */
function withoutTrailingEmoji(text: string): string {
  let end = text.length;
  while (end > 0) {
    const char = lastCodePoint(text, 0, end);
    if (!EMOJI_PART.test(char)) break;
    end -= char.length;
    // A keycap is its base (a digit, # or *), a selector maybe, and U+20E3: the base goes with it.
    if (char === '\u20E3') {
      if (text[end - 1] === '\uFE0F') end--;
      if (end > 0 && KEYCAP_BASE.test(text[end - 1]!)) end--;
    }
  }
  return text.slice(0, end);
}

/** The text without the invisible characters (zero-width spaces, direction marks) it may hold. */
function visible(text: string): string {
  return text.replace(INVISIBLE_RUN, '').trim();
}

function classifyBlock(lines: readonly string[]): Block {
  const text = collapseSpaces(joinLines(lines));
  // Told apart by what shows: a direction mark after a question mark (common in right-to-left
  // text) or a zero-width space before a quote does not change what the block is.
  const shown = trimInvisible(text);
  // A credit is one short line; the pattern's two lazy groups would take time that grows with
  // the square of a long paragraph's length. Its fields keep an emoji's variation selector, and
  // its runs of white space (no-break spaces too) are one space, so that no group can trade
  // spaces with its neighbours.
  const credited = trimInvisible(text, FORMAT_OR_SPACE).replace(/\s+/gu, ' ');
  const credit = atMostChars(credited, PHOTO_CREDIT_MAX_CHARS) && CREDIT_PARTS.test(credited) ? PHOTO_CREDIT.exec(credited) : null;
  if (credit && isHttpUrl(credit[3]!)) {
    return { kind: 'photo-credit', source: credit[1]!, author: credit[2]!.trim(), licenseUrl: credit[3]!, place: (credit[4] ?? '').trim() };
  }
  if (/^https?:\/\/\S+$/i.test(shown) && isHttpUrl(shown)) return { kind: 'link', url: shown };
  if (OPENING_QUOTES.test(shown) && !ELIDED_DECADE.test(shown)) return { kind: 'quotation', text };
  // Short, so the trailing pattern's work stays small.
  if (lines.length === 1 && atMostChars(text, HEADING_MAX_CHARS) && /\p{L}/u.test(text)) {
    const ended = FINAL_PUNCTUATION.test(shown) || FINAL_PUNCTUATION.test(trimInvisible(withoutTrailingEmoji(shown)));
    if (!ended) return { kind: 'heading', text };
  }
  return { kind: 'paragraph', text };
}

/**
 * Whether `text` has at most `max` characters (code points), without spreading every paragraph
 * into an array: a code point is one or two UTF-16 units, so the length settles most cases.
 */
function atMostChars(text: string, max: number): boolean {
  if (text.length <= max) return true;
  if (text.length > 2 * max) return false;
  let chars = 0;
  for (const _ of text) if (++chars > max) return false;
  return true;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Characters written without spaces between words, whose East Asian Width is wide, fullwidth or
 * halfwidth: Han, kana, bopomofo (by Script_Extensions, so the marks they share, such as the
 * prolonged sound mark ー and the middle dot ・, count), CJK punctuation and fullwidth forms. Not
 * Hangul, which Korean writes with spaces.
 */
const UNSPACED_WIDE =
  /^[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Bopomofo}\u3000-\u303F\uFF01-\uFF60\uFF61-\uFF9F\uFFE0-\uFFE6]$/u;

/** Wide as well: Script_Extensions also give Han and kana to marks that are not (the Latin middle dot, some combining marks). */
function isUnspacedWide(char: string): boolean {
  return char.codePointAt(0)! >= 0x2e80 && UNSPACED_WIDE.test(char);
}

/**
 * A paragraph's lines (each trimmed) as one text: joined with a space, as a browser shows a
 * line break in text, except between two characters of a script written without spaces
 * (Chinese, Japanese), where the break is dropped, as CSS Text 3 does: a paragraph wrapped in
 * the editor reads as one.
 */
function joinLines(lines: readonly string[]): string {
  let text = lines[0] ?? '';
  for (let i = 1; i < lines.length; i++) {
    const before = lines[i - 1]!;
    const line = lines[i]!;
    const unspaced =
      isUnspacedWide(lastCodePoint(before, 0, before.length)) && isUnspacedWide(String.fromCodePoint(line.codePointAt(0) ?? 32));
    text += unspaced ? line : ` ${line}`;
  }
  return text;
}

/** Runs of spaces and tabs become one space; a lone space is left alone, which is most of them. */
function collapseSpaces(text: string): string {
  return text.replace(/[ \t]{2,}|\t/g, ' ').trim();
}

function preview(text: string): string {
  const chars = [...text.trim()];
  return chars.length > 60 ? `${chars.slice(0, 60).join('')}…` : chars.join('');
}

function lineOfFirstInvalidUtf8(bytes: Uint8Array): number {
  let low = 0;
  let high = bytes.length;
  // The longest valid prefix, found by bisection; its newlines give the line number.
  // Streaming mode lets a prefix end inside a character without counting as invalid.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      low = mid;
    } catch {
      high = mid - 1;
    }
  }
  // Line ends as normalizeText reads them: LF, CRLF or a lone CR.
  let line = 1;
  for (let i = 0; i < low; i++) if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) line++;
  return line;
}
