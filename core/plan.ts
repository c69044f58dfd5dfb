/**
 * Capability decisions: for every declared option, native, emulated, or refused at startup with a
 * {@link CapabilityError} naming the provider and what it lacks. Also turns declarations into driver specs.
 *
 * @example
 * ```ts
 * const plan = planConsumable(billing, driver.capabilities); // { delay: 'native', deadLetter: 'emulated', … }
 * ```
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type {
  Consumable,
  Declaration,
  QueueDeclaration,
  SubscriptionDeclaration,
  TopicDeclaration,
} from './declarations.js';
import { pathOf } from './declarations.js';
import type {
  Capabilities,
  QueueSpec,
  SourceSpec,
  SubscriptionSpec,
  TargetSpec,
  TopicSpec,
  Topology,
} from './driver.js';
import { CapabilityError, ValidationError } from './errors.js';

/** How one option is honoured. */
export type Support = 'native' | 'emulated' | 'none';

/** The decisions for one declaration. */
export interface Plan {
  readonly ordering: Support;
  readonly dedup: Support;
  /** Default delay handling (per-message delays are decided per message). */
  readonly delay: Support;
  /** `native`: the broker dead-letters with a reason; `emulated`: the bus sends the envelope copy and acks. */
  readonly deadLetter: Support;
  /** `native`: the server filters (the bus checks too); `emulated`: only the bus checks. */
  readonly filter: Support;
  /** `native`: delayed release through the lease; `emulated`: a delayed copy is sent and the original acked. */
  readonly release: Support;
  /** Native max-deliveries safety net, or undefined. */
  readonly maxDeliveries: number | undefined;
  /**
   * Deliveries reserved in the safety net for emulated-delay holds (a hold is a delayed release, which the broker
   * counts as a delivery). 0 where delays beyond the native maximum travel as delayed copies instead.
   */
  readonly holdHeadroom: number;
}

function refuse(caps: Capabilities, what: string, decl: Declaration, detail: string): never {
  throw new CapabilityError(caps.provider, `${what} on ${decl.kind} "${pathOf(decl)}"`, detail);
}

/**
 * True when the provider's native per-message delay can be used on this entity (it may still be shorter than
 * wanted: longer delays then travel as a chain of delayed copies).
 *
 * @example
 * ```ts
 * nativeDelayUsable(sqsCaps, true); // false: FIFO queues refuse per-message delays
 * ```
 */
export function nativeDelayUsable(caps: Capabilities, ordered: boolean, deduplicated = false): boolean {
  return (
    caps.delay.maxSeconds > 0 &&
    (!ordered || caps.delay.onOrdered) &&
    (!deduplicated || caps.delay.onDeduplicated !== false)
  );
}

/**
 * Holds needed to delay a message by `seconds` without a native delay: one delayed release per
 * `release.maxDelaySeconds`.
 *
 * @example
 * ```ts
 * holdsFor(gcpCaps, 900); // 2 (releases of at most 600 s)
 * ```
 */
export function holdsFor(caps: Capabilities, seconds: number): number {
  return caps.release.maxDelaySeconds > 0
    ? Math.ceil(seconds / caps.release.maxDelaySeconds)
    : Number.POSITIVE_INFINITY;
}

/**
 * Decides how a per-message or default delay is honoured: natively when within the provider's maximum (and
 * allowed on ordered entities), else emulated by holding the message on receive.
 *
 * @example
 * ```ts
 * delaySupport(caps, 1200, false); // 'emulated' on SQS (max 900 s)
 * ```
 */
export function delaySupport(
  caps: Capabilities,
  seconds: number,
  ordered: boolean,
  deduplicated = false,
): Support {
  if (seconds <= 0) return 'none';
  if (seconds <= caps.delay.maxSeconds && nativeDelayUsable(caps, ordered, deduplicated)) return 'native';
  return 'emulated';
}

