/**
 * `$management` request handlers: the request/response operations `@azure/service-bus` 7.9 sends on
 * `<entity>/$management` (peek, renew-lock, schedule, cancel, receive-by-sequence-number, update-disposition,
 * session lock/state, sessions listing and subscription rules).
 */
import { type AmqpMessage, amqp, lockTokenFromWire, longFromWire, wire } from './amqp.js';
import type { Broker, ResolvedAddress, SendTarget, SubscriptionEntity } from './entities.js';
import { AmqpCondition, asTwinError, entityNotFound, TwinError } from './errors.js';
import { renderMessage } from './message.js';
import { encodeRuleDescription, ruleFromWire } from './rules.js';
import type { MessageStore } from './store.js';

/**
 * Operation names (`application_properties.operation`).
 *
 * @example
 * ```ts
 * handleManagement(scope, { operation: ManagementOperations.peekMessage, body, applicationProperties: {} });
 * ```
 */
export const ManagementOperations = {
  renewLock: 'com.microsoft:renew-lock',
  peekMessage: 'com.microsoft:peek-message',
  scheduleMessage: 'com.microsoft:schedule-message',
  cancelScheduledMessage: 'com.microsoft:cancel-scheduled-message',
  receiveBySequenceNumber: 'com.microsoft:receive-by-sequence-number',
  updateDisposition: 'com.microsoft:update-disposition',
  renewSessionLock: 'com.microsoft:renew-session-lock',
  setSessionState: 'com.microsoft:set-session-state',
  getSessionState: 'com.microsoft:get-session-state',
  getMessageSessions: 'com.microsoft:get-message-sessions',
  addRule: 'com.microsoft:add-rule',
  removeRule: 'com.microsoft:remove-rule',
  enumerateRules: 'com.microsoft:enumerate-rules',
} as const;

/**
 * A `$management` request.
 *
 * @example
 * ```ts
 * const request: ManagementRequest = { operation: 'com.microsoft:peek-message', body: { 'from-sequence-number': 1, 'message-count': 10 }, applicationProperties: {} };
 * ```
 */
export interface ManagementRequest {
  operation: string;
  body: Record<string, unknown>;
  applicationProperties: Record<string, unknown>;
}

/**
 * A `$management` reply (`statusCode`, `statusDescription`, optional `errorCondition`, body).
 *
 * @example
 * ```ts
 * const reply: ManagementReply = { statusCode: 200, statusDescription: 'OK', body: { expirations: [...] } };
 * ```
 */
export interface ManagementReply {
  statusCode: number;
  statusDescription: string;
  errorCondition?: string;
  body?: unknown;
}

/**
 * What a management request applies to.
 *
 * @example
 * ```ts
 * handleManagement({ broker, target: broker.resolve('q/$management')! }, request);
 * ```
 */
export interface ManagementScope {
  broker: Broker;
  target: ResolvedAddress;
}

const ok = (body?: unknown): ManagementReply =>
  body === undefined
    ? { statusCode: 200, statusDescription: 'OK' }
    : { statusCode: 200, statusDescription: 'OK', body };
const noContent = (): ManagementReply => ({ statusCode: 204, statusDescription: 'No Content' });

function requireStore(scope: ManagementScope): MessageStore {
  const store = scope.target.store;
  if (store === undefined) {
    throw new TwinError(
      AmqpCondition.NotAllowed,
      `The operation is not supported on topic '${scope.target.entity.path}'.`,
    );
  }
  return store;
}

function requireSendTarget(scope: ManagementScope): SendTarget {
  const entity = scope.target.entity;
  if (entity.kind === 'subscription' || scope.target.subQueue !== 'active') {
    throw new TwinError(AmqpCondition.NotAllowed, `Messages cannot be scheduled on '${entity.path}'.`);
  }
  return entity;
}

function requireSubscription(scope: ManagementScope): SubscriptionEntity {
  const entity = scope.target.entity;
  if (entity.kind !== 'subscription') {
    throw new TwinError(
      AmqpCondition.NotAllowed,
      `Rules exist only on subscriptions, not on '${entity.path}'.`,
    );
  }
  return entity;
}

