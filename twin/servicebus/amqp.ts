/**
 * Typed views of the parts of `rhea` the twin uses, plus the Service Bus wire encodings
 * (lock tokens in .NET GUID byte order, .NET ticks, batch envelopes, typed AMQP values).
 *
 * rhea's own typings are mostly `any`; these interfaces describe exactly the fields the twin reads or writes,
 * including a few internals (`credit`, `_draining`, `session.outgoing`, `state`) that rhea exposes on its objects.
 */
import { randomUUID } from 'node:crypto';
import rhea from 'rhea';

/**
 * Message format of a Service Bus batch transfer (a message whose data sections are encoded messages).
 *
 * @example
 * ```ts
 * if (ctx.format === BATCH_FORMAT) messages = decodeBatch(ctx.message as Buffer);
 * ```
 */
export const BATCH_FORMAT = 0x80013700;

/**
 * A decoded AMQP message as rhea represents it: header, properties and the three maps flattened into one object.
 *
 * @example
 * ```ts
 * const msg: AmqpMessage = { message_id: 'm1', body: 'hello', application_properties: { kind: 'greeting' } };
 * ```
 */
export interface AmqpMessage {
  durable?: boolean;
  priority?: number;
  ttl?: number;
  first_acquirer?: boolean;
  delivery_count?: number;
  delivery_annotations?: Record<string, unknown>;
  message_annotations?: Record<string, unknown>;
  message_id?: string | number | Buffer;
  user_id?: Buffer;
  to?: string;
  subject?: string;
  reply_to?: string;
  correlation_id?: string | number | Buffer;
  content_type?: string;
  content_encoding?: string;
  absolute_expiry_time?: Date;
  creation_time?: Date;
  group_id?: string;
  group_sequence?: number;
  reply_to_group_id?: string;
  application_properties?: Record<string, unknown>;
  body?: unknown;
  footer?: Record<string, unknown>;
}

/**
 * The AMQP `error` composite (condition, description, info).
 *
 * @example
 * ```ts
 * const e: AmqpErrorFields = { condition: 'amqp:not-found', description: 'gone' };
 * ```
 */
export interface AmqpErrorFields {
  condition: string;
  description?: string;
  info?: Record<string, unknown>;
}

/**
 * A settlement outcome as rhea decodes it from a disposition frame.
 *
 * @example
 * ```ts
 * if (outcome.undeliverable_here) defer();
 * ```
 */
