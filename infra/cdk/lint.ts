/**
 * The configuration lint: rules checked at synth time (each construct registers the rules about itself as a CDK
 * validation, so `cdk synth` fails with every finding and the construct path it belongs to). Pure: the rules take
 * plain numbers and names, no CDK import.
 *
 * | rule | refuses |
 * |---|---|
 * | `visibility-timeout` | a queue whose visibility timeout is below 6 × the timeout of the function consuming it |
 * | `max-receive-count` | a redrive `maxReceiveCount` other than the declaration's max attempts, or a retry policy whose backoff outlives the queue's retention |
 * | `fifo-subscription` | a FIFO topic subscribed by a standard queue, or a standard topic by a FIFO queue |
 * | `dead-letter-type` | a dead-letter queue of another type (FIFO / standard) than its source |
 * | `entity-type` | an adopted queue or topic of another type (FIFO / standard) than its declaration needs |
 * | `filter-policy` | a subscription filter SNS cannot express |
 * | `undeclared-binding` | a function bound to (or sending to) a queue or topic its declarations do not declare |
 * | `environment-key` | two entities of one function sharing an environment variable name |
 *
 * @example
 * ```ts
 * visibilityFindings({ queue: 'queue "billing"', visibilitySeconds: 30, consumer: 'function "bill"', timeoutSeconds: 10 });
 * // [{ rule: 'visibility-timeout', subject: 'queue "billing"', message: 'visibility timeout 30 s is below … 60 s' }]
 * ```
 * @module
 */
import type { RetryPolicy } from '../../core/declarations.js';

/** The lint rules. */
export type LintRule =
  | 'visibility-timeout'
  | 'max-receive-count'
  | 'fifo-subscription'
  | 'dead-letter-type'
  | 'entity-type'
  | 'filter-policy'
  | 'undeclared-binding'
  | 'environment-key';

/** One problem found. */
export interface LintFinding {
  readonly rule: LintRule;
  /** What it is about, e.g. `queue "billing" (SQS demo-billing)`. */
  readonly subject: string;
  readonly message: string;
}

/**
 * AWS's recommendation: a queue's visibility timeout is at least this many times its consumer's timeout.
 *
 * @example
 * ```ts
 * const longestTimeout = leaseSeconds / VISIBILITY_TIMEOUT_FACTOR; // 5 s for a 30 s lease
 * ```
 */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/**
 * The text of a finding as CDK reports it: `omnibus lint <rule>: <subject>: <message>`.
 *
 * @example
 * ```ts
 * formatFinding({ rule: 'filter-policy', subject: 'subscription "a/b"', message: '…' });
 * ```
 */
export function formatFinding(finding: LintFinding): string {
  return `omnibus lint ${finding.rule}: ${finding.subject}: ${finding.message}`;
}

/** Input of {@link visibilityFindings}. */
export interface VisibilityCheck {
  readonly queue: string;
  readonly visibilitySeconds: number;
  readonly consumer: string;
  readonly timeoutSeconds: number;
}

/**
 * `visibility-timeout`: the visibility timeout must be at least 6 × the consumer's timeout, or a message becomes
 * visible again while the first invocation still runs.
 *
 * @example
 * ```ts
 * visibilityFindings({ queue: 'q', visibilitySeconds: 60, consumer: 'f', timeoutSeconds: 10 }); // []
 * ```
 */
export function visibilityFindings(check: VisibilityCheck): LintFinding[] {
  const needed = VISIBILITY_TIMEOUT_FACTOR * check.timeoutSeconds;
  if (check.visibilitySeconds >= needed) return [];
  return [
    {
      rule: 'visibility-timeout',
      subject: check.queue,
      message:
        `visibility timeout ${check.visibilitySeconds} s is below ${VISIBILITY_TIMEOUT_FACTOR} × the timeout of ` +
        `${check.consumer} (${check.timeoutSeconds} s) = ${needed} s; raise the declaration's leaseSeconds to at ` +
        `least ${needed} or lower the function timeout to at most ${Math.floor(check.visibilitySeconds / VISIBILITY_TIMEOUT_FACTOR)} s`,
    },
  ];
}

/** Input of {@link redriveFindings}. */
export interface RedriveCheck {
  readonly queue: string;
  /** The redrive policy's value, or undefined when the queue has none. */
  readonly maxReceiveCount: number | undefined;
  /** What the declaration requires (`specOf(…).maxDeliveries`), undefined when it has no dead-letter queue. */
  readonly expected: number | undefined;
  readonly maxAttempts: number;
  readonly retry: Required<RetryPolicy>;
  readonly leaseSeconds: number;
  readonly retentionSeconds: number;
}

/**
 * The longest time the retries of one message can take: every lease spent plus every backoff (no jitter).
 *
 * @example
 * ```ts
 * longestRetrySeconds({ initialDelaySeconds: 1, maxDelaySeconds: 300, multiplier: 2, jitter: true }, 3, 30); // 93
 * ```
 */
export function longestRetrySeconds(
  retry: Required<RetryPolicy>,
  maxAttempts: number,
  leaseSeconds: number,
): number {
  let total = 0;
  for (let attempt = 1; attempt < maxAttempts; attempt++) {
    const delay = retry.initialDelaySeconds * retry.multiplier ** (attempt - 1);
    total += leaseSeconds + Math.min(delay, retry.maxDelaySeconds);
  }
  return total + leaseSeconds;
}

/**
 * `max-receive-count`: the redrive policy's `maxReceiveCount` must be the declaration's (its max attempts), and
 * the retry backoff must fit in the queue's retention, or messages expire before their last attempt.
 *
 * @example
 * ```ts
 * redriveFindings({ queue: 'q', maxReceiveCount: 2, expected: 5, maxAttempts: 5, … }); // one finding
 * ```
 */