function asArray(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return [];
  return [value];
}

function sequenceNumbers(body: Record<string, unknown>): number[] {
  return asArray(body['sequence-numbers']).map((v) => {
    const n = longFromWire(v);
    if (n === undefined) throw new TwinError(AmqpCondition.ArgumentError, 'Invalid sequence number.');
    return n;
  });
}

function lockTokens(body: Record<string, unknown>): string[] {
  return asArray(body['lock-tokens']).map((v) => {
    const token = lockTokenFromWire(v);
    if (token === undefined) throw new TwinError(AmqpCondition.ArgumentError, 'Invalid lock token.');
    return token;
  });
}

function sessionIdOf(body: Record<string, unknown>): string | undefined {
  const id = body['session-id'];
  return id === undefined || id === null ? undefined : String(id);
}

function requireSessionId(body: Record<string, unknown>): string {
  const id = sessionIdOf(body);
  if (id === undefined) throw new TwinError(AmqpCondition.ArgumentError, 'The session-id is missing.');
  return id;
}

function requireSessionful(store: MessageStore): void {
  if (!store.sessionful) {
    throw new TwinError(AmqpCondition.NotAllowed, `The entity '${store.path}' does not require sessions.`);
  }
}

function linkName(request: ManagementRequest): string | undefined {
  const name = request.applicationProperties['associated-link-name'];
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

function plainMap(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || Array.isArray(value))
    return undefined;
  return value as Record<string, unknown>;
}

type Handler = (scope: ManagementScope, request: ManagementRequest) => ManagementReply;

