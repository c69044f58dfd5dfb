/**
 * One {@link DriverMessage} as a SendMessageBatch / PublishBatch entry, checked against what AWS refuses but the
 * bus's portable checks cannot see (they run first): the wire size with base64 bodies and typed attributes, the
 * 10-attribute limit including Omnibus's own, empty bodies and attribute values, characters outside SQS's set, FIFO
 * group and dedup id characters. A message that fails gets a typed error as its outcome; nothing is sent for it.
 *
 * FIFO mapping: `MessageGroupId` is the ordering key on ordered entities and a per-message unique value on
 * deduplicated but unordered ones (so they are not serialized); `MessageDeduplicationId` is the message's dedup id,
 * else its id (so a retried send is not delivered twice). FIFO queues refuse per-message delays: a delay other than
 * the queue's own is refused with a ValidationError on `delaySeconds` (the bus holds the delays of ordered queues
 * itself; see CAPABILITIES.md for deduplicated ones).
 *
 * @example
 * ```ts
 * const entry = toEntry(message, { kind: 'queue', fifo: false, ordered: false, queueDelaySeconds: 0 });
 * if (entry instanceof Error) outcome = { ok: false, error: entry };
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { DriverMessage } from '../../core/driver.js';
import { LimitError, type OmnibusError, ValidationError } from '../../core/errors.js';
import {
  AWS_MAX_BATCH_BYTES,
  AWS_MAX_BATCH_ENTRIES,
  AWS_MAX_MESSAGE_BYTES,
  SQS_FIFO_ID_PATTERN,
  SQS_INVALID_TEXT,
  SQS_MAX_ATTRIBUTES,
  SQS_MAX_DEDUP_ID_LENGTH,
  SQS_MAX_DELAY_SECONDS,
  SQS_MAX_GROUP_ID_LENGTH,
} from './limits.js';
import { toWireAttributes, toWireBody, type WireAttribute, wireMessageBytes } from './wire.js';

/**
 * Where an entry goes.
 *
 * @example
 * ```ts
 * const target: EntryTarget = { kind: 'queue', fifo: true, ordered: true, queueDelaySeconds: 0 };
 * ```
 */
export interface EntryTarget {
  readonly kind: 'queue' | 'topic';
  readonly fifo: boolean;
  /** Ordered entity: the group id is the ordering key. */
  readonly ordered: boolean;
  /** The queue's own delay (FIFO queues apply only that one). */
  readonly queueDelaySeconds: number;
}

/**
 * A checked entry, ready for SendMessageBatch or PublishBatch.
 *
 * @example
 * ```ts
 * const entry = toEntry({ body: 'hi', attributes: {} }, target); // { body: 'hi', bytes: 2, … }
 * ```
 */
export interface WireEntry {
  readonly body: string;
  readonly attributes: Record<string, WireAttribute>;
  readonly groupId: string | undefined;
  readonly dedupId: string | undefined;
  /** Per-message delay (standard queues only). */
  readonly delaySeconds: number | undefined;
  /** Size as AWS counts it. */
  readonly bytes: number;
}

const PROVIDER = 'aws';

function invalid(field: string, message: string): ValidationError {
  return new ValidationError(field, [{ message }]);
}

function checkFifoId(field: string, value: string, max: number): ValidationError | undefined {
  if (value.length === 0) return invalid(field, 'must not be empty on SQS/SNS FIFO');
  if (value.length > max) return invalid(field, `is ${value.length} characters, over SQS's ${max}`);
  if (!SQS_FIFO_ID_PATTERN.test(value)) {
    return invalid(field, 'may use only letters, digits and ASCII punctuation on SQS/SNS FIFO (no spaces)');
  }
  return undefined;
}

/**
 * Builds and checks one entry; returns the typed error instead when AWS would refuse the message.
 *
 * @example
 * ```ts
 * toEntry({ body: '', attributes: {} }, target); // ValidationError: body is invalid: …empty…
 * ```
 */