function planTarget(decl: QueueDeclaration<any, any> | TopicDeclaration<any, any>, caps: Capabilities) {
  if (decl.ordering && !caps.ordering) refuse(caps, 'ordering', decl, 'the provider has no ordered delivery');
  let dedup: Support = 'none';
  if (decl.deduplication) {
    const d = caps.dedup;
    if (!d) refuse(caps, 'deduplication', decl, 'the provider has no broker-side deduplication');
    const w = decl.deduplication.windowSeconds;
    if (d.fixedWindowSeconds !== undefined && w !== d.fixedWindowSeconds) {
      refuse(
        caps,
        'deduplication',
        decl,
        `the window is fixed at ${d.fixedWindowSeconds} s, declared ${w} s`,
      );
    }
    if (w < d.minWindowSeconds || w > d.maxWindowSeconds) {
      refuse(
        caps,
        'deduplication',
        decl,
        `the window must be ${d.minWindowSeconds}–${d.maxWindowSeconds} s, declared ${w} s`,
      );
    }
    if (d.requiresOrdering && !decl.ordering)
      refuse(caps, 'deduplication', decl, 'deduplication needs ordering here');
    dedup = 'native';
  }
  return { ordering: decl.ordering ? ('native' as const) : ('none' as const), dedup };
}

function planSource(
  decl: Consumable,
  caps: Capabilities,
): Pick<Plan, 'deadLetter' | 'release' | 'maxDeliveries' | 'holdHeadroom'> {
  // Queues whose delays cannot use a native delay are delayed by holds, which count as broker deliveries.
  const holdHeadroom =
    decl.kind === 'queue' &&
    !nativeDelayUsable(caps, decl.ordering, decl.deduplication !== undefined) &&
    caps.release.maxDelaySeconds > 0
      ? Math.max(1, holdsFor(caps, decl.delaySeconds))
      : 0;
  let maxDeliveries: number | undefined;
  if (decl.deadLetter) {
    const { minDeliveries, maxDeliveries: max } = caps.deadLetter;
    if (decl.maxAttempts > max) {
      refuse(
        caps,
        `maxAttempts: ${decl.maxAttempts}`,
        decl,
        `native dead-lettering allows at most ${max} deliveries`,
      );
    }
    maxDeliveries = Math.min(max, Math.max(decl.maxAttempts + holdHeadroom, minDeliveries));
  }
  return {
    deadLetter: decl.deadLetter ? (caps.deadLetter.withReason ? 'native' : 'emulated') : 'none',
    release: caps.release.maxDelaySeconds > 0 ? 'native' : 'emulated',
    maxDeliveries,
    holdHeadroom,
  };
}

/**
 * The plan for a queue or subscription (consumable) or a topic.
 *
 * @example
 * ```ts
 * planFor(billing, caps).deadLetter; // 'emulated' on SQS, 'native' on Service Bus
 * ```
 */
export function planFor(decl: Declaration, caps: Capabilities): Plan {
  if (decl.kind === 'topic') {
    return {
      ...planTarget(decl, caps),
      delay: 'none',
      deadLetter: 'none',
      filter: 'none',
      release: 'none',
      maxDeliveries: undefined,
      holdHeadroom: 0,
    };
  }
  const target = decl.kind === 'queue' ? planTarget(decl, caps) : planTarget(decl.topic, caps);
  const source = planSource(decl, caps);
  if (source.release === 'emulated' && caps.delay.maxSeconds === 0) {
    refuse(caps, 'delayed release', decl, 'the provider has neither delayed release nor scheduled delivery');
  }
  const delay =
    decl.kind === 'queue'
      ? delaySupport(caps, decl.delaySeconds, decl.ordering, decl.deduplication !== undefined)
      : 'none';
  if (delay === 'emulated' && caps.release.maxDelaySeconds === 0) {
    refuse(
      caps,
      `delaySeconds: ${decl.kind === 'queue' ? decl.delaySeconds : 0}`,
      decl,
      'the delay is over the native maximum and cannot be emulated',
    );
  }
  const filter =
    decl.kind === 'subscription' && decl.filter ? (caps.serverFilters ? 'native' : 'emulated') : 'none';
  return { ...target, ...source, delay, filter };
}

/**
 * The driver spec of a queue, topic or subscription.
 *
 * @example
 * ```ts
 * specOf(billing, caps); // { kind: 'queue', name: 'billing', maxDeliveries: 5, deadLetterQueue: 'billing-dlq', … }
 * ```
 */
