/**
 * `OmnibusFunction`: a Lambda function for one handler module, bundled by `NodejsFunction` with the local esbuild
 * (no Docker), fed by its queue's SQS event source with `ReportBatchItemFailures`, and wired to what its handler
 * uses: environment variables the runtime reads as they are (see `environment.ts`) and least-privilege grants
 * (consume its queue, send to its dead-letter queue and to the queues and topics it publishes to, read/write its
 * idempotency table, write its own log group). The lint checks the visibility timeout against the function's
 * timeout and that everything it is bound to is declared.
 *
 * @example
 * ```ts
 * new OmnibusFunction(stack, 'Billing', {
 *   entry: 'handlers/billing.ts',
 *   source: billingQueue,            // an OmnibusQueue, or topic.subscription('email').queue
 *   publishesTo: [shippingQueue, orderPlacedTopic],
 *   idempotencyTable: table,
 * });
 * ```
 * @module
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type Consumable, type Declaration, pathOf } from '../../core/declarations.js';
import { ConfigurationError } from '../../core/errors.js';
import { ENVIRONMENT, queueUrlVariable, topicArnVariable } from './environment.js';
import type { OmnibusIdempotencyTable } from './idempotency-table.js';
import {
  bindingFindings,
  environmentKeyFindings,
  formatFinding,
  type LintFinding,
  VISIBILITY_TIMEOUT_FACTOR,
  visibilityFindings,
} from './lint.js';
import { OmnibusQueue } from './queue.js';
import type { OmnibusTopic } from './topic.js';

/**
 * SQS event source limits. https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
 *
 * @example
 * ```ts
 * SQS_EVENT_SOURCE_LIMITS.maxFifoBatchSize; // 10
 * ```
 */
export const SQS_EVENT_SOURCE_LIMITS = {
  /** Largest batch of a standard queue (above 10 needs a batching window). */
  maxBatchSize: 10_000,
  /** Largest batch of a FIFO queue. */
  maxFifoBatchSize: 10,
  /** Longest batching window, in seconds. */
  maxBatchingWindowSeconds: 300,
  /** Smallest and largest maximum concurrency. */
  minMaxConcurrency: 2,
  maxMaxConcurrency: 1000,
} as const;

/** Properties of {@link OmnibusFunction}. */
export interface OmnibusFunctionProps {
  /** Path of the handler module (TypeScript or JavaScript), bundled with esbuild. */
  readonly entry: string;
  /** The exported handler's name. Default `handler`. */
  readonly handler?: string;
  /** The queue (or a subscription's queue: `topic.subscription('email').queue`) the function consumes. */
  readonly source: OmnibusQueue;
  /**
   * The declarations the handler module declares (its queues, topics, subscriptions). When given, the lint refuses
   * a source or a publish target that is not among them (`undeclared-binding`). Default: not checked.
   */
  readonly declarations?: readonly Declaration[];
  /** The declaration the handler consumes; the lint refuses a `source` deploying another one. Default: the source's. */
  readonly handles?: Consumable;
  /** Queues and topics the handler sends or publishes to. Default none. */
  readonly publishesTo?: readonly (OmnibusQueue | OmnibusTopic)[];
  /** The idempotency table the handler's store uses. Default none. */
  readonly idempotencyTable?: OmnibusIdempotencyTable;
  /** Timeout. Default: a sixth of the source's lease (5 s for the default 30 s), so the visibility rule holds. */
  readonly timeout?: Duration;
  /** Memory, in MiB. Default 256. */
  readonly memorySize?: number;
  /** Runtime. Default Node.js 24 (`NODEJS_24_X`). */
  readonly runtime?: lambda.Runtime;
  /** Architecture. Default `X86_64` (runs on every LocalStack host; `ARM_64` is cheaper on AWS). */
  readonly architecture?: lambda.Architecture;
  /** Records per invocation: 1–10 on FIFO queues, 1–10,000 on standard ones (above 10 needs a window). Default 10. */
  readonly batchSize?: number;
  /** How long to gather records before invoking, 0–300 s (not on FIFO queues). Default none. */
  readonly maxBatchingWindow?: Duration;
  /** Most concurrent invocations the event source starts, 2–1000. Default: no limit. */
  readonly maxConcurrency?: number;
  /**
   * esbuild options. Default: minified with source maps (and `NODE_OPTIONS=--enable-source-maps`); the runtime's
   * AWS SDK is not bundled.
   */
  readonly bundling?: nodejs.BundlingOptions;
  /** Directory of the project (with the lock file) the entry belongs to. Default: found from the entry. */
  readonly projectRoot?: string;
  /** The lock file. Default: found from the entry. */
  readonly depsLockFilePath?: string;
  /** More environment variables (they cannot override the wiring's). Default none. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Retention of the function's log group. Default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** The function name. Default: generated by CloudFormation. */
  readonly functionName?: string;
}

