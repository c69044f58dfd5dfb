/**
 * Message attributes: the portable, typed metadata that travels in each provider's native attributes
 * (SQS message attributes, Pub/Sub attributes, Service Bus application properties).
 *
 * @example
 * ```ts
 * await bus.send(orders, order, { attributes: { region: 'eu', priority: 3, sig: new Uint8Array([1, 2]) } });
 * ```
 * @module
 */

/** A single attribute value: text, a finite number or bytes. */
export type AttributeValue = string | number | Uint8Array;

/** Attributes of a message, by name. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/**
 * Prefix of every attribute Omnibus itself writes. Names with this prefix are reserved; legal on SQS, SNS,
 * Pub/Sub and Service Bus alike.
 */
export const RESERVED_ATTRIBUTE_PREFIX = 'omnibus_';

/** Attribute that carries Omnibus delivery metadata on re-sent copies (attempts so far, not-before time). */
export const META_ATTRIBUTE = `${RESERVED_ATTRIBUTE_PREFIX}meta`;

/** Attribute that carries the dead-letter envelope (JSON) on dead-lettered copies. */
export const DEAD_LETTER_ATTRIBUTE = `${RESERVED_ATTRIBUTE_PREFIX}dead_letter`;

/**
 * How many attribute slots Omnibus may use on one message at the same time: a message carries either
 * {@link META_ATTRIBUTE} or {@link DEAD_LETTER_ATTRIBUTE}, never both. A provider's attribute budget for users is
 * its limit minus this.
 */
export const RESERVED_ATTRIBUTE_SLOTS = 1;

/** Metadata Omnibus keeps on a re-sent copy of a message (emulated delay, delayed release by copy). */
export interface DeliveryMeta {
  /** Attempts already made before this copy was sent. */
  readonly attempts?: number;
  /** Epoch milliseconds before which the copy must not be handled (emulated delay). */
  readonly notBefore?: number;
  /** Id of the message this copy stands for. */
  readonly originalId?: string;
  /** Times the message was redriven from its dead-letter queue (the redrive loop guard reads it). */
  readonly redrives?: number;
}

/**
 * Encodes {@link DeliveryMeta} as a compact attribute value (`a=2;nb=1700000000000;id=…;r=1`).
 *
 * @example
 * ```ts
 * encodeMeta({ attempts: 2 }); // 'a=2'
 * ```
 */
export function encodeMeta(meta: DeliveryMeta): string {
  const parts: string[] = [];
  if (meta.attempts !== undefined) parts.push(`a=${meta.attempts}`);
  if (meta.notBefore !== undefined) parts.push(`nb=${meta.notBefore}`);
  if (meta.originalId !== undefined) parts.push(`id=${encodeURIComponent(meta.originalId)}`);
  if (meta.redrives !== undefined) parts.push(`r=${meta.redrives}`);
  return parts.join(';');
}

/**
 * Decodes the value written by {@link encodeMeta}; unknown or malformed parts are ignored.
 *
 * @example
 * ```ts
 * decodeMeta('a=2;nb=5'); // { attempts: 2, notBefore: 5 }
 * ```
 */
export function decodeMeta(value: AttributeValue | undefined): DeliveryMeta {
  if (typeof value !== 'string' || value === '') return {};
  const meta: { attempts?: number; notBefore?: number; originalId?: string; redrives?: number } = {};
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    if (key === 'a' && /^\d+$/.test(raw)) meta.attempts = Number(raw);
    else if (key === 'nb' && /^\d+$/.test(raw)) meta.notBefore = Number(raw);
    else if (key === 'id') meta.originalId = decodeURIComponent(raw);
    else if (key === 'r' && /^\d+$/.test(raw)) meta.redrives = Number(raw);
  }
  return meta;
}

/**
 * Splits attributes into the user's and Omnibus's own (reserved prefix).
 *
 * @example
 * ```ts
 * splitAttributes({ a: '1', omnibus_meta: 'a=1' }); // { user: { a: '1' }, meta: 'a=1', deadLetter: undefined }
 * ```
 */
export function splitAttributes(attributes: Attributes): {
  user: Record<string, AttributeValue>;
  meta: AttributeValue | undefined;
  deadLetter: AttributeValue | undefined;
} {
  let user: Record<string, AttributeValue> | undefined;
  let meta: AttributeValue | undefined;
  let deadLetter: AttributeValue | undefined;
  for (const key in attributes) {
    if (key.startsWith(RESERVED_ATTRIBUTE_PREFIX)) {
      if (key === META_ATTRIBUTE) meta = attributes[key];
      else if (key === DEAD_LETTER_ATTRIBUTE) deadLetter = attributes[key];
      user ??= { ...attributes };
      delete user[key];
    }
  }
  return { user: user ?? (attributes as Record<string, AttributeValue>), meta, deadLetter };
}

/**
 * Byte length of an attribute value as providers count it (UTF-8 for text and numbers' decimal text).
 *
 * @example
 * ```ts
 * attributeValueBytes('é'); // 2
 * ```
 */
export function attributeValueBytes(value: AttributeValue): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return String(value).length;
  return value.byteLength;
}