export interface Outcome {
  error?: AmqpErrorFields;
  delivery_failed?: boolean;
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

/**
 * An AMQP delivery (one transfer) on a rhea link. `twin` is the twin's own bookkeeping for outgoing deliveries.
 *
 * @example
 * ```ts
 * delivery.update(true, accepted());
 * ```
 */
export interface RheaDelivery {
  readonly id: number;
  readonly tag: Buffer | string;
  readonly format: number;
  readonly link: RheaLink;
  remote_settled: boolean;
  settled: boolean;
  readonly remote_state?: Outcome;
  update(settled: boolean, state?: unknown): void;
  twin?: unknown;
}

/**
 * The attach performative fields the twin reads or sets.
 *
 * @example
 * ```ts
 * link.local.attach.max_message_size = 262144;
 * ```
 */
export interface AttachFields {
  name?: string;
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  source?: { address?: string; filter?: Record<string, unknown> | null } | null;
  target?: { address?: string } | null;
  max_message_size?: number;
  properties?: Record<string, unknown> | null;
}

/**
 * A rhea link (either direction).
 *
 * @example
 * ```ts
 * link.close({ condition: 'amqp:not-found', description: 'no such entity' });
 * ```
 */
export interface RheaLink {
  readonly name: string;
  readonly connection: RheaConnection;
  readonly session: RheaSession;
  readonly remote: { attach?: AttachFields; detach?: { error?: AmqpErrorFields } };
  readonly local: { attach: AttachFields; handle: number };
  readonly state: { local_open: boolean; open_requests: number };
  credit: number;
  open(): void;
  close(error?: AmqpErrorFields): void;
  is_open(): boolean;
  is_closed(): boolean;
  is_sender(): boolean;
  set_source(fields: Record<string, unknown>): void;
  set_target(fields: Record<string, unknown>): void;
}

/**
 * A server-side sender link (the client's receiver).
 *
 * @example
 * ```ts
 * const delivery = sender.send(message, tag);
 * ```
 */
export interface RheaSender extends RheaLink {
  delivery_count: number;
  _draining: boolean;
  _drained: boolean;
  _get_drain(): boolean;
  set_drained(drained: boolean): void;
  send(message: AmqpMessage | Buffer, tag?: Buffer, format?: number): RheaDelivery;
}

/**
 * A server-side receiver link (the client's sender).
 *
 * @example
 * ```ts
 * receiver.local.attach.max_message_size = 1024 * 1024;
 * ```
 */
export type RheaReceiver = RheaLink;

/**
 * A rhea session; `outgoing` is rhea's internal delivery buffer (used to count queued-but-unwritten transfers).
 *
 * @example
 * ```ts
 * const free = session.outgoing.available();
 * ```
 */
export interface RheaSession {
  readonly connection: RheaConnection;
  readonly outgoing: {
    next_pending_delivery: number;
    next_delivery_id: number;
    deliveries: { by_id(id: number): RheaDelivery | undefined };
    available(): number;
  };
}

/**
 * A rhea connection (server side).
 *
 * @example
 * ```ts
 * connection.close({ condition: 'amqp:connection:forced', description: 'bye' });
 * ```
 */
export interface RheaConnection {
  readonly socket?: { destroy(error?: Error): void; end(): void };
  readonly options: { id?: string };
  close(error?: AmqpErrorFields): void;
  is_open(): boolean;
  is_closed(): boolean;
  /** Schedules rhea's output processing (link-level changes such as a drain answer are written then). */
  _register(): void;
}

/**
 * The event context rhea passes to container handlers.
 *
 * @example
 * ```ts
 * container.on('message', (ctx: RheaContext) => handle(ctx.receiver!, ctx.message));
 * ```
 */
export interface RheaContext {
  readonly connection: RheaConnection;
  readonly session?: RheaSession;
  readonly sender?: RheaSender;
  readonly receiver?: RheaReceiver;
  readonly delivery?: RheaDelivery;
  readonly message?: AmqpMessage | Buffer;
  readonly format?: number;
  readonly error?: unknown;
}

/**
 * The rhea container with the members the twin uses.
 *
 * @example
 * ```ts
 * const container = createContainer('twin');
 * ```
 */
export interface RheaContainer {
  on(event: string, handler: (context: RheaContext) => void): void;
  on(event: 'error', handler: (error: unknown) => void): void;
  removeAllListeners(): void;
  listen(options: Record<string, unknown>): import('node:net').Server;
  sasl_server_mechanisms: { enable_anonymous(): void };
}

interface RheaTypes {
  wrap_long(value: number | Buffer): unknown;
  wrap_int(value: number): unknown;
  wrap_uint(value: number): unknown;
  wrap_ulong(value: number): unknown;
  wrap_string(value: string): unknown;
  wrap_boolean(value: boolean): unknown;
  wrap_uuid(value: Buffer): unknown;
  wrap_list(values: unknown[]): unknown;
  wrap_map(value: Record<string, unknown>): unknown;
  wrap_array(values: unknown[], code: number, descriptor?: unknown): unknown;
  wrap_timestamp(value: number): unknown;
  described(descriptor: unknown, value: unknown): unknown;
  Null(): unknown;
}

interface RheaModule {
  create_container(options: Record<string, unknown>): RheaContainer;
  types: RheaTypes;
  message: {
    encode(message: AmqpMessage | Record<string, unknown>): Buffer;
    decode(buffer: Buffer): AmqpMessage;
    data_section(data: Buffer): unknown;
    accepted(): { described(): unknown };
    rejected(fields: { error?: AmqpErrorFields }): { described(): unknown };
    modified(fields: Outcome): { described(): unknown };
    released(): { described(): unknown };
  };
  string_to_uuid(value: string): Buffer;
  uuid_to_string(value: Buffer): string;
}

/**
 * rhea with the typed surface above.
 *
 * @example
 * ```ts
 * const bytes = amqp.message.encode({ body: 'hi' });
 * ```
 */
export const amqp = rhea as unknown as RheaModule;

/**
 * Creates a rhea container configured for a broker: server links don't auto-accept, don't fold `modified`
 * into `released`, and grant senders a credit window.
 *
 * @example
 * ```ts
 * const container = createContainer('sb-twin');
 * container.listen({ port: 5672, host: '127.0.0.1' });
 * ```
 */
export function createContainer(id: string): RheaContainer {
  return amqp.create_container({
    id,
    receiver_options: { autoaccept: false, credit_window: 500 },
    sender_options: { treat_modified_as_released: false, autosettle: true },
  });
}

/**
 * Typed-value helpers for `$management` / `$cbs` replies.
 *
 * @example
 * ```ts
 * reply.body = { 'sequence-numbers': wire.longArray([1, 2]) };
 * ```
 */
export const wire = {
  long: (value: number): unknown => amqp.types.wrap_long(value),
  int: (value: number): unknown => amqp.types.wrap_int(value),
  string: (value: string): unknown => amqp.types.wrap_string(value),
  uuid: (value: string): unknown => amqp.types.wrap_uuid(uuidToBytes(value)),
  longArray: (values: number[]): unknown =>
    amqp.types.wrap_array(
      values.map((v) => longToBuffer(v)),
      0x81,
    ),
  timestampArray: (values: number[]): unknown => amqp.types.wrap_array(values, 0x83),
  stringArray: (values: string[]): unknown => amqp.types.wrap_array(values, 0xb1),
  list: (values: unknown[]): unknown => amqp.types.wrap_list(values),
  map: (value: Record<string, unknown>): unknown => amqp.types.wrap_map(value),
  nil: (): unknown => amqp.types.Null(),
  described: (code: number, values: unknown[]): unknown =>
    amqp.types.described(amqp.types.wrap_ulong(code), amqp.types.wrap_list(values)),
};

/**
 * Outcome builders for `delivery.update(settled, outcome)`.
 *
 * @example
 * ```ts
 * delivery.update(true, outcomes.rejected({ condition: 'com.microsoft:message-lock-lost' }));
 * ```
 */
export const outcomes = {
  accepted: (): unknown => amqp.message.accepted().described(),
  rejected: (error: AmqpErrorFields): unknown => amqp.message.rejected({ error }).described(),
  modified: (fields: Outcome): unknown => amqp.message.modified(fields).described(),
};

/**
 * A new random lock token (RFC 4122 string form).
 *
 * @example
 * ```ts
 * const token = newLockToken(); // '8f0c…'
 * ```
 */
export function newLockToken(): string {
  return randomUUID();
}

/**
 * RFC 4122 string → 16 bytes in RFC (network) order, as `$management` carries lock tokens.
 *
 * @example
 * ```ts
 * uuidToBytes('00010203-0405-0607-0809-0a0b0c0d0e0f')[0]; // 0
 * ```
 */
export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/**
 * 16 bytes in RFC order → lowercase RFC 4122 string.
 *
 * @example
 * ```ts
 * bytesToUuid(Buffer.alloc(16)); // '00000000-0000-0000-0000-000000000000'
 * ```
 */
export function bytesToUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Swaps between RFC byte order and .NET `Guid.ToByteArray()` order (the first three groups are little-endian).
 * The operation is its own inverse. Delivery tags carry lock tokens in .NET order.
 *
 * @example
 * ```ts
 * const tag = swapGuidByteOrder(uuidToBytes(token));
 * ```
 */
export function swapGuidByteOrder(bytes: Buffer): Buffer {
  const b = bytes;
  return Buffer.from([
    b[3] ?? 0,
    b[2] ?? 0,
    b[1] ?? 0,
    b[0] ?? 0,
    b[5] ?? 0,
    b[4] ?? 0,
    b[7] ?? 0,
    b[6] ?? 0,
    ...b.subarray(8, 16),
  ]);
}

/**
 * Delivery tag for a lock token (.NET GUID byte order, as the service sends it).
 *
 * @example
 * ```ts
 * sender.send(message, lockTokenToDeliveryTag(token));
 * ```
 */
export function lockTokenToDeliveryTag(token: string): Buffer {
  return swapGuidByteOrder(uuidToBytes(token));
}

/**
 * A lock token from a `$management` request (a uuid value decoded as a 16-byte buffer, RFC order).
 *
 * @example
 * ```ts
 * const token = lockTokenFromWire(body['lock-tokens'][0]);
 * ```
 */
export function lockTokenFromWire(value: unknown): string | undefined {
  if (Buffer.isBuffer(value) && value.length === 16) return bytesToUuid(value);
  if (typeof value === 'string' && /^[0-9a-f-]{36}$/i.test(value)) return value.toLowerCase();
  return undefined;
}

/**
 * Milliseconds since the Unix epoch → .NET ticks as an 8-byte big-endian buffer (what the service puts in
 * `com.microsoft:locked-until-utc`).
 *
 * @example
 * ```ts
 * link.local.attach.properties = { 'com.microsoft:locked-until-utc': amqp.types.wrap_long(msToTicks(until)) };
 * ```
 */
export function msToTicks(ms: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(Math.trunc(ms)) * 10_000n + 621_355_968_000_000_000n);
  return buffer;
}

