/**
 * The AMQP 1.0 side of the twin: a rhea container in server mode that routes links to entities, `$cbs` and
 * `$management`, delivers messages against link credit (including drain), settles dispositions, holds session
 * receivers, and tracks connections so they can be dropped on purpose.
 */
import { randomBytes } from 'node:crypto';
import type { Server as NetServer, Socket } from 'node:net';
import {
  type AmqpMessage,
  amqp,
  BATCH_FORMAT,
  createContainer,
  decodeBatch,
  encodedSize,
  lockTokenToDeliveryTag,
  msToTicks,
  outcomes,
  type RheaConnection,
  type RheaContainer,
  type RheaContext,
  type RheaDelivery,
  type RheaLink,
  type RheaReceiver,
  type RheaSender,
  unsentDeliveries,
} from './amqp.js';
import { checkPutToken, type SasKey, tokenCovers } from './cbs.js';
import type {
  Broker,
  QueueEntity,
  ResolvedAddress,
  SendTarget,
  SubscriptionEntity,
  TopicEntity,
} from './entities.js';
import { parseAddress } from './entities.js';
import { AmqpCondition, asTwinError, entityNotFound, TwinError } from './errors.js';
import { handleManagement } from './management.js';
import { renderMessage, type StoredMessage } from './message.js';
import type { Clock, Scheduler, Task } from './scheduler.js';
import type { SessionOwner } from './sessions.js';
import type { MessageStore } from './store.js';

/**
 * Where the twin writes its diagnostics. Every method is optional.
 *
 * @example
 * ```ts
 * const logger: TwinLogger = { warn: console.warn, error: console.error };
 * ```
 */
export interface TwinLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/**
 * Options of {@link AmqpServer}.
 *
 * @example
 * ```ts
 * new AmqpServer({ broker, clock, scheduler, autoCreate: false, logger: {}, containerId: 'sb-twin' });
 * ```
 */
export interface AmqpServerOptions {
  broker: Broker;
  clock: Clock;
  scheduler: Scheduler;
  sasKey?: SasKey | undefined;
  autoCreate: boolean;
  logger: TwinLogger;
  containerId: string;
  /** How long `acceptNextSession` may wait when the client sends no `com.microsoft:timeout` (default 60 s). */
  defaultSessionWaitMs?: number;
}

/**
 * Counts of live AMQP objects (for `twin.stats()`).
 *
 * @example
 * ```ts
 * server.stats().consumers; // open receiver links
 * ```
 */
export interface ServerStats {
  connections: number;
  links: number;
  consumers: number;
  producers: number;
  pendingSessionAccepts: number;
}

interface ConnectionState {
  readonly id: number;
  readonly connection: RheaConnection;
  readonly links: Set<LinkState>;
  readonly replyLinks: Map<string, RheaSender>;
  readonly grants: Array<{ path: string; expiresAt: number }>;
  closed: boolean;
}

interface BaseLink {
  readonly conn: ConnectionState;
  closed: boolean;
}

interface ConsumerLink extends BaseLink {
  readonly kind: 'consumer';
  readonly link: RheaSender;
  readonly store: MessageStore;
  readonly peekLock: boolean;
  readonly sessionful: boolean;
  sessionId: string | undefined;
  owner: SessionOwner | undefined;
  waitTask: Task | undefined;
  drainAnswered: boolean;
}

interface ProducerLink extends BaseLink {
  readonly kind: 'producer';
  readonly link: RheaReceiver;
  readonly target: SendTarget;
}

interface RequestLink extends BaseLink {
  readonly kind: 'cbs' | 'management';
  readonly link: RheaReceiver;
  readonly target: ResolvedAddress | undefined;
}

interface ReplyLink extends BaseLink {
  readonly kind: 'reply';
  readonly link: RheaSender;
  readonly address: string;
}

type LinkState = ConsumerLink | ProducerLink | RequestLink | ReplyLink;

interface DeliveryInfo {
  readonly store: MessageStore;
  readonly token: string;
}

const SESSION_FILTER = 'com.microsoft:session-filter';
const MANAGEMENT_SUFFIX = /(^|\/)\$management$/i;

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/**
 * The AMQP listener.
 *
 * @example
 * ```ts
 * const server = new AmqpServer(options);
 * await server.listen('127.0.0.1', 0);
 * server.dropConnections();
 * await server.close();
 * ```
 */