function seconds(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : d.toSeconds();
}

function checkEventSource(props: OmnibusFunctionProps, fifo: boolean): void {
  const L = SQS_EVENT_SOURCE_LIMITS;
  const batch = props.batchSize;
  const max = fifo ? L.maxFifoBatchSize : L.maxBatchSize;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > max)) {
    throw new ConfigurationError(
      'batchSize',
      `must be a whole number 1–${max} on a ${fifo ? 'FIFO' : 'standard'} queue, got ${batch}`,
    );
  }
  const window = seconds(props.maxBatchingWindow);
  if (window !== undefined && fifo) {
    throw new ConfigurationError('maxBatchingWindow', 'is not supported on FIFO queues (Lambda refuses it)');
  }
  if (window !== undefined && (window < 0 || window > L.maxBatchingWindowSeconds)) {
    throw new ConfigurationError(
      'maxBatchingWindow',
      `must be 0–${L.maxBatchingWindowSeconds} s, got ${window} s`,
    );
  }
  if (batch !== undefined && batch > 10 && !(window && window > 0)) {
    throw new ConfigurationError(
      'maxBatchingWindow',
      `must be at least 1 s when batchSize is over 10 (got ${batch})`,
    );
  }
  const c = props.maxConcurrency;
  if (c !== undefined && (!Number.isInteger(c) || c < L.minMaxConcurrency || c > L.maxMaxConcurrency)) {
    throw new ConfigurationError(
      'maxConcurrency',
      `must be a whole number ${L.minMaxConcurrency}–${L.maxMaxConcurrency}, got ${c}`,
    );
  }
}

function keyOf(decl: Declaration): string {
  return `${decl.kind} "${pathOf(decl)}"`;
}

/**
 * One handler module deployed as a Lambda function consuming one queue or subscription.
 *
 * @example
 * ```ts
 * const fn = new OmnibusFunction(stack, 'Audit', { entry: 'handlers/audit.ts', source: topic.subscription('audit').queue });
 * fn.function.functionArn;
 * ```
 */
export class OmnibusFunction extends Construct {
  /** The Lambda function. */
  readonly function: nodejs.NodejsFunction;
  /** Its execution role (only the grants listed in the module notes). */
  readonly role: iam.Role;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;
  /** The SQS event source. */
  readonly eventSource: SqsEventSource;
  /** The wiring variables set on the function (values may be CloudFormation tokens). */
  readonly environment: Readonly<Record<string, string>>;
  /** The queue it consumes. */
  readonly source: OmnibusQueue;

