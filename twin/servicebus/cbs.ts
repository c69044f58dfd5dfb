/**
 * Claims-based security (`$cbs` put-token): SAS token parsing, signature checking, and the audience a token covers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A shared access key (policy name + key), as in `SharedAccessKeyName=…;SharedAccessKey=…`.
 *
 * @example
 * ```ts
 * const key: SasKey = { name: 'RootManageSharedAccessKey', key: 'SAS_KEY_VALUE' };
 * ```
 */
export interface SasKey {
  name: string;
  key: string;
}

/**
 * A put-token request as received on `$cbs`.
 *
 * @example
 * ```ts
 * const request: PutTokenRequest = { audience: 'sb://127.0.0.1:5672/orders', tokenType: 'servicebus.windows.net:sastoken', token };
 * ```
 */
export interface PutTokenRequest {
  audience: string;
  tokenType: string;
  token: unknown;
}

/**
 * The outcome of a put-token: a grant (audience path + expiry) or a refusal with the service's description.
 *
 * @example
 * ```ts
 * const r: PutTokenResult = { ok: false, statusCode: 401, description: 'InvalidSignature: …' };
 * ```
 */
export type PutTokenResult =
  | { ok: true; path: string; expiresAt: number }
  | { ok: false; statusCode: number; description: string };

/**
 * The entity path part of an audience URI, lower-cased (`sb://host:5672/Orders/` → `orders`).
 *
 * @example
 * ```ts
 * audiencePath('sb://127.0.0.1:5672/q1/$management'); // 'q1/$management'
 * ```
 */
export function audiencePath(audience: string): string {
  let path = audience.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  return path.replace(/^\/+/, '').replace(/\/+$/, '').toLowerCase();
}

/**
 * True when a token granted for `grantedPath` covers `path` (same path, or a parent path; the empty path is
 * the whole namespace).
 *
 * @example
 * ```ts
 * tokenCovers('', 'orders'); // true
 * tokenCovers('orders', 'orders/$management'); // true
 * tokenCovers('orders', 'orders2'); // false
 * ```
 */
export function tokenCovers(grantedPath: string, path: string): boolean {
  const p = path.toLowerCase();
  return grantedPath === '' || p === grantedPath || p.startsWith(`${grantedPath}/`);
}

/**
 * Creates a SAS token exactly as `@azure/core-amqp` does (HMAC-SHA256 over `encodeURIComponent(audience) + "\n" + expiry`).
 *
 * @example
 * ```ts
 * const token = createSasToken('sb://127.0.0.1:5672/orders', { name: 'k', key: 'secret' }, Math.floor(Date.now() / 1000) + 3600);
 * ```
 */
export function createSasToken(audience: string, key: SasKey, expirySeconds: number): string {
  const sr = encodeURIComponent(audience);
  const sig = encodeURIComponent(
    createHmac('sha256', key.key).update(`${sr}\n${expirySeconds}`).digest('base64'),
  );
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expirySeconds}&skn=${encodeURIComponent(key.name)}`;
}

function parseSasToken(token: string): Record<string, string> | undefined {
  const prefix = 'SharedAccessSignature ';
  if (!token.startsWith(prefix)) return undefined;
  const fields: Record<string, string> = {};
  for (const part of token.slice(prefix.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return fields;
}

/**
 * Checks a put-token. Without a configured key every token is accepted (for its audience, for an hour);
 * with one, the token must be a SAS token signed with that key, unexpired, and cover the audience.
 *
 * @example
 * ```ts
 * const result = checkPutToken(request, { name: 'k', key: 'secret' }, Date.now());
 * if (!result.ok) reply(result.statusCode, result.description);
 * ```
 */
export function checkPutToken(
  request: PutTokenRequest,
  sasKey: SasKey | undefined,
  now: number,
): PutTokenResult {
  const path = audiencePath(request.audience);
  if (sasKey === undefined) return { ok: true, path, expiresAt: now + 3_600_000 };
  const token = Buffer.isBuffer(request.token) ? request.token.toString('utf8') : request.token;
  if (typeof token !== 'string') {
    return { ok: false, statusCode: 401, description: 'InvalidToken: The token is missing or malformed.' };
  }
  if (request.tokenType !== 'servicebus.windows.net:sastoken') {
    return {
      ok: false,
      statusCode: 401,
      description: `InvalidToken: Token type '${request.tokenType}' is not accepted by this namespace (shared access keys only).`,
    };
  }
  const fields = parseSasToken(token);
  if (
    fields?.sr === undefined ||
    fields.sig === undefined ||
    fields.se === undefined ||
    fields.skn === undefined
  ) {
    return {
      ok: false,
      statusCode: 401,
      description: 'InvalidToken: The SharedAccessSignature is malformed.',
    };
  }
  if (decodeURIComponent(fields.skn) !== sasKey.name) {
    return {
      ok: false,
      statusCode: 401,
      description: `InvalidSignature: The shared access key name '${decodeURIComponent(fields.skn)}' is not valid for this namespace.`,
    };
  }
  const expected = createHmac('sha256', sasKey.key).update(`${fields.sr}\n${fields.se}`).digest();
  let actual: Buffer;
  try {
    actual = Buffer.from(decodeURIComponent(fields.sig), 'base64');
  } catch {
    actual = Buffer.alloc(0);
  }
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    return {
      ok: false,
      statusCode: 401,
      description: 'InvalidSignature: The token has an invalid signature.',
    };
  }
  const expiresAt = Number(fields.se) * 1000;
  if (!Number.isFinite(expiresAt) || expiresAt <= now) {
    return { ok: false, statusCode: 401, description: 'ExpiredToken: The token is expired.' };
  }
  const grantedPath = audiencePath(decodeURIComponent(fields.sr));
  if (!tokenCovers(grantedPath, path)) {
    return {
      ok: false,
      statusCode: 401,
      description: `InvalidAudience: The token audience '${decodeURIComponent(fields.sr)}' does not cover '${request.audience}'.`,
    };
  }
  return { ok: true, path, expiresAt };
}
