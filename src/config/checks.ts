/**
 * What is wrong with a URL or a tag URI prefix setting, in words for a person, and which hosts
 * are this machine: the checks the config's schemas are built from.
 */
import { Secret } from './settings.js';

export const USER_INFO = 'must not contain a user name or password';

/** What is wrong with a URL setting, if anything; never repeats a URL that carries a password. */
export function urlProblem(value: string): string | Secret | undefined {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // Feeds and pages are public: credentials in a link would be handed to every reader.
  if (url?.username || url?.password || looksLikeUserInfo(value)) return new Secret(USER_INFO);
  // A value that does not parse and holds an "@" may be a password the parser stumbled on
  // (`https://user:pa/ss@host`): it is not repeated.
  if (!url && value.includes('@')) return new Secret(USER_INFO);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return 'must be an absolute http:// or https:// URL';
  }
  // Even a bare "?" or "#" (which the parser reports as no query and no fragment): every link is
  // made by appending a path to the URL, and would end up in its query or fragment.
  if (value.includes('?') || value.includes('#')) return 'must be an absolute http:// or https:// URL, without a query or fragment';
  // The parser drops tabs and line breaks anywhere in a URL: two lines pasted as one would
  // silently become one address.
  if (/[\t\n\r]/.test(value)) return 'must not contain tabs or line breaks';
  return undefined;
}

/** An "@" before the host ends, even where the value is no http URL (`user:secret@host`): maybe a password. */
export function looksLikeUserInfo(value: string): boolean {
  return /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?(?:\/\/)?[^/?#\s]*@/.test(value);
}

/** Loopback hosts, where plain http:// never leaves the machine: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * What is wrong with an idPrefix as the start of an RFC 4151 tag URI, up to where the file name
 * is appended: `tag:` authorityName `,` date `:` specific. The authority is a domain name (with a
 * dot: one the tagging entity can own) or an e-mail address at one; the date is YYYY, YYYY-MM or
 * YYYY-MM-DD and must exist on the calendar.
 */
export function tagPrefixProblem(value: string): string | undefined {
  if (!value.startsWith('tag:')) return 'it must start with "tag:"';
  const rest = value.slice('tag:'.length);
  const comma = rest.indexOf(',');
  if (comma < 0) return 'the domain name or e-mail address must be followed by "," and a date';
  const authority = rest.slice(0, comma);
  const afterComma = rest.slice(comma + 1);
  const colon = afterComma.indexOf(':');
  if (colon < 0) return 'the date must be followed by ":"';
  const date = afterComma.slice(0, colon);
  const specific = afterComma.slice(colon + 1);

  const at = authority.lastIndexOf('@');
  const [localPart, domain] = at < 0 ? [undefined, authority] : [authority.slice(0, at), authority.slice(at + 1)];
  if (localPart !== undefined && !/^[A-Za-z0-9._-]+$/.test(localPart)) {
    return `${JSON.stringify(localPart)} is not the user part of an e-mail address (letters, digits, ".", "-", "_")`;
  }
  const domainProblem = dnsNameProblem(domain);
  if (domainProblem) return domainProblem;

  const dateMatch = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(date);
  if (!dateMatch) return `${JSON.stringify(date)} is not a date as YYYY, YYYY-MM or YYYY-MM-DD`;
  const [, year, month, day] = dateMatch;
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) return `${date} has no month ${month}`;
  if (day !== undefined) {
    const y = Number(year);
    const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
    const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Number(month) - 1];
    if (daysInMonth === undefined || Number(day) < 1 || Number(day) > daysInMonth) return `${date} is not a date on the calendar`;
  }

  // specific = *( pchar / "/" / "?" ); a fragment ("#") would cut off the file name appended to it.
  if (!/^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/.test(specific)) {
    return 'after the date only letters, digits, "%XX" escapes and -._~!$&\'()*+,;=:@/? may follow';
  }
  return undefined;
}

function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'a domain name or e-mail address must follow "tag:"';
  if (name.length > 253) return 'the domain name is longer than 253 characters';
  const labels = name.split('.');
  for (const label of labels) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) {
      return `${JSON.stringify(name)} is not a domain name (labels of letters, digits and inner hyphens, separated by dots)`;
    }
  }
  if (labels.length < 2) return `${JSON.stringify(name)} is not a domain name someone can own; use one such as "example.org"`;
  return undefined;
}
