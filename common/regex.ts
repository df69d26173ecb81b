// Literal text inside a regular expression (log stream selectors are JavaScript regexes).

/** Escapes a literal for a Unicode-mode JavaScript regex. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
