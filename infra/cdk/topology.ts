/**
 * `OmnibusTopology`: the one entry point that deploys a declarations module — every queue (with its dead-letter
 * queue), topic and subscription `topologyOf` finds in it, with the AWS adapter's decisions, plus a Lambda function
 * per handler and the idempotency table when a handler uses it. Runtime and infrastructure read the same objects,
 * so they cannot drift.
 *
 * @example
 * ```ts
 * import { declarations } from './declarations.js';
 * const decls = declarations('shop');
 * new OmnibusTopology(stack, 'Shop', {
 *   declarations: decls,
 *   handlers: {
 *     billing: { entry: 'handlers/billing.ts', consumes: decls.billing, publishesTo: [decls.shipping] },
 *   },
 * });
 * ```
 * @module
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type {
  Consumable,
  Declaration,
  Destination,
  QueueDeclaration,
  TopicDeclaration,
} from '../../core/declarations.js';
import { pathOf } from '../../core/declarations.js';
import type { Capabilities, Topology } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';
import { specOf, topologyOf } from '../../core/plan.js';
import type { DeadLetterAlarmOptions } from './alarm.js';
import { OmnibusFunction, type OmnibusFunctionProps } from './function.js';
import { OmnibusIdempotencyTable, type OmnibusIdempotencyTableProps } from './idempotency-table.js';
import { bindingFindings, formatFinding, type LintFinding } from './lint.js';
import { capabilitiesOf, sourceOf } from './physical.js';
import { OmnibusQueue, type OmnibusQueueProps } from './queue.js';
import { OmnibusTopic, type OmnibusTopicProps } from './topic.js';

/** One handler module to deploy. */
export interface OmnibusHandlerProps
  extends Omit<
    OmnibusFunctionProps,
    'source' | 'publishesTo' | 'idempotencyTable' | 'declarations' | 'handles'
  > {
  /** The queue or subscription (declaration) the handler consumes. */
  readonly consumes: Consumable;
  /** The queues and topics (declarations) it sends or publishes to. Default none. */
  readonly publishesTo?: readonly Destination[];
  /** Whether the handler uses the idempotency table. Default false. */
  readonly idempotency?: boolean;
}

/** Per-queue options of the topology: adoption and settings (everything but what the declaration decides). */
export type TopologyQueueOptions = Pick<
  OmnibusQueueProps,
  'existingQueue' | 'encryptionKey' | 'deadLetterAlarm' | 'removalPolicy' | 'maxReceiveCount'
>;

/** Per-topic options of the topology. */
export type TopologyTopicOptions = Pick<
  OmnibusTopicProps,
  'existingTopic' | 'masterKey' | 'undeliverableQueue' | 'deadLetterAlarm' | 'removalPolicy'
>;

/** Properties of {@link OmnibusTopology}. */
export interface OmnibusTopologyProps {
  /**
   * The declarations: an array, or a declarations module's exports (`import * as decls`) or the object a
   * declarations factory returns; every queue, topic and subscription among its values is deployed.
   */
  readonly declarations: readonly Declaration[] | Readonly<Record<string, unknown>>;
  /** Prefix of every physical name, as the AWS adapter's `namePrefix`. Default none. */
  readonly namePrefix?: string;
  /** Capabilities for the decisions. Default: the AWS adapter's (`AWS_CAPABILITIES`). */
  readonly capabilities?: Capabilities;
  /** Handler modules to deploy as functions, by id. Default none. */
  readonly handlers?: Readonly<Record<string, OmnibusHandlerProps>>;
  /** Settings shared by every function (a handler's own settings win). Default none. */
  readonly functionDefaults?: Omit<OmnibusHandlerProps, 'consumes' | 'entry' | 'publishesTo'>;
  /**
   * The idempotency table: `true` or its properties to create it, `false` for none. Default: created when a
   * handler sets `idempotency`.
   */
  readonly idempotencyTable?: boolean | OmnibusIdempotencyTableProps;
  /** Options of individual queues (and queue-like dead-letter queues), by declared name. Default none. */
  readonly queues?: Readonly<Record<string, TopologyQueueOptions>>;
  /** Options of individual topics, by declared name. Default none. */
  readonly topics?: Readonly<Record<string, TopologyTopicOptions>>;
  /** Depth alarms on dead-letter and undeliverable queues; `false` for none. Default on. */
  readonly deadLetterAlarm?: boolean | DeadLetterAlarmOptions;
  /** Removal policy of created queues and topics. Default: CDK's. */
  readonly removalPolicy?: RemovalPolicy;
}

function isDeclaration(value: unknown): value is Declaration {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { kind?: unknown; name?: unknown };
  return (
    (v.kind === 'queue' || v.kind === 'topic' || v.kind === 'subscription') && typeof v.name === 'string'
  );
}

/**
 * The declarations among a module's exports (or an array), in order.
 *
 * @example
 * ```ts
 * collectDeclarations({ billing, orderPlaced, Order: schema }); // [billing, orderPlaced]
 * ```
 */
