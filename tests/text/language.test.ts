/** Which way a language tag's text runs, and the `lang`/`dir` attributes made from it. */
import { describe, expect, it } from 'vitest';
import { directionAttribute, inEnglish, langAttribute, textDirection } from '../../src/text/language.js';

describe('textDirection', () => {
  it.each(['ar', 'he', 'fa-IR', 'ur', 'yi', 'az-Arab', 'ku-Arab', 'dv'])('reads %s as right to left', (tag) => {
    // Act & Assess
    expect(textDirection(tag)).toBe('rtl');
  });

  it.each(['en', 'uk', 'pt-BR', 'ja', 'sr-Latn-RS', 'az-Latn', 'ar-Latn', 'zz', 'not a tag'])('reads %s as left to right', (tag) => {
    // Act & Assess
    expect(textDirection(tag)).toBe('ltr');
  });
});

describe('langAttribute', () => {
  it('says nothing for text in the language around it, whatever the case of the tags', () => {
    // Act & Assess
    expect(langAttribute('pt-BR', 'pt-br')).toBe('');
    expect(langAttribute(undefined, 'en')).toBe('');
  });

  it('names the language, and the direction only when it differs from the text around it', () => {
    // Act & Assess
    expect(langAttribute('uk', 'en')).toBe(' lang="uk"');
    expect(langAttribute('he', 'en')).toBe(' lang="he" dir="rtl"');
    expect(langAttribute('en', 'ar', 'xml:lang')).toBe(' xml:lang="en" dir="ltr"');
    expect(langAttribute('fa', 'ar')).toBe(' lang="fa"');
  });

  it('escapes the tag it writes', () => {
    // Act & Assess
    expect(langAttribute('x"><b', 'en')).toBe(' lang="x&quot;&gt;&lt;b"');
  });
});

describe('directionAttribute and inEnglish', () => {
  it('mark only what needs it', () => {
    // Act & Assess
    expect(directionAttribute('ar')).toBe(' dir="rtl"');
    expect(directionAttribute('en')).toBe('');
    expect(inEnglish('Subscribe:', 'en-GB')).toBe('<span lang="en">Subscribe:</span>');
    expect(inEnglish('Subscribe:', 'EN')).toBe('Subscribe:');
    expect(inEnglish('Subscribe:', 'he')).toBe('<span lang="en" dir="ltr">Subscribe:</span>');
  });
});
