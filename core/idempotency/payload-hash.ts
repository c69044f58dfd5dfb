/**
 * Payload hashing for idempotency records: a reused key whose body differs from the one that made the record is
 * detected by comparing hashes. JSON bodies are hashed in a canonical form (object keys sorted), so a publisher that
 * re-serializes the same object in another key order still matches.
 *
 * @example
 * ```ts
 * payloadHashOf('{"b":1,"a":2}') === payloadHashOf('{"a":2,"b":1}'); // true
 * ```
 * @module
 */
import { createHash } from 'node:crypto';

/** Prefix of every hash, naming the algorithm so stored hashes stay comparable if it ever changes. */
export const PAYLOAD_HASH_PREFIX = 'sha256:';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

/**
 * SHA-256 of an encoded body: canonical JSON when the body is JSON text, the exact bytes otherwise.
 *
 * @example
 * ```ts
 * payloadHashOf(new Uint8Array([1, 2, 3])); // 'sha256:039058c6…'
 * ```
 */
export function payloadHashOf(rawBody: string | Uint8Array): string {
  const hash = createHash('sha256');
  if (typeof rawBody === 'string') {
    let text = rawBody;
    try {
      text = JSON.stringify(canonical(JSON.parse(rawBody)));
    } catch {
      // not JSON: hash the text as it is
    }
    hash.update(text, 'utf8');
  } else {
    hash.update(rawBody);
  }
  return PAYLOAD_HASH_PREFIX + hash.digest('hex');
}
