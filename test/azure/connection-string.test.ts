/**
 * Connection-string safety: parsing, the development-emulator rule (plain TCP only towards loopback hosts),
 * redaction, and a driver on a dead endpoint whose errors and logs never contain the key.
 */
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redactSecrets, secretsOf } from '../../adapters/azure/connection-string.js';
import {
  azure,
  azureFromEnv,
  isLoopbackHost,
  parseConnectionString,
  redact,
  toOmnibusError,
} from '../../adapters/azure/index.js';
import { ConfigurationError, createBus, defineQueue, type Logger, TransportError } from '../../core/index.js';

const KEY = 'Sup3rSecretKeyValue+/AbCdEf0123456789=';

function emulatorString(host: string, port = 5672, key = KEY): string {
  return `Endpoint=sb://${host}:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${key};UseDevelopmentEmulator=true`;
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** Everything an error exposes: message, stack, cause chain, inspection and JSON. */
function exposed(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    parts.push(String(e), (e as Error).stack ?? '', inspect(e, { depth: 5 }));
    try {
      parts.push(JSON.stringify(e));
    } catch {
      // circular: inspect covered it
    }
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

describe('azure servicebus: connection strings', () => {
  it('parses host, port, emulator flag and key name, never keeping the key', () => {
    const parsed = parseConnectionString(emulatorString('127.0.0.1', 5673));
    expect(parsed).toEqual({
      endpoint: 'sb://127.0.0.1:5673',
      host: '127.0.0.1',
      port: 5673,
      developmentEmulator: true,
      keyName: 'RootManageSharedAccessKey',
      hasSecret: true,
    });
    expect(JSON.stringify(parsed)).not.toContain(KEY);
    const cloud = parseConnectionString(
      `Endpoint=sb://my-ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${KEY}`,
    );
    expect(cloud).toMatchObject({
      host: 'my-ns.servicebus.windows.net',
      port: undefined,
      developmentEmulator: false,
    });
  });

  it('accepts the development emulator only on loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]']) {
      expect(parseConnectionString(emulatorString(host)).developmentEmulator, host).toBe(true);
    }
    for (const host of [
      '10.0.0.5',
      '192.168.1.10',
      'example.com',
      'my-ns.servicebus.windows.net',
      '[2001:db8::1]',
    ]) {
      const error = thrown(() => parseConnectionString(emulatorString(host)));
      expect(ConfigurationError.isInstance(error), host).toBe(true);
      expect((error as ConfigurationError).field).toBe('connectionString');
      expect((error as Error).message).toMatch(/loopback/);
      expect(exposed(error)).not.toContain(KEY);
    }
    // The driver refuses at creation, before any connection.
    expect(() => azure({ connectionString: emulatorString('10.0.0.5'), provisioner: 'verify' })).toThrow(
      /loopback/,
    );
    expect(isLoopbackHost('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopbackHost('127.example.com')).toBe(false);
  });

  it('refuses malformed strings and entity-level strings without echoing the key', () => {
    const cases = [
      '',
      `SharedAccessKeyName=a;SharedAccessKey=${KEY}`,
      `Endpoint=not a url;SharedAccessKey=${KEY}`,
      `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=${KEY};EntityPath=orders`,
      `Endpoint=sb://ns.servicebus.windows.net:99999/;SharedAccessKey=${KEY}`,
    ];
    for (const value of cases) {
      const error = thrown(() => parseConnectionString(value));
      expect(ConfigurationError.isInstance(error), value).toBe(true);
      expect(exposed(error)).not.toContain(KEY);
    }
  });

  it('redacts keys, signatures and sig parameters', () => {
    expect(redact(emulatorString('127.0.0.1'))).toBe(emulatorString('127.0.0.1', 5672, '***'));
    expect(redact('SharedAccessSignature sr=x&sig=abc%3D&se=1')).not.toContain('abc%3D');
    expect(redact('Endpoint=sb://x/;SharedAccessSignature=SharedAccessSignature sr=a&sig=zz')).not.toContain(
      'zz',
    );
    expect(secretsOf(emulatorString('127.0.0.1'))).toEqual([KEY]);
    expect(redactSecrets(`token ${KEY} seen`, [KEY])).toBe('token *** seen');
  });

  it('errors built from SDK errors that echo a key are redacted (negative control for the dead-endpoint case)', () => {
    const sdkError = Object.assign(
      new Error(`could not connect with ${emulatorString('127.0.0.1')} (key ${KEY})`),
      {
        code: 'ServiceCommunicationProblem',
      },
    );
    expect(exposed(sdkError)).toContain(KEY);
    const mapped = toOmnibusError(sdkError, 'send', 'queue "q"', { secrets: [KEY] });
    expect(TransportError.isInstance(mapped)).toBe(true);
    expect(exposed(mapped)).not.toContain(KEY);
    expect(mapped.message).toContain('SharedAccessKey=***');
  });

  it('azureFromEnv reads SERVICEBUS_CONNECTION_STRING and picks the provisioner', () => {
    expect(() => azureFromEnv({})).toThrow(/SERVICEBUS_CONNECTION_STRING/);
    expect(() => azureFromEnv({ SERVICEBUS_CONNECTION_STRING: emulatorString('10.0.0.5') })).toThrow(
      /loopback/,
    );
    expect(() =>
      azureFromEnv({
        SERVICEBUS_CONNECTION_STRING: emulatorString('127.0.0.1'),
        SERVICEBUS_PROVISIONER: 'magic',
      }),
    ).toThrow(/SERVICEBUS_PROVISIONER/);
    const driver = azureFromEnv({
      SERVICEBUS_CONNECTION_STRING: emulatorString('127.0.0.1'),
      SERVICEBUS_TIER: 'premium',
    });
    expect(driver.capabilities.limits.maxBatchBytes).toBe(1_048_576);
    expect(driver.connection.developmentEmulator).toBe(true);
  });

  it('a driver on a dead endpoint fails with typed errors; no key in errors or logs', async () => {
    const port = await deadPort();
    const connectionString = emulatorString('127.0.0.1', port);
    const lines: string[] = [];
    const capture = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
      lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
    };
    const logger: Logger = {
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    };
    const driver = azure({
      connectionString,
      provisioner: 'verify',
      logger,
      retryOptions: { maxRetries: 0, timeoutInMs: 2_000 },
    });
    const q = defineQueue('secret-check');
    const bus = createBus({ adapter: driver, declarations: [q], logger });
    try {
      const sendError = await bus.send(q, { n: 1 }).catch((e: unknown) => e);
      expect(TransportError.isInstance(sendError), String(sendError)).toBe(true);
      expect((sendError as TransportError).retryable).toBe(true);
      expect(exposed(sendError)).not.toContain(KEY);
      const provisionError = await bus.provision().catch((e: unknown) => e);
      expect(provisionError).toBeInstanceOf(Error);
      expect(exposed(provisionError)).not.toContain(KEY);
      // A consumer logs its failing receives: the log lines carry the error, never the key.
      const consumer = bus.consume(q, () => undefined, { waitSeconds: 1 });
      const started = Date.now();
      while (!lines.some((l) => l.startsWith('warn')) && Date.now() - started < 15_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await consumer.close();
      expect(lines.some((l) => l.startsWith('warn') && l.includes('receive failed'))).toBe(true);
      for (const line of lines) expect(line).not.toContain(KEY);
    } finally {
      await bus.close();
    }
  }, 40_000);
});
