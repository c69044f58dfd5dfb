/**
 * The Azure Service Bus driver: queues and topics/subscriptions on one namespace, through `@azure/service-bus`
 * (loaded on first use). It translates, nothing more: batching, limits, attempts and dead-letter decisions are the
 * bus's; the driver maps them to sessions, scheduled messages, duplicate detection, SQL rules, peek-lock settlement
 * and native dead-lettering (see CAPABILITIES.md).
 *
 * @example
 * ```ts
 * import { createBus } from 'omnibus';
 * import { azure } from 'omnibus/azure';
 * const bus = createBus({ adapter: azure({ connectionString: process.env.SERVICEBUS_CONNECTION_STRING! }), declarations });
 * await bus.provision();
 * ```
 * @module
 */
import type {
  RetryOptions,
  ServiceBusAdministrationClient,
  ServiceBusClient,
  ServiceBusClientOptions,
} from '@azure/service-bus';
import {
  DRIVER_SPEC_VERSION,
  type Driver,
  type DriverMessage,
  type Receiver,
  type ReceiverOptions,
  type SendOutcome,
  type SourceSpec,
  type TargetSpec,
  type Topology,
} from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { type ParsedConnectionString, parseConnectionString, secretsOf } from './connection-string.js';
import { toOmnibusError } from './errors.js';
import {
  azureCapabilities,
  PREMIUM_MAX_MESSAGE_KILOBYTES,
  PREMIUM_MIN_MESSAGE_KILOBYTES,
  type ServiceBusTier,
} from './limits.js';
import {
  adminManager,
  type EntityManager,
  isTwinLike,
  provisionEntities,
  type ServiceBusTwinLike,
  twinManager,
  verifyManager,
} from './provisioner.js';
import { openPlainReceiver, type ReceiverHost, type SourceAddress } from './receiver.js';
import { Senders, sendBuilt } from './send.js';
import { openSessionReceiver, SESSION_ACCEPT_WAIT_MS, type SessionHost } from './sessions.js';
import { isNativeDeadLetterQueue, lockSecondsOf, planEntities } from './topology.js';
import { type PassThrough, ROUTING_PROPERTY, toServiceBusMessage } from './wire.js';

/**
 * How `provision()` creates entities: `'admin'` (the administration client, HTTPS), `'verify'` (create nothing:
 * check over AMQP that entities exist and sync subscription rules), or a twin-like object with the Service Bus
 * twin's programmatic API.
 */
export type Provisioner = 'admin' | 'verify' | ServiceBusTwinLike;

/** Options of {@link azure}. */
export interface AzureOptions {
  /** A namespace-level connection string (`Endpoint=sb://…;SharedAccessKeyName=…;SharedAccessKey=…`). */
  readonly connectionString: string;
  /** How `provision()` works (default `'admin'`). See {@link Provisioner}. */
  readonly provisioner?: Provisioner;
  /** Service tier; sets the message size limit (default `'standard'`: 256 KB). */
  readonly tier?: ServiceBusTier;
  /** Premium only: the entities' largest message in KB (1,024–102,400; default 1,024). Set on provisioned entities. */
  readonly maxMessageSizeInKilobytes?: number;
  /** Where the driver logs (never keys or bodies). Default: silent. */
  readonly logger?: Logger;
  /** The SDK's retry options for every operation (defaults: the SDK's). */
  readonly retryOptions?: RetryOptions;
}

/** The Azure driver: a {@link Driver} plus the parsed connection (without its key). */
export interface AzureDriver extends Driver {
  readonly connection: ParsedConnectionString;
}

function checkOptions(options: AzureOptions): void {
  if (options.tier !== undefined && options.tier !== 'standard' && options.tier !== 'premium') {
    throw new ConfigurationError(
      'tier',
      `must be "standard" or "premium", got ${JSON.stringify(options.tier)}`,
    );
  }
  const kb = options.maxMessageSizeInKilobytes;
  if (kb !== undefined) {
    if (options.tier !== 'premium') {
      throw new ConfigurationError('maxMessageSizeInKilobytes', 'is a Premium setting: set tier: "premium"');
    }
    if (!Number.isInteger(kb) || kb < PREMIUM_MIN_MESSAGE_KILOBYTES || kb > PREMIUM_MAX_MESSAGE_KILOBYTES) {
      throw new ConfigurationError(
        'maxMessageSizeInKilobytes',
        `must be a whole number ${PREMIUM_MIN_MESSAGE_KILOBYTES}–${PREMIUM_MAX_MESSAGE_KILOBYTES}, got ${kb}`,
      );
    }
  }
  const p = options.provisioner;
  if (p !== undefined && p !== 'admin' && p !== 'verify' && !isTwinLike(p)) {
    throw new ConfigurationError(
      'provisioner',
      'must be "admin", "verify" or an object with the Service Bus twin API (createQueue, createTopic, …)',
    );
  }
}