export class AmqpServer {
  private readonly container: RheaContainer;
  private netServer: NetServer | undefined;
  private readonly connections = new Map<RheaConnection, ConnectionState>();
  private readonly linkStates = new WeakMap<RheaLink, LinkState>();
  private readonly consumers = new Map<MessageStore, Set<ConsumerLink>>();
  private readonly waiters = new Map<MessageStore, Set<ConsumerLink>>();
  private readonly dirty = new Set<MessageStore>();
  private immediate: NodeJS.Immediate | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<Socket>();
  private connectionCounter = 0;
  private closing = false;

  constructor(private readonly options: AmqpServerOptions) {
    this.container = createContainer(options.containerId);
    this.container.sasl_server_mechanisms.enable_anonymous();
    this.wire();
  }

  /** Starts listening; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      // SASL ANONYMOUS, or no SASL layer at all (the SDK skips SASL when the connection string has no key name)
      const server = this.container.listen({ host, port, tcp_no_delay: true });
      this.netServer = server;
      // every socket, including ones that never complete the AMQP handshake, so close() can end them all
      server.on('connection', (socket: Socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      });
      server.once('error', reject);
      server.once('listening', () => {
        server.off('error', reject);
        server.on('error', (error) => this.log('error', `listener error: ${String(error)}`));
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  /** Signals that `store` has messages to deliver (coalesced; pumped on the next turn of the event loop). */
  messagesAvailable(store: MessageStore): void {
    if (this.closing) return;
    this.dirty.add(store);
    if (this.immediate === undefined) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        const stores = [...this.dirty];
        this.dirty.clear();
        for (const s of stores) this.pump(s);
      });
    }
  }

  /** Detaches every link bound to a deleted entity. */
  entityDeleted(entity: QueueEntity | TopicEntity | SubscriptionEntity): void {
    const error = entityNotFound(entity.path).toAmqp();
    for (const conn of this.connections.values()) {
      for (const state of [...conn.links]) {
        const bound =
          (state.kind === 'consumer' && state.store.owner === entity) ||
          (state.kind === 'producer' && state.target === entity) ||
          (state.kind === 'management' && state.target?.entity === entity);
        if (!bound) continue;
        this.forgetLink(state);
        if (!state.link.state.local_open) {
          // a held acceptNextSession attach: answer it before detaching
          if (state.kind === 'consumer') state.link.local.attach.source = null;
          state.link.open();
        }
        state.link.close(error);
      }
    }
  }

  /**
   * Test hook: drops every client connection. `graceful` sends an AMQP close with `amqp:connection:forced`;
   * otherwise the sockets are destroyed (a network failure). Returns how many connections were dropped.
   */
  dropConnections(graceful = false): number {
    const states = [...this.connections.values()];
    for (const state of states) {
      if (graceful) {
        state.connection.close({
          condition: AmqpCondition.ConnectionForced,
          description: 'The connection was closed by the Service Bus twin (test hook).',
        });
      } else {
        state.connection.socket?.destroy(
          new Error('Connection dropped by the Service Bus twin (test hook).'),
        );
      }
      this.forgetConnection(state);
    }
    return states.length;
  }

  /** Counts of live AMQP objects. */
  stats(): ServerStats {
    let links = 0;
    let consumers = 0;
    let producers = 0;
    for (const conn of this.connections.values()) {
      links += conn.links.size;
      for (const l of conn.links) {
        if (l.kind === 'consumer') consumers++;
        else if (l.kind === 'producer') producers++;
      }
    }
    let pendingSessionAccepts = 0;
    for (const set of this.waiters.values()) pendingSessionAccepts += set.size;
    return { connections: this.connections.size, links, consumers, producers, pendingSessionAccepts };
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.dirty.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const state of [...this.connections.values()]) {
      // destroying with an error makes rhea run its disconnect path, which clears its heartbeat timers
      state.connection.socket?.destroy(new Error('The Service Bus twin is closing.'));
      this.forgetConnection(state);
    }
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.netServer;
    this.netServer = undefined;
    if (server?.listening) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.container.removeAllListeners();
  }

  /** A tracked, unref'd timer (cleared by {@link close}). */
  private later(ms: number, fn: () => void): void {
    if (this.closing) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.guard('timer', fn);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private log(level: keyof TwinLogger, message: string): void {
    this.options.logger[level]?.(message);
  }

  private guard(name: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log(
        'error',
        `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }

  private wire(): void {
    const c = this.container;
    c.on('connection_open', (ctx) =>
      this.guard('connection_open', () => this.onConnectionOpen(ctx.connection)),
    );
    c.on('receiver_open', (ctx) => this.guard('receiver_open', () => this.onClientSender(ctx)));
    c.on('sender_open', (ctx) => this.guard('sender_open', () => this.onClientReceiver(ctx)));
    c.on('message', (ctx) => this.guard('message', () => this.onMessage(ctx)));
    for (const event of ['sendable', 'sender_flow', 'sender_draining']) {
      c.on(event, (ctx) =>
        this.guard(event, () => {
          const state = ctx.sender ? this.linkStates.get(ctx.sender) : undefined;
          if (state?.kind !== 'consumer') return;
          if (event === 'sender_flow') state.drainAnswered = false;
          this.pumpConsumer(state);
        }),
      );
    }
    for (const event of ['accepted', 'rejected', 'modified', 'released']) {
      c.on(event, (ctx) => this.guard(event, () => this.onDisposition(event, ctx)));
    }
    for (const event of ['sender_close', 'receiver_close']) {
      c.on(event, (ctx) =>
        this.guard(event, () => {
          const link = ctx.sender ?? ctx.receiver;
          const state = link ? this.linkStates.get(link) : undefined;
          if (state !== undefined) this.forgetLink(state);
        }),
      );
    }
    c.on('session_close', (ctx) =>
      this.guard('session_close', () => {
        const conn = this.connections.get(ctx.connection);
        if (conn === undefined || ctx.session === undefined) return;
        for (const state of [...conn.links]) if (state.link.session === ctx.session) this.forgetLink(state);
      }),
    );
    c.on('connection_close', (ctx) =>
      this.guard('connection_close', () => {
        const conn = this.connections.get(ctx.connection);
        if (conn !== undefined) this.forgetConnection(conn);
      }),
    );
    c.on('disconnected', (ctx) =>
      this.guard('disconnected', () => {
        const conn = this.connections.get(ctx.connection);
        if (conn !== undefined) this.forgetConnection(conn);
      }),
    );
    for (const event of [
      'sender_error',
      'receiver_error',
      'session_error',
      'connection_error',
      'protocol_error',
    ]) {
      c.on(event, (ctx) =>
        this.log('debug', `${event}: ${JSON.stringify(ctx.error ?? ctx.connection?.options?.id ?? '')}`),
      );
    }
    c.on('error', (error: unknown) => this.log('warn', `container error: ${String(error)}`));
  }

  private onConnectionOpen(connection: RheaConnection): void {
    const state: ConnectionState = {
      id: ++this.connectionCounter,
      connection,
      links: new Set(),
      replyLinks: new Map(),
      grants: [],
      closed: false,
    };
    this.connections.set(connection, state);
    const socket = connection.socket as unknown as { once?(event: string, fn: () => void): void } | undefined;
    socket?.once?.('close', () => this.forgetConnection(state));
    this.log('debug', `connection ${state.id} opened`);
  }

  private connectionOf(link: RheaLink): ConnectionState | undefined {
    return this.connections.get(link.connection);
  }

  private register(state: LinkState): void {
    this.linkStates.set(state.link, state);
    state.conn.links.add(state);
  }

  private authorize(conn: ConnectionState, path: string): void {
    if (this.options.sasKey === undefined) return;
    const now = this.options.clock.now();
    const normalized = path.toLowerCase();
    if (conn.grants.some((g) => g.expiresAt > now && tokenCovers(g.path, normalized))) return;
    throw new TwinError(
      AmqpCondition.UnauthorizedAccess,
      `Unauthorized access. A valid token for '${path}' is required (put-token on $cbs first).`,
    );
  }

  /** A client's sender attached: the server side is a receiver. */
  private onClientSender(ctx: RheaContext): void {
    const receiver = ctx.receiver as RheaReceiver;
    const conn = this.connectionOf(receiver);
    const address = receiver.remote.attach?.target?.address;
    receiver.set_target({ address });
    if (conn === undefined) {
      receiver.close({ condition: AmqpCondition.InternalError, description: 'Unknown connection.' });
      return;
    }
    if (!isString(address)) {
      receiver.close({
        condition: AmqpCondition.NotAllowed,
        description: 'The attach has no target address.',
      });
      return;
    }
    if (address === '$cbs') {
      this.register({ kind: 'cbs', link: receiver, conn, target: undefined, closed: false });
      return;
    }
    try {
      const resolved = this.options.broker.resolve(address, this.options.autoCreate);
      if (resolved === undefined) throw entityNotFound(parseAddress(address).entityPath);
      const path = parseAddress(address).entityPath;
      if (resolved.management) {
        this.authorize(conn, `${path}/$management`);
        this.register({ kind: 'management', link: receiver, conn, target: resolved, closed: false });
        return;
      }
      this.authorize(conn, path);
      const entity = resolved.entity;
      if (entity.kind === 'subscription' || resolved.subQueue !== 'active') {
        throw new TwinError(
          AmqpCondition.NotAllowed,
          `Cannot send messages to '${address}': it is not a queue or topic.`,
        );
      }
      this.options.broker.assertStatus(entity, 'send');
      receiver.local.attach.max_message_size = entity.sendOptions.maxMessageBytes;
      this.register({ kind: 'producer', link: receiver, conn, target: entity, closed: false });
    } catch (error) {
      const twinError = asTwinError(error);
      this.log('debug', `refused sender on '${address}': ${twinError.message}`);
      receiver.close(twinError.toAmqp());
    }
  }

  /** A client's receiver attached: the server side is a sender. */
  private onClientReceiver(ctx: RheaContext): void {
    const sender = ctx.sender as RheaSender;
    const conn = this.connectionOf(sender);
    const remote = sender.remote.attach ?? {};
    const address = remote.source?.address;
    if (remote.snd_settle_mode !== undefined) sender.local.attach.snd_settle_mode = remote.snd_settle_mode;
    if (remote.rcv_settle_mode !== undefined) sender.local.attach.rcv_settle_mode = remote.rcv_settle_mode;
    sender.set_source(remote.source ?? {});
    if (conn === undefined || !isString(address)) {
      sender.close({ condition: AmqpCondition.NotAllowed, description: 'The attach has no source address.' });
      return;
    }
    if (address === '$cbs' || MANAGEMENT_SUFFIX.test(address)) {
      const replyTo = remote.target?.address ?? sender.name;
      conn.replyLinks.set(replyTo, sender);
      if (sender.name !== replyTo) conn.replyLinks.set(sender.name, sender);
      this.register({ kind: 'reply', link: sender, conn, address: replyTo, closed: false });
      return;
    }
    const filter = remote.source?.filter ?? undefined;
    const wantsSession = filter !== undefined && filter !== null && Object.hasOwn(filter, SESSION_FILTER);
    try {
      const resolved = this.options.broker.resolve(address, this.options.autoCreate);
      if (resolved?.store === undefined) throw entityNotFound(parseAddress(address).entityPath);
      this.authorize(conn, parseAddress(address).entityPath);
      this.options.broker.assertStatus(resolved.entity, 'receive');
      const store = resolved.store;
      if (store.sessionful && !wantsSession) {
        throw new TwinError(
          AmqpCondition.NotAllowed,
          `It is not possible for an entity that requires sessions to create a non-sessionful message receiver ('${store.path}').`,
        );
      }
      if (!store.sessionful && wantsSession) {
        throw new TwinError(
          AmqpCondition.NotAllowed,
          `It is not possible for an entity that does not require sessions to create a sessionful message receiver ('${store.path}').`,
        );
      }
      this.patchDrain(sender);
      const consumer: ConsumerLink = {
        kind: 'consumer',
        link: sender,
        conn,
        store,
        peekLock: remote.snd_settle_mode !== 1,
        sessionful: store.sessionful,
        sessionId: undefined,
        owner: undefined,
        waitTask: undefined,
        drainAnswered: false,
        closed: false,
      };
      if (!store.sessionful) {
        this.register(consumer);
        this.consumersOf(store).add(consumer);
        this.pumpConsumer(consumer);
        return;
      }
      consumer.owner = {
        linkName: sender.name,
        sessionLost: (error) => {
          if (consumer.closed) return;
          this.forgetLink(consumer);
          sender.close(error.toAmqp());
        },
      };
      const requested = (filter as Record<string, unknown>)[SESSION_FILTER];
      if (requested !== undefined && requested !== null) {
        const record = store.acquireSession(String(requested), consumer.owner);
        this.register(consumer);
        this.grantSession(consumer, record.id, record.lockedUntil, false);
        return;
      }
      const record = store.acquireNextSession(consumer.owner);
      this.register(consumer);
      if (record !== undefined) {
        this.grantSession(consumer, record.id, record.lockedUntil, false);
        return;
      }
      this.waitForSession(consumer, remote.properties?.['com.microsoft:timeout']);
    } catch (error) {
      const twinError = asTwinError(error);
      this.log('debug', `refused receiver on '${address}': ${twinError.message}`);
      const state = this.linkStates.get(sender);
      if (state !== undefined) this.forgetLink(state);
      if (wantsSession) sender.local.attach.source = null;
      sender.close(twinError.toAmqp());
    }
  }

  /**
   * rhea only sets `drain` on a flow when credit remains, but a client waits for a drain echo even when its credit
   * was used up by transfers still in flight; answer every drain.
   */
  private patchDrain(sender: RheaSender): void {
    sender._get_drain = function (this: RheaSender): boolean {
      if (this._draining && this._drained) {
        this.delivery_count += this.credit;
        this.credit = 0;
        return true;
      }
      return false;
    };
  }

  private consumersOf(store: MessageStore): Set<ConsumerLink> {
    let set = this.consumers.get(store);
    if (set === undefined) {
      set = new Set();
      this.consumers.set(store, set);
    }
    return set;
  }

  private grantSession(
    consumer: ConsumerLink,
    sessionId: string,
    lockedUntil: number,
    deferredAttach: boolean,
  ): void {
    const sender = consumer.link;
    consumer.sessionId = sessionId;
    const address = sender.remote.attach?.source?.address;
    sender.set_source({ address, filter: { [SESSION_FILTER]: sessionId } });
    sender.local.attach.properties = {
      ...(sender.local.attach.properties ?? {}),
      'com.microsoft:locked-until-utc': amqp.types.wrap_long(msToTicks(lockedUntil)),
    };
    this.consumersOf(consumer.store).add(consumer);
    if (deferredAttach) sender.open();
    this.pumpConsumer(consumer);
  }

  /**
   * `acceptNextSession` with no session available: hold the attach (the service waits up to the client's
   * `com.microsoft:timeout`) until a session gets messages, then answer; on timeout refuse with `com.microsoft:timeout`.
   */
  private waitForSession(consumer: ConsumerLink, timeoutProperty: unknown): void {
    const sender = consumer.link;
    // rhea opened the link before dispatching sender_open; take the pending attach back.
    sender.state.local_open = false;
    if (sender.state.open_requests > 0) sender.state.open_requests--;
    const requested =
      typeof timeoutProperty === 'number' && timeoutProperty > 0 ? timeoutProperty : undefined;
    const waitMs = Math.min(requested ?? this.options.defaultSessionWaitMs ?? 60_000, 65_000);
    let set = this.waiters.get(consumer.store);
    if (set === undefined) {
      set = new Set();
      this.waiters.set(consumer.store, set);
    }
    set.add(consumer);
    consumer.waitTask = this.options.scheduler.schedule(this.options.clock.now() + waitMs, () => {
      consumer.waitTask = undefined;
      if (consumer.closed) return;
      this.removeWaiter(consumer);
      this.forgetLink(consumer);
      sender.local.attach.source = null;
      sender.open();
      sender.close({
        condition: AmqpCondition.Timeout,
        description: `No sessions available to accept on '${consumer.store.path}' within ${waitMs} ms.`,
      });
    });
  }

  private removeWaiter(consumer: ConsumerLink): void {
    this.options.scheduler.cancel(consumer.waitTask);
    consumer.waitTask = undefined;
    const set = this.waiters.get(consumer.store);
    if (set === undefined) return;
    set.delete(consumer);
    if (set.size === 0) this.waiters.delete(consumer.store);
  }

  private satisfyWaiters(store: MessageStore): void {
    const set = this.waiters.get(store);
    if (set === undefined) return;
    for (const consumer of [...set]) {
      if (consumer.closed || consumer.owner === undefined) {
        this.removeWaiter(consumer);
        continue;
      }
      const record = store.acquireNextSession(consumer.owner);
      if (record === undefined) return;
      this.removeWaiter(consumer);
      this.grantSession(consumer, record.id, record.lockedUntil, true);
    }
  }

  /** Delivers available messages of `store` to its consumers, round-robin. */
  private pump(store: MessageStore): void {
    if (store.sessionful) {
      this.satisfyWaiters(store);
      const set = this.consumers.get(store);
      if (set !== undefined) for (const consumer of set) this.pumpConsumer(consumer);
      return;
    }
    const set = this.consumers.get(store);
    if (set === undefined || set.size === 0) return;
    const list = [...set].filter((c) => !c.closed && c.link.is_open());
    const credits = list.map((c) => c.link.credit - unsentDeliveries(c.link));
    let progress = true;
    while (progress && store.hasAvailable()) {
      progress = false;
      for (let i = 0; i < list.length; i++) {
        const consumer = list[i] as ConsumerLink;
        if ((credits[i] as number) <= 0 || consumer.link.session.outgoing.available() <= 0) continue;
        const message = store.takeNext();
        if (message === undefined) break;
        this.deliver(consumer, message);
        credits[i] = (credits[i] as number) - 1;
        progress = true;
      }
    }
    // rotate for fairness
    const first = list[0];
    if (first !== undefined && set.size > 1) {
      set.delete(first);
      set.add(first);
    }
    for (const consumer of list) this.answerDrain(consumer);
  }

  private pumpConsumer(consumer: ConsumerLink): void {
    if (consumer.closed || !consumer.link.is_open()) return;
    if (consumer.sessionful && consumer.sessionId === undefined) return;
    const store = consumer.store;
    if (!store.sessionful && (this.consumers.get(store)?.size ?? 0) > 1) {
      this.pump(store);
      return;
    }
    let credit = consumer.link.credit - unsentDeliveries(consumer.link);
    while (credit > 0 && consumer.link.session.outgoing.available() > 0) {
      const message = store.takeNext(consumer.sessionId);
      if (message === undefined) break;
      this.deliver(consumer, message);
      credit--;
    }
    this.answerDrain(consumer);
  }

  private answerDrain(consumer: ConsumerLink): void {
    const sender = consumer.link;
    if (!sender._draining || consumer.drainAnswered || consumer.closed) return;
    if (unsentDeliveries(sender) > 0) {
      // answer only once the transfers already queued are written (they use the credit being drained)
      this.later(1, () => this.answerDrain(consumer));
      return;
    }
    consumer.drainAnswered = true;
    sender.set_drained(true);
    sender.connection._register();
  }

  private deliver(consumer: ConsumerLink, message: StoredMessage): void {
    const store = consumer.store;
    let tag: Buffer;
    let info: DeliveryInfo | undefined;
    let lockedUntil: number | undefined;
    if (consumer.peekLock) {
      const lock = store.lock(message, consumer.sessionId !== undefined);
      tag = lockTokenToDeliveryTag(lock.token);
      info = { store, token: lock.token };
      lockedUntil = lock.lockedUntil;
    } else {
      store.remove(message);
      tag = randomBytes(16);
    }
    const delivery = consumer.link.send(renderMessage(message, { lockedUntil }), tag);
    if (info !== undefined) delivery.twin = info;
  }

  private onDisposition(event: string, ctx: RheaContext): void {
    const delivery = ctx.delivery as RheaDelivery | undefined;
    if (delivery === undefined || ctx.sender === undefined) return;
    const info = delivery.twin as DeliveryInfo | undefined;
    if (info === undefined) {
      if (!delivery.settled) delivery.update(true);
      return;
    }
    if (delivery.settled) return;
    const state = delivery.remote_state ?? {};
    const props =
      state.message_annotations && typeof state.message_annotations === 'object'
        ? state.message_annotations
        : undefined;
    let reply: unknown;
    try {
      switch (event) {
        case 'accepted':
          info.store.complete(info.token);
          reply = outcomes.accepted();
          break;
        case 'modified':
          if (state.undeliverable_here === true) info.store.defer(info.token, props);
          else info.store.abandon(info.token, props);
          reply = outcomes.modified({
            undeliverable_here: state.undeliverable_here === true,
            delivery_failed: state.delivery_failed === true,
          });
          break;
        case 'released':
          // released = not processed: the lock goes, the delivery does not count
          info.store.abandon(info.token, undefined, false);
          reply = amqp.message.released().described();
          break;
        case 'rejected': {
          const error = state.error;
          const infoMap = (error?.info ?? {}) as Record<string, unknown>;
          const { DeadLetterReason, DeadLetterErrorDescription, ...rest } = infoMap;
          const isDeadLetter = error?.condition === AmqpCondition.DeadLetter;
          const reason = isDeadLetter ? DeadLetterReason : (error?.condition ?? 'Rejected');
          const description = isDeadLetter ? DeadLetterErrorDescription : error?.description;
          info.store.deadLetter(
            info.token,
            reason === undefined || reason === null ? undefined : String(reason),
            description === undefined || description === null ? undefined : String(description),
            isDeadLetter ? rest : undefined,
          );
          // The service settles a successful dead-lettering without an error (an error would fail the SDK's call).
          reply = amqp.message.rejected({}).described();
          break;
        }
        default:
          return;
      }
    } catch (error) {
      const twinError = asTwinError(error);
      reply = outcomes.rejected(twinError.toAmqp());
    }
    delivery.update(true, reply);
    // In rcv-settle-mode "second" the client settles locally after our settled disposition and sends nothing more;
    // rhea keeps an outgoing delivery until it is settled on both sides, so without this its session buffer
    // (2048 deliveries) would fill up and stall the link. The disposition queued above is still written.
    delivery.remote_settled = true;
  }

  private onMessage(ctx: RheaContext): void {
    const receiver = ctx.receiver;
    const delivery = ctx.delivery;
    if (receiver === undefined || delivery === undefined) return;
    const state = this.linkStates.get(receiver);
    if (state === undefined || state.closed) {
      delivery.update(
        true,
        outcomes.rejected({ condition: AmqpCondition.NotAllowed, description: 'Link is closed.' }),
      );
      return;
    }
    if (state.kind === 'producer') {
      this.onSend(state, ctx, delivery);
    } else if (state.kind === 'cbs') {
      delivery.update(true, outcomes.accepted());
      this.onPutToken(state, ctx.message as AmqpMessage);
    } else if (state.kind === 'management') {
      delivery.update(true, outcomes.accepted());
      this.onManagement(state, ctx.message as AmqpMessage);
    } else {
      delivery.update(
        true,
        outcomes.rejected({ condition: AmqpCondition.NotAllowed, description: 'Unexpected transfer.' }),
      );
    }
  }

  private onSend(state: ProducerLink, ctx: RheaContext, delivery: RheaDelivery): void {
    try {
      const target = state.target;
      if (target.deleted) throw entityNotFound(target.path);
      let messages: AmqpMessage[];
      let size: number;
      if (ctx.format === BATCH_FORMAT && Buffer.isBuffer(ctx.message)) {
        size = ctx.message.length;
        messages = decodeBatch(ctx.message);
      } else if (ctx.format === 0 || ctx.format === undefined) {
        const message = ctx.message as AmqpMessage;
        size = encodedSize(message);
        messages = [message];
      } else {
        throw new TwinError(AmqpCondition.NotImplemented, `Message format ${ctx.format} is not supported.`);
      }
      const limit = target.sendOptions.maxMessageBytes;
      if (size > limit) {
        throw new TwinError(
          AmqpCondition.MessageSizeExceeded,
          `The received message (delivery-id:${delivery.id}, size:${size} bytes) exceeds the limit (${limit} bytes) currently allowed on the link.`,
        );
      }
      this.options.broker.send(target, messages);
      delivery.update(true, outcomes.accepted());
    } catch (error) {
      const twinError = asTwinError(error);
      this.log('debug', `refused transfer to '${state.target.path}': ${twinError.message}`);
      delivery.update(true, outcomes.rejected(twinError.toAmqp()));
    }
  }

  private reply(
    conn: ConnectionState,
    request: AmqpMessage,
    applicationProperties: Record<string, unknown>,
    body?: unknown,
  ): void {
    const replyTo = request.reply_to;
    const link = isString(replyTo) ? conn.replyLinks.get(replyTo) : undefined;
    if (link === undefined || !link.is_open()) {
      this.log('warn', `no reply link '${String(replyTo)}' for a request`);
      return;
    }
    const response: AmqpMessage = {
      correlation_id: request.message_id ?? '',
      application_properties: applicationProperties,
    };
    if (body !== undefined) response.body = body;
    const delivery = link.send(response);
    delivery.settled = true;
  }

  private onPutToken(state: RequestLink, request: AmqpMessage): void {
    const props = request.application_properties ?? {};
    if (props.operation !== 'put-token') {
      this.reply(state.conn, request, {
        'status-code': 400,
        'status-description': `Unsupported $cbs operation '${String(props.operation)}'.`,
      });
      return;
    }
    const result = checkPutToken(
      { audience: String(props.name ?? ''), tokenType: String(props.type ?? ''), token: request.body },
      this.options.sasKey,
      this.options.clock.now(),
    );
    if (!result.ok) {
      this.reply(state.conn, request, {
        'status-code': result.statusCode,
        'status-description': result.description,
      });
      return;
    }
    if (this.options.sasKey !== undefined) {
      const grants = state.conn.grants;
      const now = this.options.clock.now();
      for (let i = grants.length - 1; i >= 0; i--) {
        const grant = grants[i];
        if (grant !== undefined && (grant.expiresAt <= now || grant.path === result.path))
          grants.splice(i, 1);
      }
      grants.push({ path: result.path, expiresAt: result.expiresAt });
    }
    this.reply(state.conn, request, { 'status-code': 202, 'status-description': 'Accepted' });
  }

  private onManagement(state: RequestLink, request: AmqpMessage): void {
    const target = state.target;
    if (target === undefined) return;
    const appProps = request.application_properties ?? {};
    const body =
      request.body !== null && typeof request.body === 'object' && !Buffer.isBuffer(request.body)
        ? request.body
        : {};
    const result = handleManagement(
      { broker: this.options.broker, target },
      {
        operation: String(appProps.operation ?? ''),
        body: body as Record<string, unknown>,
        applicationProperties: appProps,
      },
    );
    const props: Record<string, unknown> = {
      statusCode: result.statusCode,
      statusDescription: result.statusDescription,
    };
    if (result.errorCondition !== undefined) props.errorCondition = result.errorCondition;
    this.reply(state.conn, request, props, result.body);
  }

  private forgetLink(state: LinkState): void {
    if (state.closed) return;
    state.closed = true;
    state.conn.links.delete(state);
    if (state.kind === 'reply') {
      if (state.conn.replyLinks.get(state.address) === state.link)
        state.conn.replyLinks.delete(state.address);
      if (state.conn.replyLinks.get(state.link.name) === state.link)
        state.conn.replyLinks.delete(state.link.name);
      return;
    }
    if (state.kind !== 'consumer') return;
    this.removeWaiter(state);
    const set = this.consumers.get(state.store);
    if (set !== undefined) {
      set.delete(state);
      if (set.size === 0) this.consumers.delete(state.store);
    }
    if (state.sessionId !== undefined && state.owner !== undefined) {
      state.store.releaseSession(state.sessionId, state.owner);
    }
  }

  private forgetConnection(state: ConnectionState): void {
    if (state.closed) return;
    state.closed = true;
    for (const link of [...state.links]) this.forgetLink(link);
    state.replyLinks.clear();
    this.connections.delete(state.connection);
    this.log('debug', `connection ${state.id} closed`);
  }
}
