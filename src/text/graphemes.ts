/** Text cut between user-perceived characters: a cut never parts a letter from its marks, nor an emoji sequence. */

// Made on first use: creating one takes about 10 ms, which every process start (the Lambda's
// cold start, a run with nothing to do) would pay for a cut it does not make.
let segmenter: Intl.Segmenter | undefined;

/** The grapheme segmenter, made once. */
export function graphemes(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter('und', { granularity: 'grapheme' });
  return segmenter;
}

/**
 * `text` when it is at most `max` UTF-16 units long; else its longest start of whole graphemes
 * that, with an ellipsis after it, is at most `max` long.
 */
export function cutWithEllipsis(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';
  // The grapheme that holds the last unit allowed starts where the cut goes: found from that
  // unit, not by walking the text (a cut of long texts, tried again and again, stays cheap).
  const end = graphemes()
    .segment(text)
    .containing(max - 1)!.index;
  return `${text.slice(0, end).trimEnd()}…`;
}