function describe(spec: TargetSpec | SourceSpec): string {
  if (spec.kind === 'subscription') return `subscription "${spec.topic}/${spec.name}"`;
  if (spec.kind === 'topic') return `topic "${spec.name}"`;
  if (spec.deadLetterOf !== undefined) {
    return `dead-letter queue "${spec.name}" (the $DeadLetterQueue of ${spec.deadLetterOf})`;
  }
  return `queue "${spec.name}"`;
}

/** Where a source is read: its entity and sub-queue. */
function addressOf(spec: SourceSpec): SourceAddress {
  const description = describe(spec);
  if (spec.kind === 'subscription') {
    return { topic: spec.topic, subscription: spec.name, deadLetter: false, description };
  }
  if (isNativeDeadLetterQueue(spec)) {
    const of = spec.deadLetterOf as string;
    const slash = of.indexOf('/');
    return slash < 0
      ? { queue: of, deadLetter: true, description }
      : { topic: of.slice(0, slash), subscription: of.slice(slash + 1), deadLetter: true, description };
  }
  return { queue: spec.name, deadLetter: false, description };
}

/**
 * Creates the Azure driver. Nothing connects until the first call. The connection string is checked now:
 * `UseDevelopmentEmulator=true` (plain TCP) only towards loopback hosts; its key never appears in an error or a log.
 *
 * @example
 * ```ts
 * const driver = azure({ connectionString, provisioner: 'admin' });
 * const local = azure({ connectionString: twin.connectionString, provisioner: twin });
 * ```
 */
export function azure(options: AzureOptions): AzureDriver {
  const connection = parseConnectionString(options.connectionString);
  checkOptions(options);
  const secrets = secretsOf(options.connectionString);
  const logger = options.logger ?? silentLogger;
  const tier = options.tier ?? 'standard';
  const kb = options.maxMessageSizeInKilobytes;
  const capabilities = azureCapabilities(tier, kb);
  let sdkPromise: Promise<typeof import('@azure/service-bus')> | undefined;
  const sdk = () => {
    sdkPromise ??= import('@azure/service-bus');
    return sdkPromise;
  };
  let closed = false;
  const assertOpen = (what: string) => {
    if (closed) throw new ConfigurationError('azure driver', `is closed (${what})`);
  };
  const makeClient = (clientOptions: ServiceBusClientOptions) =>
    sdk().then((m) => {
      try {
        return new m.ServiceBusClient(options.connectionString, clientOptions);
      } catch (error) {
        throw toOmnibusError(error, 'connect', 'the namespace', { secrets });
      }
    });
  let mainClient: Promise<ServiceBusClient> | undefined;
  let sessionClient: Promise<ServiceBusClient> | undefined;
  let adminClient: Promise<ServiceBusAdministrationClient> | undefined;
  const client = () => {
    assertOpen('client');
    mainClient ??= makeClient(options.retryOptions ? { retryOptions: options.retryOptions } : {});
    return mainClient;
  };
  const sessions = () => {
    assertOpen('client');
    sessionClient ??= makeClient({
      retryOptions: { ...options.retryOptions, maxRetries: 0, timeoutInMs: SESSION_ACCEPT_WAIT_MS },
    });
    return sessionClient;
  };
  const admin = () => {
    adminClient ??= sdk().then((m) => {
      try {
        return new m.ServiceBusAdministrationClient(options.connectionString);
      } catch (error) {
        throw toOmnibusError(error, 'connect', 'the administration endpoint', { secrets });
      }
    });
    return adminClient;
  };
  const p = options.provisioner ?? 'admin';
  const manager: EntityManager =
    p === 'admin'
      ? adminManager(admin, secrets)
      : p === 'verify'
        ? verifyManager(client, secrets)
        : twinManager(p);
  const senders = new Senders(client);
  const receivers = new Set<Receiver>();

  const sendTo = (
    entity: string,
    description: string,
    format: TargetSpec['format'],
    messages: readonly DriverMessage[],
    defaultDelaySeconds: number,
    extra?: Record<string, string>,
    passThrough?: PassThrough,
  ): Promise<SendOutcome[]> => {
    const now = Date.now();
    const built = messages.map((m) =>
      toServiceBusMessage(m, format, now, { defaultDelaySeconds, extraProperties: extra, passThrough }),
    );
    return sendBuilt(senders, entity, description, built, secrets);
  };

  const redeliver = async (
    source: SourceSpec,
    messages: readonly DriverMessage[],
    passThrough?: PassThrough,
  ): Promise<SendOutcome[]> => {
    assertOpen('redeliver');
    if (source.kind === 'subscription') {
      return sendTo(
        source.topic,
        describe(source),
        source.format,
        messages,
        0,
        { [ROUTING_PROPERTY]: source.name },
        passThrough,
      );
    }
    if (isNativeDeadLetterQueue(source)) {
      const error = new ConfigurationError(
        'redeliver',
        `${describe(source)} is a dead-letter sub-queue, which takes no sends`,
      );
      return messages.map(() => ({ ok: false, error }));
    }
    return sendTo(
      source.name,
      describe(source),
      source.format,
      messages,
      source.delaySeconds,
      undefined,
      passThrough,
    );
  };

  const host: ReceiverHost & SessionHost = {
    client,
    sessionClient: sessions,
    redeliver,
    secrets,
    logger,
  };

  const counts = manager.counts;
  const driver: AzureDriver = {
    specVersion: DRIVER_SPEC_VERSION,
    capabilities,
    connection,

    async provision(topology: Topology): Promise<void> {
      assertOpen('provision');
      await provisionEntities(manager, planEntities(topology, { maxMessageSizeInKilobytes: kb }));
    },

    async send(target: TargetSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]> {
      assertOpen('send');
      const defaultDelay = target.kind === 'queue' ? target.delaySeconds : 0;
      if (target.kind === 'queue' && isNativeDeadLetterQueue(target)) {
        const error = new ConfigurationError(
          'send',
          `${describe(target)} is a dead-letter sub-queue, which takes no sends (Service Bus dead-letters natively)`,
        );
        return messages.map(() => ({ ok: false, error }));
      }
      return sendTo(target.name, describe(target), target.format, messages, defaultDelay);
    },

    redeliver: (source, messages) => redeliver(source, messages),

    openReceiver(source: SourceSpec, receiverOptions: ReceiverOptions): Receiver {
      assertOpen('openReceiver');
      const address = addressOf(source);
      const sessionful = source.ordered && !address.deadLetter;
      const inner = sessionful
        ? openSessionReceiver(host, source, address, {
            maxInFlight: receiverOptions.maxInFlight,
            lockSeconds: lockSecondsOf(source.leaseSeconds, address.description),
          })
        : openPlainReceiver(host, source, address);
      const receiver: Receiver = {
        receive: (max, o) => inner.receive(max, o),
        async close() {
          receivers.delete(receiver);
          await inner.close();
        },
      };
      receivers.add(receiver);
      return receiver;
    },

    async close(): Promise<void> {
      if (closed) return;
      await Promise.allSettled([...receivers].map((r) => r.close()));
      closed = true;
      await senders.close();
      const clients = [mainClient, sessionClient].filter((c) => c !== undefined);
      await Promise.allSettled(clients.map(async (c) => (await c).close()));
    },
  };
  if (counts) {
    (driver as { depth?: Driver['depth'] }).depth = async (source: SourceSpec): Promise<number> => {
      assertOpen('depth');
      if (source.kind === 'subscription') return (await counts(source.topic, source.name)).activeMessageCount;
      if (isNativeDeadLetterQueue(source)) {
        const of = source.deadLetterOf as string;
        const slash = of.indexOf('/');
        const c = slash < 0 ? await counts(of) : await counts(of.slice(0, slash), of.slice(slash + 1));
        return c.deadLetterMessageCount;
      }
      return (await counts(source.name)).activeMessageCount;
    };
  }
  return driver;
}

