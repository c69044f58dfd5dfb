/**
 * Service Bus connection strings: parsing, the development-emulator safety check (plain TCP only towards loopback),
 * and redaction of keys and signatures from any text the adapter builds or logs.
 *
 * @example
 * ```ts
 * const parsed = parseConnectionString('Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true');
 * parsed.host; // '127.0.0.1'
 * redact('... SharedAccessKey=s3cr3t;...'); // '... SharedAccessKey=***;...'
 * ```
 * @module
 */
import { isIP } from 'node:net';
import { ConfigurationError } from '../../core/errors.js';

/** What the adapter needs from a connection string (never the key itself). */
export interface ParsedConnectionString {
  /** The `Endpoint` as given, e.g. `sb://ns.servicebus.windows.net/`. */
  readonly endpoint: string;
  /** Host name or address, without brackets for IPv6. */
  readonly host: string;
  /** Port when the endpoint names one. */
  readonly port: number | undefined;
  /** `UseDevelopmentEmulator=true`: plain TCP (no TLS). */
  readonly developmentEmulator: boolean;
  /** `SharedAccessKeyName`, when present (not secret). */
  readonly keyName: string | undefined;
  /** Whether a `SharedAccessKey` or `SharedAccessSignature` is present. */
  readonly hasSecret: boolean;
}

const SECRET_PATTERNS: readonly RegExp[] = [
  /(SharedAccessKey\s*=\s*)[^;"'\s]*/gi,
  /(SharedAccessSignature\s*=\s*)[^;"']*/gi,
  /(SharedAccessSignature\s+)[^;"'\s]*/gi,
  /(\bsig=)[^&;"'\s]*/gi,
];

/**
 * Replaces shared access keys, signatures and SAS `sig=` parameters with `***`.
 *
 * @example
 * ```ts
 * redact('Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc='); // '…;SharedAccessKey=***'
 * ```
 */
export function redact(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '$1***');
  return out;
}

/**
 * Redacts a list of known secrets as well as the patterns of {@link redact} (a key may appear without its name, for
 * example inside a token an SDK echoed).
 *
 * @example
 * ```ts
 * redactSecrets('token abc=', ['abc=']); // 'token ***'
 * ```
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = redact(text);
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * The secret values of a connection string (key and signature), for {@link redactSecrets}.
 *
 * @example
 * ```ts
 * secretsOf('Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=k3y'); // ['k3y']
 * ```
 */
export function secretsOf(connectionString: string): string[] {
  const out: string[] = [];
  for (const part of connectionString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    if (key === 'sharedaccesskey' || key === 'sharedaccesssignature') {
      const value = part.slice(eq + 1).trim();
      if (value) out.push(value);
    }
  }
  return out;
}

/**
 * True for loopback hosts: `localhost`, `127.0.0.0/8`, `::1` (also bracketed or as `::ffff:127.x.y.z`).
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('10.0.0.5'); // false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped !== null && (mapped[1] ?? '').startsWith('127.');
  }
  return false;
}

function splitHostPort(authority: string): { host: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority);
  if (bracketed) {
    return { host: bracketed[1] ?? '', port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  }
  const colons = authority.split(':').length - 1;
  if (colons === 1) {
    const [host = '', port = ''] = authority.split(':');
    return { host, port: /^\d+$/.test(port) ? Number(port) : Number.NaN };
  }
  return { host: authority, port: undefined }; // no port, or a bare IPv6 address
}

/**
 * Parses a Service Bus connection string and checks what the adapter relies on. Errors never contain the key.
 * `UseDevelopmentEmulator=true` switches the SDK to plain TCP without TLS, so it is refused unless the endpoint is a
 * loopback host. An `EntityPath` is refused: the adapter works on a whole namespace.
 *
 * @example
 * ```ts
 * parseConnectionString('Endpoint=sb://10.0.0.5:5672;SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true');
 * // throws ConfigurationError: connectionString: UseDevelopmentEmulator=true … only for loopback hosts …
 * ```
 */
export function parseConnectionString(connectionString: string): ParsedConnectionString {
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    throw new ConfigurationError('connectionString', 'is missing (Endpoint=sb://…;SharedAccessKeyName=…;…)');
  }
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new ConfigurationError('connectionString', 'has a part that is not key=value');
    }
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const endpoint = fields.get('endpoint');
  if (!endpoint) throw new ConfigurationError('connectionString', 'has no Endpoint=sb://<namespace>/');
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)(?:[/?#].*)?$/i.exec(endpoint);
  if (!match) {
    throw new ConfigurationError(
      'connectionString',
      `Endpoint "${redact(endpoint)}" is not a URL like sb://host/`,
    );
  }
  const { host, port } = splitHostPort(match[2] ?? '');
  if (!host || (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65_536))) {
    throw new ConfigurationError(
      'connectionString',
      `Endpoint "${redact(endpoint)}" has no valid host and port`,
    );
  }
  if (fields.has('entitypath')) {
    throw new ConfigurationError(
      'connectionString',
      'names an EntityPath; give a namespace-level connection string (the adapter reaches every entity it declares)',
    );
  }
  const emulator = (fields.get('usedevelopmentemulator') ?? '').toLowerCase() === 'true';
  if (emulator && !isLoopbackHost(host)) {
    throw new ConfigurationError(
      'connectionString',
      `UseDevelopmentEmulator=true sends everything over plain TCP without TLS, so it is accepted only for loopback ` +
        `hosts (localhost, 127.0.0.0/8, ::1); the endpoint host is "${host}"`,
    );
  }
  const hasSecret = Boolean(fields.get('sharedaccesskey') || fields.get('sharedaccesssignature'));
  return {
    endpoint,
    host,
    port,
    developmentEmulator: emulator,
    keyName: fields.get('sharedaccesskeyname') || undefined,
    hasSecret,
  };
}