/**
 * A number as an 8-byte big-endian two's complement buffer (AMQP long).
 *
 * @example
 * ```ts
 * longToBuffer(7).readBigInt64BE(); // 7n
 * ```
 */
export function longToBuffer(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(Math.trunc(value)));
  return buffer;
}

/**
 * Reads an AMQP long as rhea decodes it (a number, or an 8-byte buffer when outside the safe range).
 *
 * @example
 * ```ts
 * longFromWire(Buffer.from([0, 0, 0, 0, 0, 0, 0, 9])); // 9
 * ```
 */
export function longFromWire(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  return undefined;
}

/**
 * Splits a batch transfer (format {@link BATCH_FORMAT}) into its messages.
 *
 * @example
 * ```ts
 * const messages = ctx.format === BATCH_FORMAT ? decodeBatch(ctx.message as Buffer) : [ctx.message];
 * ```
 */
export function decodeBatch(payload: Buffer): AmqpMessage[] {
  const envelope = amqp.message.decode(payload);
  const body = envelope.body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (body === undefined || body.typecode !== 0x75) return [];
  const parts = body.multiple ? (body.content as Buffer[]) : [body.content as Buffer];
  return parts.filter((p) => Buffer.isBuffer(p)).map((p) => amqp.message.decode(p));
}