  constructor(scope: Construct, id: string, props: OmnibusFunctionProps) {
    super(scope, id);
    const source = props.source;
    this.source = source;
    const fifo = source.queue.fifo;
    checkEventSource(props, fifo);
    const lease = source.mapping.spec.leaseSeconds;
    const timeout =
      props.timeout ?? Duration.seconds(Math.max(1, Math.floor(lease / VISIBILITY_TIMEOUT_FACTOR)));
    const subject = `function "${this.node.path}"`;
    const findings: LintFinding[] = [];

    // What the handler is bound to must be what it declares.
    const handles = props.handles ?? source.declaration;
    if (keyOf(handles) !== keyOf(source.declaration)) {
      findings.push(...bindingFindings(subject, 'is bound to', source.description, [keyOf(handles)]));
    }
    if (props.declarations) {
      const declared = new Set(props.declarations.map(keyOf));
      const list = [...declared];
      if (!declared.has(keyOf(source.declaration))) {
        findings.push(...bindingFindings(subject, 'is bound to', source.description, list));
      }
      for (const target of props.publishesTo ?? []) {
        if (!declared.has(keyOf(target.declaration))) {
          findings.push(...bindingFindings(subject, 'sends to', keyOf(target.declaration), list));
        }
      }
    }
    findings.push(
      ...visibilityFindings({
        queue: source.description,
        visibilitySeconds: lease,
        consumer: subject,
        timeoutSeconds: timeout.toSeconds(),
      }),
    );

    // Environment: the wiring the runtime reads (see environment.ts), and the entities it names.
    const environment: Record<string, string> = {
      [ENVIRONMENT.adapter]: 'aws',
      [ENVIRONMENT.source]: pathOf(source.declaration),
      [ENVIRONMENT.accountId]: Stack.of(this).account,
    };
    if (source.namePrefix !== '') environment[ENVIRONMENT.namePrefix] = source.namePrefix;
    const owners = new Map<string, Set<string>>();
    const wire = (variable: string, path: string, value: string) => {
      owners.set(variable, (owners.get(variable) ?? new Set()).add(path));
      environment[variable] = value;
    };
    wire(queueUrlVariable(source.mapping.path), source.mapping.path, source.queue.queueUrl);
    if (source.deadLetterQueue) {
      const dlqPath = source.deadLetter?.mapping.path ?? source.declaration.deadLetter?.name;
      if (dlqPath !== undefined) wire(queueUrlVariable(dlqPath), dlqPath, source.deadLetterQueue.queueUrl);
    }
    for (const target of props.publishesTo ?? []) {
      if (target instanceof OmnibusQueue) {
        wire(queueUrlVariable(target.mapping.path), target.mapping.path, target.queue.queueUrl);
      } else {
        wire(topicArnVariable(target.declaration.name), target.declaration.name, target.topic.topicArn);
      }
    }
    if (props.idempotencyTable)
      environment[ENVIRONMENT.idempotencyTable] = props.idempotencyTable.table.tableName;
    const collisions = [...owners]
      .filter(([, paths]) => paths.size > 1)
      .map(([v, paths]) => [v, [...paths]] as const);
    findings.push(...environmentKeyFindings(subject, collisions));
    this.environment = environment;

    // Role: only what is granted below, and its own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Omnibus handler of ${source.description}`,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.logGroup.grantWrite(this.role);

    const bundling = props.bundling ?? { minify: true, sourceMap: true };
    // Source maps are only used with --enable-source-maps; the caller's NODE_OPTIONS wins.
    const variables: Record<string, string> = bundling.sourceMap
      ? { NODE_OPTIONS: '--enable-source-maps' }
      : {};
    for (const [key, value] of Object.entries(props.environment ?? {})) {
      if (key in environment) {
        throw new ConfigurationError(
          `environment.${key}`,
          'is set by the Omnibus wiring and cannot be overridden',
        );
      }
      variables[key] = value;
    }
    Object.assign(variables, environment);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      runtime: props.runtime ?? lambda.Runtime.NODEJS_24_X,
      architecture: props.architecture ?? lambda.Architecture.X86_64,
      timeout,
      memorySize: props.memorySize ?? 256,
      role: this.role,
      logGroup: this.logGroup,
      environment: variables,
      description: `Omnibus handler of ${source.description}`,
      bundling,
      ...(props.projectRoot !== undefined ? { projectRoot: props.projectRoot } : {}),
      ...(props.depsLockFilePath !== undefined ? { depsLockFilePath: props.depsLockFilePath } : {}),
      ...(props.functionName !== undefined ? { functionName: props.functionName } : {}),
    });

    // Event source (consume grant on the source queue), and the sends the runtime makes.
    this.eventSource = new SqsEventSource(source.queue, {
      batchSize: props.batchSize ?? 10,
      reportBatchItemFailures: true,
      ...(props.maxBatchingWindow !== undefined ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
      ...(props.maxConcurrency !== undefined ? { maxConcurrency: props.maxConcurrency } : {}),
    });
    this.function.addEventSource(this.eventSource);
    source.deadLetterQueue?.grantSendMessages(this.role);
    for (const target of props.publishesTo ?? []) {
      if (target instanceof OmnibusQueue) target.queue.grantSendMessages(this.role);
      else target.topic.grantPublish(this.role);
    }
    props.idempotencyTable?.table.grantReadWriteData(this.role);
    this.node.addValidation({ validate: () => findings.map(formatFinding) });
  }
}
