/**
 * The environment variables a deployed function receives, defined in one place: the CDK function construct writes
 * them and the runtime's environment-based configuration (`omnibus/env` → the AWS adapter) reads them. Pure: no CDK
 * and no SDK import, so the adapter can import it without loading `aws-cdk-lib`.
 *
 * | variable | value |
 * |---|---|
 * | `OMNIBUS_ADAPTER` | `aws` |
 * | `OMNIBUS_AWS_NAME_PREFIX` | the name prefix of every queue and topic (only when not empty) |
 * | `OMNIBUS_AWS_ACCOUNT_ID` | the account, so topic ARNs can be built instead of listed |
 * | `OMNIBUS_AWS_QUEUE_URL_<KEY>` | the URL of one queue the function uses (its source, its dead-letter queue, the queues it sends to); KEY from the queue's path (`billing`, `orders/email` for a subscription's queue) |
 * | `OMNIBUS_AWS_TOPIC_ARN_<KEY>` | the ARN of one topic the function publishes to |
 * | `OMNIBUS_IDEMPOTENCY_TABLE` | the idempotency table's name |
 * | `OMNIBUS_SOURCE` | the path of the declaration the function is bound to (`billing`, `orders/email`) |
 *
 * @example
 * ```ts
 * queueUrlVariable('orders/email'); // 'OMNIBUS_AWS_QUEUE_URL_ORDERS__EMAIL'
 * readAwsEnvironment(process.env).queueUrls.get('orders/email'); // 'https://sqs…/orders-email'
 * ```
 * @module
 */

/**
 * Names of the fixed variables.
 *
 * @example
 * ```ts
 * process.env[ENVIRONMENT.idempotencyTable]; // the table name, in a function with idempotency
 * ```
 */
export const ENVIRONMENT = {
  /** Which adapter `omnibus/env` loads: `aws`. */
  adapter: 'OMNIBUS_ADAPTER',
  /** The prefix of every physical queue and topic name (the AWS adapter's `namePrefix`). */
  namePrefix: 'OMNIBUS_AWS_NAME_PREFIX',
  /** The AWS account id (the AWS adapter's `accountId`). */
  accountId: 'OMNIBUS_AWS_ACCOUNT_ID',
  /** The idempotency table name. */
  idempotencyTable: 'OMNIBUS_IDEMPOTENCY_TABLE',
  /** The path of the declaration a function consumes. */
  source: 'OMNIBUS_SOURCE',
} as const;

/**
 * Prefix of the per-queue URL variables.
 *
 * @example
 * ```ts
 * `${QUEUE_URL_PREFIX}BILLING`; // 'OMNIBUS_AWS_QUEUE_URL_BILLING'
 * ```
 */
export const QUEUE_URL_PREFIX = 'OMNIBUS_AWS_QUEUE_URL_';
/**
 * Prefix of the per-topic ARN variables.
 *
 * @example
 * ```ts
 * `${TOPIC_ARN_PREFIX}ORDERS`; // 'OMNIBUS_AWS_TOPIC_ARN_ORDERS'
 * ```
 */
export const TOPIC_ARN_PREFIX = 'OMNIBUS_AWS_TOPIC_ARN_';

/**
 * The variable-name key of a declaration path: upper case, `/` (topic/subscription) as `__`, any other character
 * that is not a letter or digit as `_`. Distinct paths can share a key (`a-b`, `a_b`); the CDK lint refuses that.
 *
 * @example
 * ```ts
 * environmentKey('order-placed/email'); // 'ORDER_PLACED__EMAIL'
 * ```
 */
export function environmentKey(path: string): string {
  return path
    .split('/')
    .map((part) => part.toUpperCase().replace(/[^A-Z0-9]/g, '_'))
    .join('__');
}

/**
 * The variable holding the URL of the queue of a queue or subscription path.
 *
 * @example
 * ```ts
 * queueUrlVariable('billing-dlq'); // 'OMNIBUS_AWS_QUEUE_URL_BILLING_DLQ'
 * ```
 */
export function queueUrlVariable(path: string): string {
  return QUEUE_URL_PREFIX + environmentKey(path);
}

/**
 * The variable holding the ARN of a topic.
 *
 * @example
 * ```ts
 * topicArnVariable('order-placed'); // 'OMNIBUS_AWS_TOPIC_ARN_ORDER_PLACED'
 * ```
 */
export function topicArnVariable(name: string): string {
  return TOPIC_ARN_PREFIX + environmentKey(name);
}

/** What the AWS adapter reads back (see the module table). */
export interface AwsEnvironment {
  readonly namePrefix: string | undefined;
  readonly accountId: string | undefined;
  readonly idempotencyTable: string | undefined;
  readonly source: string | undefined;
  /** Queue URL by variable key (see {@link environmentKey}). */
  readonly queueUrls: ReadonlyMap<string, string>;
  /** Topic ARN by variable key. */
  readonly topicArns: ReadonlyMap<string, string>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Reads the variables the CDK constructs write. Look entries up with `environmentKey(path)`:
 * `env.queueUrls.get(environmentKey('orders/email'))`.
 *
 * @example
 * ```ts
 * const env = readAwsEnvironment(process.env);
 * const url = env.queueUrls.get(environmentKey('billing')); // undefined when not wired: look the queue up by name
 * ```
 */
export function readAwsEnvironment(env: Readonly<Record<string, string | undefined>>): AwsEnvironment {
  const queueUrls = new Map<string, string>();
  const topicArns = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name.startsWith(QUEUE_URL_PREFIX)) queueUrls.set(name.slice(QUEUE_URL_PREFIX.length), value);
    else if (name.startsWith(TOPIC_ARN_PREFIX)) topicArns.set(name.slice(TOPIC_ARN_PREFIX.length), value);
  }
  return {
    namePrefix: nonEmpty(env[ENVIRONMENT.namePrefix]),
    accountId: nonEmpty(env[ENVIRONMENT.accountId]),
    idempotencyTable: nonEmpty(env[ENVIRONMENT.idempotencyTable]),
    source: nonEmpty(env[ENVIRONMENT.source]),
    queueUrls,
    topicArns,
  };
}
