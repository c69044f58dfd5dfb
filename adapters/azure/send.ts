/**
 * Sending: one cached `ServiceBusSender` per entity; messages packed into `createMessageBatch()` batches by the
 * link's real byte limit (the bus already split them by count and by its own byte estimate); the 64 KB header
 * checked per message before anything is sent. One outcome per message, in order; a failed batch fails only its own
 * messages.
 *
 * @example
 * ```ts
 * const outcomes = await sendBuilt(senders, 'billing', 'queue "billing"', built, secrets);
 * ```
 * @module
 */
import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import type { SendOutcome } from '../../core/driver.js';
import { LimitError, NotFoundError, type OmnibusError } from '../../core/errors.js';
import { toOmnibusError } from './errors.js';
import { MAX_HEADER_BYTES } from './limits.js';
import { headerBytes, messageBytesUpperBound } from './wire-size.js';

/**
 * Senders by entity, created on first use and closed with the driver.
 *
 * @example
 * ```ts
 * const senders = new Senders(() => clientPromise);
 * const sender = await senders.get('billing');
 * ```
 */
export class Senders {
  readonly #client: () => Promise<ServiceBusClient>;
  readonly #senders = new Map<string, Promise<ServiceBusSender>>();

  constructor(client: () => Promise<ServiceBusClient>) {
    this.#client = client;
  }

  get(entity: string): Promise<ServiceBusSender> {
    let sender = this.#senders.get(entity);
    if (!sender) {
      sender = this.#client().then((c) => c.createSender(entity));
      this.#senders.set(entity, sender);
      sender.catch(() => this.#senders.delete(entity));
    }
    return sender;
  }

  /** Drops (and closes) an entity's sender, e.g. after the entity was not found. */
  forget(entity: string): void {
    const sender = this.#senders.get(entity);
    if (!sender) return;
    this.#senders.delete(entity);
    void sender.then((s) => s.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    const all = [...this.#senders.values()];
    this.#senders.clear();
    await Promise.allSettled(all.map(async (s) => (await s).close()));
  }
}

/** A message ready to send, with its index among the call's messages. */
interface Entry {
  readonly index: number;
  readonly message: ServiceBusMessage;
}

/**
 * Sends built messages to one entity, in byte-limited batches. Never throws for one message's failure.
 *
 * @example
 * ```ts
 * const outcomes = await sendBuilt(senders, 'orders', 'topic "orders"', [message], []);
 * ```
 */
export async function sendBuilt(
  senders: Senders,
  entity: string,
  description: string,
  messages: readonly ServiceBusMessage[],
  secrets: readonly string[],
): Promise<SendOutcome[]> {
  const outcomes: (SendOutcome | undefined)[] = messages.map(() => undefined);
  const fail = (index: number, error: OmnibusError) => {
    outcomes[index] = { ok: false, error };
  };
  const pending: Entry[] = [];
  messages.forEach((message, index) => {
    const header = headerBytes(message);
    if (header > MAX_HEADER_BYTES) {
      fail(
        index,
        new LimitError('attributes (message header, estimated)', header, MAX_HEADER_BYTES, 'azure'),
      );
    } else pending.push({ index, message });
  });
  if (pending.length === 0) return outcomes as SendOutcome[];
  let sender: ServiceBusSender;
  try {
    sender = await senders.get(entity);
  } catch (error) {
    const mapped = toOmnibusError(error, 'createSender', description, { secrets });
    for (const e of pending) fail(e.index, mapped);
    return outcomes as SendOutcome[];
  }
  /** Set when the entity turned out missing: the remaining messages fail the same way, unsent. */
  let missing: OmnibusError | undefined;
  const flush = async (batchEntries: Entry[], send: () => Promise<void>) => {
    if (missing) {
      for (const e of batchEntries) fail(e.index, missing);
      return;
    }
    try {
      await send();
      for (const e of batchEntries) outcomes[e.index] = { ok: true, id: String(e.message.messageId) };
    } catch (error) {
      const mapped = toOmnibusError(error, 'send', description, { secrets });
      if (NotFoundError.isInstance(mapped)) {
        missing = mapped;
        senders.forget(entity);
      }
      for (const e of batchEntries) fail(e.index, mapped);
    }
  };
  try {
    let batch = await sender.createMessageBatch();
    let members: Entry[] = [];
    for (const entry of pending) {
      if (batch.tryAddMessage(entry.message)) {
        members.push(entry);
        continue;
      }
      if (members.length > 0) {
        const full = batch;
        const sent = members;
        await flush(sent, () => sender.sendMessages(full));
        batch = await sender.createMessageBatch();
        members = [];
        if (batch.tryAddMessage(entry.message)) {
          members.push(entry);
          continue;
        }
      }
      fail(
        entry.index,
        new LimitError(
          `body and properties (${description}, estimated)`,
          Math.max(messageBytesUpperBound(entry.message), batch.maxSizeInBytes + 1),
          batch.maxSizeInBytes,
          'azure',
        ),
      );
    }
    if (members.length > 0) {
      const last = batch;
      await flush(members, () => sender.sendMessages(last));
    }
  } catch (error) {
    const mapped = missing ?? toOmnibusError(error, 'createMessageBatch', description, { secrets });
    if (NotFoundError.isInstance(mapped)) senders.forget(entity);
    for (const e of pending) if (outcomes[e.index] === undefined) fail(e.index, mapped);
  }
  return outcomes as SendOutcome[];
}