export function redriveFindings(check: RedriveCheck): LintFinding[] {
  const findings: LintFinding[] = [];
  const subject = check.queue;
  if (check.expected !== undefined && check.maxReceiveCount !== check.expected) {
    const got =
      check.maxReceiveCount === undefined ? 'no redrive policy' : `maxReceiveCount ${check.maxReceiveCount}`;
    const effect =
      check.maxReceiveCount !== undefined && check.maxReceiveCount < check.maxAttempts
        ? `SQS would dead-letter messages after ${check.maxReceiveCount} receives, before the retry policy's ${check.maxAttempts} attempts`
        : `the declaration's maxAttempts (${check.maxAttempts}) requires maxReceiveCount ${check.expected}`;
    findings.push({ rule: 'max-receive-count', subject, message: `has ${got}: ${effect}` });
  }
  if (check.expected === undefined && check.maxReceiveCount !== undefined) {
    findings.push({
      rule: 'max-receive-count',
      subject,
      message: `has maxReceiveCount ${check.maxReceiveCount} but its declaration has no dead-letter queue (deadLetter: false)`,
    });
  }
  const longest = longestRetrySeconds(check.retry, check.maxAttempts, check.leaseSeconds);
  if (longest > check.retentionSeconds) {
    findings.push({
      rule: 'max-receive-count',
      subject,
      message:
        `the retry policy (${check.maxAttempts} attempts, leases of ${check.leaseSeconds} s, backoff up to ` +
        `${check.retry.maxDelaySeconds} s) can take ${Math.ceil(longest)} s, longer than the retention of ` +
        `${check.retentionSeconds} s: messages would expire before their last attempt`,
    });
  }
  return findings;
}

/**
 * `fifo-subscription`: a FIFO topic delivers only to FIFO queues, and a standard topic cannot deliver to one.
 *
 * @example
 * ```ts
 * fifoSubscriptionFindings('topic "orders"', true, 'queue orders-audit', false); // one finding
 * ```
 */
export function fifoSubscriptionFindings(
  topic: string,
  topicFifo: boolean,
  queue: string,
  queueFifo: boolean,
): LintFinding[] {
  if (topicFifo === queueFifo) return [];
  return [
    {
      rule: 'fifo-subscription',
      subject: `${topic} → ${queue}`,
      message: topicFifo
        ? 'a FIFO topic delivers only to FIFO queues; subscribe a FIFO (.fifo) queue'
        : 'a standard topic cannot deliver to a FIFO queue; make the topic FIFO (ordering or deduplication) or subscribe a standard queue',
    },
  ];
}

/**
 * `dead-letter-type`: SQS needs a dead-letter queue of the same type as its source.
 *
 * @example
 * ```ts
 * deadLetterTypeFindings('queue "a"', true, 'queue "shared-dlq"', false); // one finding
 * ```
 */
export function deadLetterTypeFindings(
  source: string,
  sourceFifo: boolean,
  deadLetter: string,
  deadLetterFifo: boolean,
): LintFinding[] {
  if (sourceFifo === deadLetterFifo) return [];
  return [
    {
      rule: 'dead-letter-type',
      subject: source,
      message: `is ${sourceFifo ? 'FIFO' : 'standard'} but its dead-letter queue ${deadLetter} is ${deadLetterFifo ? 'FIFO' : 'standard'}; SQS needs both of the same type`,
    },
  ];
}

/**
 * `undeclared-binding`: something a function is wired to that its declarations do not declare.
 *
 * @example
 * ```ts
 * bindingFindings('function "bill"', 'is bound to', 'queue "billing"', ['queue "checkout"']);
 * ```
 */
export function bindingFindings(
  consumer: string,
  relation: string,
  entity: string,
  declared: readonly string[],
): LintFinding[] {
  return [
    {
      rule: 'undeclared-binding',
      subject: consumer,
      message: `${relation} ${entity}, which it does not declare (declared: ${declared.length ? declared.join(', ') : 'none'})`,
    },
  ];
}

/**
 * `environment-key`: entities whose paths give the same environment variable name.
 *
 * @example
 * ```ts
 * environmentKeyFindings('function "f"', [['OMNIBUS_AWS_QUEUE_URL_A_B', ['a-b', 'a_b']]]);
 * ```
 */
export function environmentKeyFindings(
  consumer: string,
  collisions: readonly (readonly [string, readonly string[]])[],
): LintFinding[] {
  return collisions.map(([variable, paths]) => ({
    rule: 'environment-key' as const,
    subject: consumer,
    message: `${paths.map((p) => `"${p}"`).join(' and ')} share the environment variable ${variable}; rename one`,
  }));
}

/**
 * `entity-type`: an adopted queue or topic must be of the type (FIFO / standard) its declaration needs.
 *
 * @example
 * ```ts
 * entityTypeFindings('queue "billing" (SQS billing.fifo)', 'queue', true, false); // one finding
 * ```
 */
export function entityTypeFindings(
  subject: string,
  kind: 'queue' | 'topic',
  needsFifo: boolean,
  adoptedFifo: boolean,
): LintFinding[] {
  if (needsFifo === adoptedFifo) return [];
  const type = (fifo: boolean) => (fifo ? 'FIFO' : 'standard');
  return [
    {
      rule: 'entity-type',
      subject,
      message: `the adopted ${kind} is ${type(adoptedFifo)} but the declaration needs a ${type(needsFifo)} ${kind} (${needsFifo ? 'ordered or deduplicated' : 'neither ordered nor deduplicated'})`,
    },
  ];
}