/**
 * Encoded size of a message in bytes (the size the twin checks against the entity's maximum message size).
 *
 * @example
 * ```ts
 * if (encodedSize(msg) > 256 * 1024) refuse();
 * ```
 */
export function encodedSize(message: AmqpMessage): number {
  return amqp.message.encode(message).length;
}

/**
 * A plain-object copy of a decoded message (rhea's `Message` class carries methods that must not be re-encoded).
 *
 * @example
 * ```ts
 * const stored = cloneMessage(ctx.message);
 * ```
 */
export function cloneMessage(message: AmqpMessage): AmqpMessage {
  const copy: AmqpMessage = {};
  for (const [key, value] of Object.entries(message)) {
    if (typeof value === 'function') continue;
    if (
      key === 'application_properties' ||
      key === 'message_annotations' ||
      key === 'delivery_annotations' ||
      key === 'footer'
    ) {
      (copy as Record<string, unknown>)[key] = value && typeof value === 'object' ? { ...value } : value;
    } else {
      (copy as Record<string, unknown>)[key] = value;
    }
  }
  return copy;
}

/**
 * The string form of a message id / correlation id (they may be strings, numbers, uuids or binary).
 *
 * @example
 * ```ts
 * idToString(Buffer.from('ab', 'hex')); // 'ab'
 * ```
 */
export function idToString(id: unknown): string | undefined {
  if (id === undefined || id === null) return undefined;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' || typeof id === 'bigint') return String(id);
  if (Buffer.isBuffer(id)) return id.length === 16 ? bytesToUuid(id) : id.toString('hex');
  return String(id);
}

/**
 * Counts transfers queued on `sender` but not yet written: rhea lowers `credit` only when a transfer is written,
 * so the usable credit is `sender.credit - unsentDeliveries(sender)`.
 *
 * @example
 * ```ts
 * let credit = sender.credit - unsentDeliveries(sender);
 * ```
 */
export function unsentDeliveries(sender: RheaSender): number {
  const outgoing = sender.session.outgoing;
  let count = 0;
  for (let id = outgoing.next_pending_delivery; id < outgoing.next_delivery_id; id++) {
    const delivery = outgoing.deliveries.by_id(id);
    if (delivery !== undefined && delivery.link === sender) count++;
  }
  return count;
}
