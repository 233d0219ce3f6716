/** The one way an error becomes a line of text for a person. */

/** An error as one line: its name when it says something, then its message. */
export function describeError(cause: unknown): string {
  if (cause instanceof Error) return cause.name && cause.name !== 'Error' ? `${cause.name}: ${cause.message}` : cause.message;
  return String(cause);
}
