/** Text cut between user-perceived characters: a cut never parts a letter from its marks, nor an emoji sequence. */

// Made on first use: creating one takes about 10 ms, which every process start (the Lambda's
// cold start, a run with nothing to do) would pay for a cut it does not make.
let segmenter: Intl.Segmenter | undefined;

/** The grapheme segmenter, made once. */
export function graphemes(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  return segmenter;
}

/** Characters (code points), as a reader counts them: an emoji or a CJK Extension B character is one. */
export function characterCount(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** The UTF-16 offset after the first `count` characters of `text`. */
function offsetOf(text: string, count: number): number {
  let offset = 0;
  for (let seen = 0; seen < count && offset < text.length; seen++) {
    const unit = text.charCodeAt(offset);
    offset += unit >= 0xd800 && unit <= 0xdbff && offset + 1 < text.length ? 2 : 1;
  }
  return offset;
}

/** Longer graphemes (a letter under hundreds of marks) are cut between characters: kept whole, one could take all the room. */
const LONGEST_KEPT_GRAPHEME = 64;

const OPENS_EMBEDDING = new Set(['\u202a', '\u202b', '\u202d', '\u202e']);
const OPENS_ISOLATE = new Set(['\u2066', '\u2067', '\u2068']);

/**
 * The closers a cut start of a text needs for the bidirectional embeddings, overrides and
 * isolates it leaves open (PDF, PDI), innermost first: without them, what a reader shows after
 * the cut text (the ellipsis, the rest of the line) would be reordered with it.
 */
function closersFor(text: string): string {
  const open: string[] = [];
  for (const char of text) {
    if (OPENS_EMBEDDING.has(char)) open.push('\u202c');
    else if (OPENS_ISOLATE.has(char)) open.push('\u2069');
    else if (char === '\u202c') {
      // A PDF closes the last embedding, unless an isolate is open inside it.
      if (open.at(-1) === '\u202c') open.pop();
    } else if (char === '\u2069') {
      // A PDI closes the last isolate and every embedding opened inside it.
      const isolate = open.lastIndexOf('\u2069');
      if (isolate >= 0) open.length = isolate;
    }
  }
  return open.reverse().join('');
}

/**
 * `text` when it has at most `max` characters; else its longest start of whole graphemes that,
 * with an ellipsis after it, has at most `max`, with any bidirectional embedding it leaves open
 * closed. A grapheme too long to keep whole (a letter under hundreds of marks) is cut between
 * characters rather than take the whole cut with it. The text as it is when the cut would not be shorter
 * in UTF-8: a cut is a saving, never a cost.
 */
export function cutWithEllipsis(text: string, max: number): string {
  if (text.length <= max) return text;
  const count = characterCount(text);
  if (count <= max) return text;
  if (max < 1) return '';
  const startOf = (characters: number) => {
    const limit = offsetOf(text, characters);
    // The grapheme that holds the first unit past the limit starts where the cut goes: found from
    // that unit, not by walking the text, so cuts of long texts tried again and again stay cheap.
    const end = limit < text.length ? graphemes().segment(text).containing(limit)!.index : limit;
    return text.slice(0, limit - end > LONGEST_KEPT_GRAPHEME ? limit : end).trimEnd();
  };
  let kept = startOf(max - 1);
  let closers = closersFor(kept);
  // The closers count among the characters too (rare: a cut inside an embedding).
  if (closers !== '') {
    kept = startOf(Math.max(0, max - 1 - closers.length));
    closers = closersFor(kept);
  }
  const cut = `${kept}${closers}…`;
  return Buffer.byteLength(cut) < Buffer.byteLength(text) ? cut : text;
}