export function specOf(decl: QueueDeclaration<any, any>, caps: Capabilities): QueueSpec;
export function specOf(decl: TopicDeclaration<any, any>, caps: Capabilities): TopicSpec;
export function specOf(decl: SubscriptionDeclaration<any, any>, caps: Capabilities): SubscriptionSpec;
export function specOf(decl: Declaration, caps: Capabilities): QueueSpec | TopicSpec | SubscriptionSpec;
export function specOf(decl: Declaration, caps: Capabilities): QueueSpec | TopicSpec | SubscriptionSpec {
  const plan = planFor(decl, caps);
  if (decl.kind === 'topic') {
    return {
      kind: 'topic',
      name: decl.name,
      format: decl.format,
      ordered: decl.ordering,
      dedupWindowSeconds: decl.deduplication?.windowSeconds,
    };
  }
  if (decl.kind === 'queue') {
    return {
      kind: 'queue',
      name: decl.name,
      format: decl.format,
      ordered: decl.ordering,
      dedupWindowSeconds: decl.deduplication?.windowSeconds,
      leaseSeconds: leaseWithin(caps, decl.leaseSeconds),
      retentionSeconds: decl.retentionSeconds,
      delaySeconds: plan.delay === 'native' ? decl.delaySeconds : 0,
      maxDeliveries: plan.maxDeliveries,
      deadLetterQueue: decl.deadLetter?.name,
      deadLetterOf: decl.deadLetterOf,
    };
  }
  return {
    kind: 'subscription',
    name: decl.name,
    topic: decl.topic.name,
    format: decl.format,
    ordered: decl.ordering,
    filter: decl.filter,
    leaseSeconds: leaseWithin(caps, decl.leaseSeconds),
    retentionSeconds: decl.retentionSeconds,
    maxDeliveries: plan.maxDeliveries,
    deadLetterQueue: decl.deadLetter?.name,
  };
}

/** A declared lease within the provider's bounds: core extends every third of it, so the broker must keep it. */
function leaseWithin(caps: Capabilities, seconds: number): number {
  return Math.min(caps.lease.maxSeconds, Math.max(caps.lease.minSeconds, seconds));
}

/** Same-named declarations must be the same object or identical in shape. */
function sameShape(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Every entity a set of declarations needs (their dead-letter queues and topics' subscriptions included), with
 * every capability decision made — so a refusal happens here, at startup, before anything is sent.
 *
 * @example
 * ```ts
 * await driver.provision(topologyOf([billing, orderPlaced], driver.capabilities));
 * ```
 */
export function topologyOf(declarations: readonly Declaration[], caps: Capabilities): Topology {
  const queues = new Map<string, QueueSpec>();
  const topics = new Map<string, TopicSpec>();
  const subscriptions = new Map<string, SubscriptionSpec>();
  const add = <T extends QueueSpec | TopicSpec | SubscriptionSpec>(
    map: Map<string, T>,
    key: string,
    spec: T,
  ) => {
    const existing = map.get(key);
    if (existing && !sameShape(existing, spec)) {
      throw new ValidationError(`${spec.kind} "${key}"`, [
        { message: 'is declared twice with different options' },
      ]);
    }
    map.set(key, spec);
  };
  const visit = (decl: Declaration): void => {
    if (decl.kind === 'topic') {
      add(topics, decl.name, specOf(decl, caps));
      for (const sub of decl.subscriptions) visit(sub);
      return;
    }
    if (decl.kind === 'subscription') {
      if (!topics.has(decl.topic.name)) visit(decl.topic);
      add(subscriptions, pathOf(decl), specOf(decl, caps));
    } else {
      add(queues, decl.name, specOf(decl, caps));
    }
    if (decl.deadLetter) visit(decl.deadLetter as QueueDeclaration<StandardSchemaV1 | undefined>);
  };
  for (const decl of declarations) visit(decl);
  return {
    queues: [...queues.values()],
    topics: [...topics.values()],
    subscriptions: [...subscriptions.values()],
  };
}

/** Spec of a target or source, for the bus's calls. */
export type AnySpec = TargetSpec | SourceSpec;
