/**
 * The key casing the Azure Functions Node.js library applies to trigger metadata (its `toCamelCaseKey`: the first
 * letter lower-cased, nothing else changed), recursively into nested objects such as `applicationProperties`.
 *
 * @example
 * ```ts
 * toCamelCaseKey('DeadLetterReason'); // 'deadLetterReason'
 * ```
 * @module
 */

/**
 * The key as the library hands it over.
 *
 * @example
 * ```ts
 * toCamelCaseKey('Region'); // 'region'
 * ```
 */
export function toCamelCaseKey(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}