export function collectDeclarations(
  source: readonly Declaration[] | Readonly<Record<string, unknown>>,
): Declaration[] {
  const values: unknown[] = Array.isArray(source) ? [...source] : Object.values(source);
  return values.filter(isDeclaration);
}

function keyOf(decl: Declaration): string {
  return `${decl.kind} "${pathOf(decl)}"`;
}

/** The same declaration: the same object, or the same kind, path and spec (a second call of a factory). */
function sameDeclaration(a: Declaration, b: Declaration, caps: Capabilities): boolean {
  if (a === b) return true;
  return keyOf(a) === keyOf(b) && JSON.stringify(specOf(a, caps)) === JSON.stringify(specOf(b, caps));
}

/**
 * Everything a declarations module declares, deployed.
 *
 * @example
 * ```ts
 * const shop = new OmnibusTopology(stack, 'Shop', { declarations: decls, namePrefix: 'prod-' });
 * shop.queue('billing').queue.queueArn;
 * shop.topic('order-placed').subscription('email').queue;
 * ```
 */
export class OmnibusTopology extends Construct {
  /** The declarations deployed (those found in `declarations`). */
  readonly declarations: readonly Declaration[];
  /** The driver specs of everything deployed (what the AWS adapter's `provision()` would create). */
  readonly topology: Topology;
  /** Queues (dead-letter queues included), by declared name. */
  readonly queues: ReadonlyMap<string, OmnibusQueue>;
  /** Topics, by declared name. */
  readonly topics: ReadonlyMap<string, OmnibusTopic>;
  /** Functions, by handler id. */
  readonly functions: ReadonlyMap<string, OmnibusFunction>;
  /** The idempotency table, when created. */
  readonly idempotencyTable: OmnibusIdempotencyTable | undefined;

