/**
 * Characters that XML 1.0 cannot carry at all, not even as character references
 * (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE and U+FFFF). One of them
 * anywhere in a feed makes the whole document unreadable, so they are dropped.
 */
const XML_FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function stripXmlForbidden(text: string): string {
  return text.replace(XML_FORBIDDEN, '');
}

export function hasXmlForbidden(text: string): boolean {
  XML_FORBIDDEN.lastIndex = 0;
  const found = XML_FORBIDDEN.test(text);
  XML_FORBIDDEN.lastIndex = 0;
  return found;
}
