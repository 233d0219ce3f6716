/** The one string order: code point order, which is UTF-8 byte order, on every machine and locale. */
import { describe, expect, it } from 'vitest';
import { compareStrings } from '../../src/text/order.js';

/** UTF-8 byte order, computed from the bytes themselves. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

describe('compareStrings', () => {
  it('orders a character beyond U+FFFF after one from U+E000 to U+FFFF, as UTF-8 bytes do', () => {
    // Prepare: an emoji (two surrogate code units) and a fullwidth letter (U+FF21)
    const names = ['a\u{1F600}.txt', 'a\uFF21.txt', 'a\uE000.txt', 'a\u{242EE}.txt', 'aZ.txt', 'a\uD7FF.txt'];

    // Act
    const sorted = [...names].sort(compareStrings);

    // Assess
    expect(sorted).toEqual([...names].sort(byBytes));
    expect(sorted).toEqual(['aZ.txt', 'a\uD7FF.txt', 'a\uE000.txt', 'a\uFF21.txt', 'a\u{1F600}.txt', 'a\u{242EE}.txt']);
  });

  it('agrees with UTF-8 byte order on every pair of a mixed set, prefixes and equal strings included', () => {
    // Prepare
    const samples = [
      '',
      'a',
      'ab',
      'a\u0000',
      'é',
      'e\u0301',
      'Ж',
      '中',
      '\uFFFF',
      '\u{10000}',
      '\u{10FFFF}',
      '\uFB01',
      'a\u{1F600}',
      'a\uFFFD',
    ];

    // Act
    const disagreements = samples.flatMap((a) =>
      samples.filter((b) => Math.sign(compareStrings(a, b)) !== Math.sign(byBytes(a, b))).map((b) => [a, b]),
    );

    // Assess
    expect(disagreements).toEqual([]);
  });
});