  constructor(scope: Construct, id: string, props: OmnibusTopologyProps) {
    super(scope, id);
    const options = { namePrefix: props.namePrefix, capabilities: props.capabilities };
    const caps = capabilitiesOf(options);
    const declared = collectDeclarations(props.declarations);
    if (declared.length === 0) {
      throw new ConfigurationError('declarations', 'holds no queue, topic or subscription declaration');
    }
    this.declarations = declared;
    // Capability refusals and same-name conflicts are raised here, as at the runtime's startup.
    this.topology = topologyOf(declared, caps);

    // Every declaration object topologyOf reached, by name.
    const queueDecls = new Map<string, QueueDeclaration<any, any>>();
    const topicDecls = new Map<string, TopicDeclaration<any, any>>();
    const dlqSources = new Map<string, Consumable[]>();
    const visit = (decl: Declaration): void => {
      if (decl.kind === 'topic') {
        if (topicDecls.has(decl.name)) return;
        topicDecls.set(decl.name, decl);
        for (const sub of decl.subscriptions) visit(sub);
        return;
      }
      if (decl.kind === 'subscription') {
        visit(decl.topic);
      } else {
        if (queueDecls.has(decl.name)) return;
        queueDecls.set(decl.name, decl);
      }
      const dlq = decl.deadLetter as QueueDeclaration<any, any> | undefined;
      if (dlq) {
        const sources = dlqSources.get(dlq.name) ?? [];
        if (!sources.includes(decl)) sources.push(decl);
        dlqSources.set(dlq.name, sources);
        visit(dlq);
      }
    };
    for (const decl of declared) visit(decl);

    // Queues, dead-letter queues first (an automatic one takes its sources' type, as the adapter decides).
    const queues = new Map<string, OmnibusQueue>();
    const queueFor = (decl: QueueDeclaration<any, any>): OmnibusQueue => {
      const existing = queues.get(decl.name);
      if (existing) return existing;
      const dlq = decl.deadLetter as QueueDeclaration<any, any> | undefined;
      const sources = dlqSources.get(decl.name) ?? [];
      const fifo =
        decl.deadLetterOf !== undefined && sources.some((s) => sourceOf(s, options).fifo) ? true : undefined;
      const queue = new OmnibusQueue(this, `Queue-${decl.name}`, {
        ...this.#queueDefaults(props),
        ...props.queues?.[decl.name],
        declaration: decl,
        ...(props.namePrefix !== undefined ? { namePrefix: props.namePrefix } : {}),
        ...(props.capabilities ? { capabilities: props.capabilities } : {}),
        ...(fifo !== undefined ? { fifo } : {}),
        ...(sources.length > 0 ? { isDeadLetterQueue: true } : {}),
        ...(dlq ? { deadLetterQueue: queueFor(dlq) } : {}),
      });
      queues.set(decl.name, queue);
      return queue;
    };
    for (const decl of queueDecls.values()) queueFor(decl);
    this.queues = queues;

    const topics = new Map<string, OmnibusTopic>();
    for (const decl of topicDecls.values()) {
      const subscriptionQueues: Record<string, { deadLetterQueue: OmnibusQueue }> = {};
      for (const sub of decl.subscriptions) {
        const dlq = sub.deadLetter as QueueDeclaration<any, any> | undefined;
        if (dlq) subscriptionQueues[sub.name] = { deadLetterQueue: queueFor(dlq) };
      }
      topics.set(
        decl.name,
        new OmnibusTopic(this, `Topic-${decl.name}`, {
          ...this.#queueDefaults(props),
          ...props.topics?.[decl.name],
          declaration: decl,
          ...(props.namePrefix !== undefined ? { namePrefix: props.namePrefix } : {}),
          ...(props.capabilities ? { capabilities: props.capabilities } : {}),
          subscriptionQueues,
        }),
      );
    }
    this.topics = topics;

    const handlers = Object.entries(props.handlers ?? {});
    const wantsTable =
      props.idempotencyTable === undefined
        ? handlers.some(([, h]) => h.idempotency ?? props.functionDefaults?.idempotency)
        : props.idempotencyTable !== false;
    this.idempotencyTable = wantsTable
      ? new OmnibusIdempotencyTable(
          this,
          'Idempotency',
          typeof props.idempotencyTable === 'object' ? props.idempotencyTable : {},
        )
      : undefined;

    const findings: LintFinding[] = [];
    const declaredKeys = [...new Set([...this.#allDeclared()].map(keyOf))];
    const functions = new Map<string, OmnibusFunction>();
    for (const [handlerId, handler] of handlers) {
      const subject = `handler "${handlerId}"`;
      const source = this.#sourceOf(handler.consumes, caps);
      if (!source) {
        findings.push(...bindingFindings(subject, 'is bound to', keyOf(handler.consumes), declaredKeys));
        continue;
      }
      const targets: (OmnibusQueue | OmnibusTopic)[] = [];
      for (const target of handler.publishesTo ?? []) {
        const found = target.kind === 'queue' ? queues.get(target.name) : topics.get(target.name);
        if (found && sameDeclaration(found.declaration, target, caps)) targets.push(found);
        else findings.push(...bindingFindings(subject, 'sends to', keyOf(target), declaredKeys));
      }
      const {
        consumes,
        publishesTo: _p,
        idempotency,
        ...functionProps
      } = {
        ...props.functionDefaults,
        ...handler,
      };
      if (idempotency && !this.idempotencyTable) {
        throw new ConfigurationError(
          `handlers.${handlerId}.idempotency`,
          'is set but the topology has no idempotency table (idempotencyTable: false)',
        );
      }
      functions.set(
        handlerId,
        new OmnibusFunction(this, `Function-${handlerId}`, {
          ...functionProps,
          source,
          handles: consumes,
          declarations: [...this.#allDeclared()],
          publishesTo: targets,
          ...(idempotency && this.idempotencyTable ? { idempotencyTable: this.idempotencyTable } : {}),
        }),
      );
    }
    this.functions = functions;
    this.node.addValidation({ validate: () => findings.map(formatFinding) });
  }

  #queueDefaults(props: OmnibusTopologyProps) {
    return {
      ...(props.deadLetterAlarm !== undefined ? { deadLetterAlarm: props.deadLetterAlarm } : {}),
      ...(props.removalPolicy !== undefined ? { removalPolicy: props.removalPolicy } : {}),
    };
  }

  /** Every deployed declaration object (queues, dead-letter queues, topics, subscriptions). */
  *#allDeclared(): Iterable<Declaration> {
    for (const q of this.queues.values()) yield q.declaration;
    for (const t of this.topics.values()) {
      yield t.declaration;
      for (const s of t.subscriptions.values()) yield s.declaration;
    }
  }

  #sourceOf(decl: Consumable, caps: Capabilities): OmnibusQueue | undefined {
    if (decl.kind === 'queue') {
      const q = this.queues.get(decl.name);
      return q && sameDeclaration(q.declaration, decl, caps) ? q : undefined;
    }
    const t = this.topics.get(decl.topic.name);
    const s = t?.subscriptions.get(decl.name);
    return s && sameDeclaration(s.declaration, decl, caps) ? s.queue : undefined;
  }

  /**
   * A deployed queue by declared name; throws {@link ConfigurationError} when there is none.
   *
   * @example
   * ```ts
   * topology.queue('billing').deadLetterQueue;
   * ```
   */
  queue(name: string): OmnibusQueue {
    const q = this.queues.get(name);
    if (!q)
      throw new ConfigurationError(
        'queue',
        `"${name}" is not declared (declared: ${[...this.queues.keys()].join(', ')})`,
      );
    return q;
  }

  /**
   * A deployed topic by declared name; throws {@link ConfigurationError} when there is none.
   *
   * @example
   * ```ts
   * topology.topic('order-placed').topic.topicArn;
   * ```
   */
  topic(name: string): OmnibusTopic {
    const t = this.topics.get(name);
    if (!t)
      throw new ConfigurationError(
        'topic',
        `"${name}" is not declared (declared: ${[...this.topics.keys()].join(', ')})`,
      );
    return t;
  }
}