const handlers: Record<string, Handler> = {
  [ManagementOperations.renewLock]: (scope, request) => {
    const store = requireStore(scope);
    const expirations = lockTokens(request.body).map((token) => store.renewLock(token));
    return ok({ expirations: wire.timestampArray(expirations) });
  },

  [ManagementOperations.peekMessage]: (scope, request) => {
    const store = requireStore(scope);
    const from = longFromWire(request.body['from-sequence-number']) ?? 1;
    const count = Number(request.body['message-count'] ?? 1);
    const messages = store.peek(from, count, sessionIdOf(request.body));
    if (messages.length === 0) return noContent();
    return ok({
      messages: messages.map((m) => ({
        message: amqp.message.encode(renderMessage(m, { lockedUntil: m.lock?.lockedUntil })),
      })),
    });
  },

  [ManagementOperations.scheduleMessage]: (scope, request) => {
    const target = requireSendTarget(scope);
    const messages: AmqpMessage[] = asArray(request.body.messages).map((entry) => {
      const encoded = plainMap(entry)?.message;
      if (!Buffer.isBuffer(encoded))
        throw new TwinError(AmqpCondition.ArgumentError, 'A scheduled message is missing.');
      return amqp.message.decode(encoded);
    });
    const seqs = scope.broker.schedule(target, messages);
    return ok({ 'sequence-numbers': wire.longArray(seqs) });
  },

  [ManagementOperations.cancelScheduledMessage]: (scope, request) => {
    scope.broker.cancelScheduled(requireSendTarget(scope), sequenceNumbers(request.body));
    return ok();
  },

  [ManagementOperations.receiveBySequenceNumber]: (scope, request) => {
    const store = requireStore(scope);
    const mode = Number(request.body['receiver-settle-mode'] ?? 1);
    const received = store.receiveDeferred(
      sequenceNumbers(request.body),
      mode !== 0,
      sessionIdOf(request.body),
    );
    return ok({
      messages: received.map(({ message, lock }) => {
        const entry: Record<string, unknown> = {
          message: amqp.message.encode(renderMessage(message, { lockedUntil: lock?.lockedUntil })),
        };
        if (lock !== undefined) entry['lock-token'] = wire.uuid(lock.token);
        return entry;
      }),
    });
  },

  [ManagementOperations.updateDisposition]: (scope, request) => {
    const store = requireStore(scope);
    const status = String(request.body['disposition-status'] ?? '').toLowerCase();
    const props = plainMap(request.body['properties-to-modify']);
    const reason = request.body['deadletter-reason'];
    const description = request.body['deadletter-description'];
    for (const token of lockTokens(request.body)) {
      switch (status) {
        case 'completed':
          store.complete(token);
          break;
        case 'abandoned':
          store.abandon(token, props);
          break;
        case 'defered':
        case 'deferred':
          store.defer(token, props);
          break;
        case 'suspended':
          store.deadLetter(
            token,
            reason === undefined || reason === null ? undefined : String(reason),
            description === undefined || description === null ? undefined : String(description),
            props,
          );
          break;
        default:
          throw new TwinError(AmqpCondition.ArgumentError, `Unknown disposition status '${status}'.`);
      }
    }
    return ok();
  },

  [ManagementOperations.renewSessionLock]: (scope, request) => {
    const store = requireStore(scope);
    requireSessionful(store);
    const until = store.renewSession(requireSessionId(request.body), linkName(request));
    return ok({ expiration: new Date(until) });
  },

  [ManagementOperations.setSessionState]: (scope, request) => {
    const store = requireStore(scope);
    requireSessionful(store);
    const raw = request.body['session-state'];
    const state =
      raw === undefined || raw === null ? undefined : Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
    store.setSessionState(requireSessionId(request.body), state, linkName(request));
    return ok();
  },

  [ManagementOperations.getSessionState]: (scope, request) => {
    const store = requireStore(scope);
    requireSessionful(store);
    const state = store.getSessionState(requireSessionId(request.body), linkName(request));
    return ok({ 'session-state': state ?? null });
  },

  [ManagementOperations.getMessageSessions]: (scope, request) => {
    const store = requireStore(scope);
    requireSessionful(store);
    const skip = Number(request.body.skip ?? 0);
    const top = Number(request.body.top ?? 100);
    const ids = store.listSessions().slice(skip, skip + top);
    if (ids.length === 0) return noContent();
    return ok({ skip: wire.int(skip + ids.length), 'sessions-ids': wire.stringArray(ids) });
  },

  [ManagementOperations.addRule]: (scope, request) => {
    const sub = requireSubscription(scope);
    const name = request.body['rule-name'];
    if (typeof name !== 'string')
      throw new TwinError(AmqpCondition.ArgumentError, 'The rule-name is missing.');
    scope.broker.addRule(sub, ruleFromWire(name, request.body['rule-description']));
    return ok();
  },

  [ManagementOperations.removeRule]: (scope, request) => {
    const sub = requireSubscription(scope);
    const name = request.body['rule-name'];
    if (typeof name !== 'string')
      throw new TwinError(AmqpCondition.ArgumentError, 'The rule-name is missing.');
    scope.broker.removeRule(sub, name);
    return ok();
  },

  [ManagementOperations.enumerateRules]: (scope, request) => {
    const sub = requireSubscription(scope);
    const skip = Number(request.body.skip ?? 0);
    const top = Number(request.body.top ?? 2_147_483_647);
    const rules = [...sub.rules.values()].slice(skip, skip + top);
    if (rules.length === 0) return noContent();
    return ok({ rules: rules.map((rule) => ({ 'rule-description': encodeRuleDescription(rule) })) });
  },
};

/**
 * Runs one `$management` operation and returns the reply (errors become error replies with the service's status
 * code and AMQP condition).
 *
 * @example
 * ```ts
 * const reply = handleManagement(scope, { operation: 'com.microsoft:renew-lock', body, applicationProperties });
 * ```
 */
export function handleManagement(scope: ManagementScope, request: ManagementRequest): ManagementReply {
  try {
    if (scope.target.entity.deleted) throw entityNotFound(scope.target.entity.path);
    const handler = handlers[request.operation];
    if (handler === undefined) {
      throw new TwinError(
        AmqpCondition.NotImplemented,
        `The operation '${request.operation}' is not supported by the twin.`,
      );
    }
    return handler(scope, request);
  } catch (error) {
    const twinError = asTwinError(error);
    return {
      statusCode: twinError.statusCode,
      statusDescription: twinError.message,
      errorCondition: twinError.condition,
    };
  }
}