export function toEntry(message: DriverMessage, target: EntryTarget): WireEntry | OmnibusError {
  const attributes = message.attributes;
  let delaySeconds: number | undefined;
  if (target.kind === 'queue') {
    const requested = Math.ceil(message.delaySeconds ?? 0);
    if (!(requested >= 0 && requested <= SQS_MAX_DELAY_SECONDS)) {
      return new LimitError('delaySeconds', requested, SQS_MAX_DELAY_SECONDS, PROVIDER, 'seconds');
    }
    if (!target.fifo) {
      delaySeconds = requested; // 0 overrides the queue's default, as the bus asked
    } else if (requested > 0 && requested !== target.queueDelaySeconds) {
      // FIFO queues take only their own delay. The bus holds the delays of ordered queues itself; a deduplicated
      // but unordered queue is FIFO on SQS too, which the bus cannot yet tell (see CAPABILITIES.md).
      return invalid(
        'delaySeconds',
        `${requested} s cannot be sent: a deduplicated or ordered queue is a FIFO queue on SQS, which takes no ` +
          `per-message delay (only the queue's own delaySeconds, ${target.queueDelaySeconds} s)`,
      );
    }
  }
  const names = Object.keys(attributes);
  if (names.length > SQS_MAX_ATTRIBUTES) {
    return new LimitError('attributes', names.length, SQS_MAX_ATTRIBUTES, PROVIDER, 'attributes');
  }
  for (const name of names) {
    const value = attributes[name];
    if (typeof value === 'string' ? value === '' : value instanceof Uint8Array && value.byteLength === 0) {
      return invalid(`attributes.${name}`, 'SQS and SNS refuse empty attribute values');
    }
    if (typeof value === 'string' && SQS_INVALID_TEXT.test(value)) {
      return invalid(
        `attributes.${name}`,
        'contains characters SQS refuses (control characters or lone surrogates)',
      );
    }
  }
  const body = toWireBody(message.body);
  if (body === '') return invalid('body', 'SQS and SNS refuse empty messages');
  if (typeof message.body === 'string' && SQS_INVALID_TEXT.test(body)) {
    return invalid('body', 'contains characters SQS refuses (control characters or lone surrogates)');
  }
  let groupId: string | undefined;
  let dedupId: string | undefined;
  if (target.fifo) {
    if (target.ordered) {
      if (message.orderingKey === undefined)
        return invalid('orderingKey', 'is required on an ordered entity');
      groupId = message.orderingKey;
      const bad = checkFifoId('orderingKey', groupId, SQS_MAX_GROUP_ID_LENGTH);
      if (bad) return bad;
    } else {
      groupId = message.id ?? randomUUID();
    }
    dedupId = message.dedupId ?? message.id ?? randomUUID();
    const bad = checkFifoId('dedupId', dedupId, SQS_MAX_DEDUP_ID_LENGTH);
    if (bad) return bad;
  }
  const wire = toWireAttributes(attributes);
  const bytes = wireMessageBytes(body, wire);
  if (bytes > AWS_MAX_MESSAGE_BYTES) {
    const binary = typeof message.body !== 'string';
    return new LimitError(
      `body and attributes (as sent${binary ? ', the body in base64' : ''})`,
      bytes,
      AWS_MAX_MESSAGE_BYTES,
      PROVIDER,
    );
  }
  return { body, attributes: wire, groupId, dedupId, delaySeconds, bytes };
}

/**
 * Splits entries (with their indexes) into calls of at most 10 entries and 256 KiB, in order.
 *
 * @example
 * ```ts
 * splitEntries(entries).map((b) => b.length); // [10, 10, 3]
 * ```
 */
export function splitEntries<T extends { readonly entry: WireEntry }>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (
      current.length > 0 &&
      (current.length >= AWS_MAX_BATCH_ENTRIES || bytes + item.entry.bytes > AWS_MAX_BATCH_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
