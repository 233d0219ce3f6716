/** The one way an error becomes a line of text for a person. */

/**
 * An error as one line: its name when it says something, then its message. An error with no
 * message of its own (Node's AggregateError when every address of a host refused) is told by its
 * code and the errors it gathers.
 */
export function describeError(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const named = (message: string) => (cause.name && cause.name !== 'Error' ? `${cause.name}: ${message}` : message);
  if (cause.message !== '') return named(cause.message);
  const code = (cause as { code?: unknown }).code;
  const inner = cause instanceof AggregateError ? cause.errors.map((error) => describeError(error)) : [];
  const parts = [...(typeof code === 'string' ? [code] : []), ...inner];
  return named(parts.length > 0 ? [...new Set(parts)].join('; ') : 'no message');
}
