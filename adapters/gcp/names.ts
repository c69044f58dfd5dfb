/**
 * How declarations map to Pub/Sub resources:
 * - queue `billing` → topic `billing` + subscription `billing` (one shared subscription: competing consumers);
 * - topic `order-placed` → topic `order-placed`;
 * - subscription `email` on topic `order-placed` → subscription `order-placed-email` (subscription ids are
 *   project-wide in Pub/Sub, so the topic's name is part of the id).
 * Ids must have 3–255 characters and must not start with `goog`; a name that cannot be used is a
 * {@link ValidationError} before anything is created or sent. (A queue named like `<topic>-<subscription>` would
 * share that subscription id: provisioning detects it and refuses.)
 *
 * @example
 * ```ts
 * subscriptionIdOf(emailSpec); // 'order-placed-email'
 * topicPath('my-project', 'order-placed'); // 'projects/my-project/topics/order-placed'
 * ```
 * @module
 */
import type { SourceSpec, TargetSpec } from '../../core/driver.js';
import { ValidationError } from '../../core/errors.js';
import { MAX_RESOURCE_ID_LENGTH, MIN_RESOURCE_ID_LENGTH, RESERVED_RESOURCE_PREFIX } from './limits.js';

/** Characters Pub/Sub allows in ids (pubsub.proto): letters, digits, `-_.~+%`, starting with a letter. */
const RESOURCE_ID = /^[A-Za-z][A-Za-z0-9\-_.~+%]*$/;

/**
 * Throws {@link ValidationError} when `id` cannot name a Pub/Sub topic or subscription.
 *
 * @example
 * ```ts
 * assertResourceId('ab', 'queue "ab"'); // throws: Pub/Sub ids need 3–255 characters
 * ```
 */
export function assertResourceId(id: string, what: string): string {
  const problems: string[] = [];
  if (id.length < MIN_RESOURCE_ID_LENGTH || id.length > MAX_RESOURCE_ID_LENGTH) {
    problems.push(
      `Pub/Sub ids need ${MIN_RESOURCE_ID_LENGTH}–${MAX_RESOURCE_ID_LENGTH} characters, "${id}" has ${id.length}`,
    );
  }
  if (id.toLowerCase().startsWith(RESERVED_RESOURCE_PREFIX)) {
    problems.push(`Pub/Sub ids must not start with "${RESERVED_RESOURCE_PREFIX}"`);
  }
  if (!RESOURCE_ID.test(id)) {
    problems.push('Pub/Sub ids start with a letter and use letters, digits and - _ . ~ + %');
  }
  if (problems.length > 0)
    throw new ValidationError(
      what,
      problems.map((message) => ({ message })),
    );
  return id;
}

/**
 * The topic a queue, topic or subscription publishes to or reads from.
 *
 * @example
 * ```ts
 * topicIdOf({ kind: 'queue', name: 'billing', … }); // 'billing'
 * ```
 */
export function topicIdOf(spec: TargetSpec | SourceSpec): string {
  if (spec.kind === 'subscription') return assertResourceId(spec.topic, `topic "${spec.topic}"`);
  return assertResourceId(spec.name, `${spec.kind} "${spec.name}"`);
}

/**
 * The subscription a queue or subscription is read from.
 *
 * @example
 * ```ts
 * subscriptionIdOf({ kind: 'subscription', name: 'email', topic: 'order-placed', … }); // 'order-placed-email'
 * ```
 */
export function subscriptionIdOf(spec: SourceSpec): string {
  if (spec.kind === 'queue') return assertResourceId(spec.name, `queue "${spec.name}"`);
  return assertResourceId(`${spec.topic}-${spec.name}`, `subscription "${spec.topic}/${spec.name}"`);
}

/**
 * Full topic resource name.
 *
 * @example
 * ```ts
 * topicPath('p', 't'); // 'projects/p/topics/t'
 * ```
 */
export function topicPath(projectId: string, id: string): string {
  return `projects/${projectId}/topics/${id}`;
}

/**
 * Full subscription resource name.
 *
 * @example
 * ```ts
 * subscriptionPath('p', 's'); // 'projects/p/subscriptions/s'
 * ```
 */
export function subscriptionPath(projectId: string, id: string): string {
  return `projects/${projectId}/subscriptions/${id}`;
}

/**
 * The id at the end of a resource name.
 *
 * @example
 * ```ts
 * resourceId('projects/p/topics/t'); // 't'
 * ```
 */
export function resourceId(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