/**
 * The Azure driver configured from the environment: `SERVICEBUS_CONNECTION_STRING` (required),
 * `SERVICEBUS_PROVISIONER` (`admin` | `verify`; default `verify` for a development-emulator connection string, whose
 * endpoint the administration client cannot reach, `admin` otherwise) and `SERVICEBUS_TIER`
 * (`standard` | `premium`).
 *
 * @example
 * ```ts
 * const driver = azureFromEnv({ SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://ns.servicebus.windows.net/;…' });
 * ```
 */
export function azureFromEnv(env: NodeJS.ProcessEnv = process.env): AzureDriver {
  const connectionString = env.SERVICEBUS_CONNECTION_STRING;
  if (!connectionString) {
    throw new ConfigurationError(
      'SERVICEBUS_CONNECTION_STRING',
      'is not set (Endpoint=sb://<namespace>/;SharedAccessKeyName=…;SharedAccessKey=…)',
    );
  }
  const parsed = parseConnectionString(connectionString);
  const provisioner = env.SERVICEBUS_PROVISIONER ?? (parsed.developmentEmulator ? 'verify' : 'admin');
  if (provisioner !== 'admin' && provisioner !== 'verify') {
    throw new ConfigurationError('SERVICEBUS_PROVISIONER', `is "${provisioner}"; expected admin or verify`);
  }
  const tier = env.SERVICEBUS_TIER;
  if (tier !== undefined && tier !== 'standard' && tier !== 'premium') {
    throw new ConfigurationError('SERVICEBUS_TIER', `is "${tier}"; expected standard or premium`);
  }
  return azure({ connectionString, provisioner, ...(tier ? { tier } : {}) });
}
