/**
 * Markdown helpers for RESULTS.md.
 *
 * @example
 * ```ts
 * table(['a', 'b'], [['1', '2']]); // '| a | b |\n| --- | --- |\n| 1 | 2 |'
 * ```
 * @module
 */

/**
 * A Markdown table; the first column is left-aligned, the others right-aligned (numbers).
 *
 * @example
 * ```ts
 * table(['messages', 'rate'], [['10,000', '50,000/s']]);
 * ```
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = headers.map((_, i) => (i === 0 ? '---' : '---:'));
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), line(align), ...rows.map(line)].join('\n');
}

/**
 * A bullet list.
 *
 * @example
 * ```ts
 * bullets(['one', 'two']); // '- one\n- two'
 * ```
 */
export function bullets(items: readonly string[]): string {
  return items.map((i) => `- ${i}`).join('\n');
}
