/**
 * AMQP error conditions the real Service Bus uses, and the typed SDK error each one becomes in
 * `@azure/service-bus` 7.9 (via `@azure/core-amqp`'s `ConditionErrorNameMapper` and the SDK's
 * `wellKnownMessageCodesToServiceBusCodes`):
 *
 * | condition | `ServiceBusError.code` |
 * | --- | --- |
 * | `amqp:not-found` + "The messaging entity '…' could not be found." | `MessagingEntityNotFound` |
 * | `amqp:link:message-size-exceeded` | `MessageSizeExceeded` |
 * | `com.microsoft:message-lock-lost` | `MessageLockLost` |
 * | `com.microsoft:session-lock-lost` | `SessionLockLost` |
 * | `com.microsoft:session-cannot-be-locked` | `SessionCannotBeLocked` |
 * | `com.microsoft:message-not-found` | `MessageNotFound` |
 * | `com.microsoft:entity-already-exists` | `MessagingEntityAlreadyExists` |
 * | `com.microsoft:entity-disabled` | `MessagingEntityDisabled` |
 * | `amqp:resource-limit-exceeded` | `QuotaExceeded` |
 * | `amqp:unauthorized-access` | `UnauthorizedAccess` |
 * | `com.microsoft:timeout` | `ServiceTimeout` |
 * | `com.microsoft:server-busy` | `ServiceBusy` |
 * | anything else (`amqp:not-allowed`, `com.microsoft:argument-error`, …) | `GeneralError` |
 *
 * @example
 * ```ts
 * throw new TwinError(AmqpCondition.MessageLockLost, 'The lock supplied is invalid.');
 * ```
 */
export const AmqpCondition = {
  NotFound: 'amqp:not-found',
  NotAllowed: 'amqp:not-allowed',
  NotImplemented: 'amqp:not-implemented',
  InternalError: 'amqp:internal-error',
  DecodeError: 'amqp:decode-error',
  UnauthorizedAccess: 'amqp:unauthorized-access',
  ResourceLimitExceeded: 'amqp:resource-limit-exceeded',
  MessageSizeExceeded: 'amqp:link:message-size-exceeded',
  DetachForced: 'amqp:link:detach-forced',
  ConnectionForced: 'amqp:connection:forced',
  MessageLockLost: 'com.microsoft:message-lock-lost',
  SessionLockLost: 'com.microsoft:session-lock-lost',
  SessionCannotBeLocked: 'com.microsoft:session-cannot-be-locked',
  MessageNotFound: 'com.microsoft:message-not-found',
  EntityAlreadyExists: 'com.microsoft:entity-already-exists',
  EntityDisabled: 'com.microsoft:entity-disabled',
  ArgumentError: 'com.microsoft:argument-error',
  ArgumentOutOfRange: 'com.microsoft:argument-out-of-range',
  Timeout: 'com.microsoft:timeout',
  ServerBusy: 'com.microsoft:server-busy',
  DeadLetter: 'com.microsoft:dead-letter',
} as const;

/**
 * One of the {@link AmqpCondition} values.
 *
 * @example
 * ```ts
 * const c: AmqpConditionValue = AmqpCondition.NotFound;
 * ```
 */
export type AmqpConditionValue = (typeof AmqpCondition)[keyof typeof AmqpCondition];

const STATUS: Record<AmqpConditionValue, number> = {
  'amqp:not-found': 404,
  'amqp:not-allowed': 400,
  'amqp:not-implemented': 501,
  'amqp:internal-error': 500,
  'amqp:decode-error': 400,
  'amqp:unauthorized-access': 401,
  'amqp:resource-limit-exceeded': 403,
  'amqp:link:message-size-exceeded': 403,
  'amqp:link:detach-forced': 410,
  'amqp:connection:forced': 410,
  'com.microsoft:message-lock-lost': 410,
  'com.microsoft:session-lock-lost': 410,
  'com.microsoft:session-cannot-be-locked': 410,
  'com.microsoft:message-not-found': 404,
  'com.microsoft:entity-already-exists': 409,
  'com.microsoft:entity-disabled': 400,
  'com.microsoft:argument-error': 400,
  'com.microsoft:argument-out-of-range': 400,
  'com.microsoft:timeout': 408,
  'com.microsoft:server-busy': 503,
  'com.microsoft:dead-letter': 400,
};

/**
 * An error the twin answers on the wire: as a link detach, a rejected disposition or a `$management` reply.
 *
 * @example
 * ```ts
 * try { twin.createQueue('q'); twin.createQueue('q'); }
 * catch (e) { if (e instanceof TwinError) console.log(e.condition); } // com.microsoft:entity-already-exists
 * ```
 */
export class TwinError extends Error {
  /** HTTP-like status used in `$management` / `$cbs` replies. */
  readonly statusCode: number;

  constructor(
    readonly condition: AmqpConditionValue,
    message: string,
    statusCode?: number,
  ) {
    super(message);
    this.name = 'TwinError';
    this.statusCode = statusCode ?? STATUS[condition];
  }

  /** The AMQP `error` composite for detach frames and rejected outcomes. */
  toAmqp(): { condition: string; description: string } {
    return { condition: this.condition, description: this.message };
  }
}

/**
 * The refusal for an address that names no entity. The description matches the SDK's regular expression
 * `/The messaging entity .* could not be found/`, which is how the SDK tells "entity not found" apart
 * from other `amqp:not-found` errors.
 *
 * @example
 * ```ts
 * link.close(entityNotFound('orders').toAmqp());
 * ```
 */
export function entityNotFound(path: string): TwinError {
  return new TwinError(
    AmqpCondition.NotFound,
    `The messaging entity '${path}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
  );
}

/**
 * The refusal for a settlement or renewal whose message lock is gone.
 *
 * @example
 * ```ts
 * delivery.update(true, rejected(lockLost().toAmqp()));
 * ```
 */
export function lockLost(): TwinError {
  return new TwinError(
    AmqpCondition.MessageLockLost,
    'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
  );
}

/**
 * The refusal for an operation on a session the caller no longer holds.
 *
 * @example
 * ```ts
 * throw sessionLockLost('s1');
 * ```
 */
export function sessionLockLost(sessionId?: string): TwinError {
  const which = sessionId === undefined ? 'the MessageSession' : `the MessageSession '${sessionId}'`;
  return new TwinError(
    AmqpCondition.SessionLockLost,
    `The session lock has expired on ${which}. Accept a new MessageSession.`,
  );
}

/**
 * Normalizes anything thrown inside the twin into a {@link TwinError} (unknown errors become `amqp:internal-error`).
 *
 * @example
 * ```ts
 * catch (e) { reply(asTwinError(e)); }
 * ```
 */
export function asTwinError(error: unknown): TwinError {
  if (error instanceof TwinError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new TwinError(AmqpCondition.InternalError, message);
}
