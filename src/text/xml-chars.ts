/**
 * Characters that XML 1.0 cannot carry at all, not even as character references
 * (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE and U+FFFF). One of them
 * anywhere in a feed makes the whole document unreadable, so they are dropped.
 */
const XML_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Almost every text has none of them, and a scan for the usual suspects is far cheaper than
 * the full Unicode-aware replace; surrogates (emoji) send the text the careful way.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: naming the control characters XML forbids is the point.
const MAYBE_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

export function stripXmlForbidden(text: string): string {
  return MAYBE_FORBIDDEN.test(text) ? text.replace(XML_FORBIDDEN, '') : text;
}

export function hasXmlForbidden(text: string): boolean {
  // A whole feed document is scanned: the cheap test clears almost all of them.
  if (!MAYBE_FORBIDDEN.test(text)) return false;
  XML_FORBIDDEN.lastIndex = 0;
  const found = XML_FORBIDDEN.test(text);
  XML_FORBIDDEN.lastIndex = 0;
  return found;
}
