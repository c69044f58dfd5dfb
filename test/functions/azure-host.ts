/**
 * A stand-in for the Azure Functions Node.js worker, enough to register functions with the real `@azure/functions`
 * package and invoke them through its real programming model: the worker provides `@azure/functions-core` (here a
 * small object answering `require('@azure/functions-core')`), the package registers its `ProgrammingModel` and each
 * `app.*` function there, and an invocation goes through the model's `InvocationModel` — which builds the real
 * `InvocationContext` and converts the host's RPC trigger metadata and input (camel-casing metadata keys) — exactly
 * as in the worker. Only the gRPC channel to the host is missing: invocations are built here in the host's format.
 */
import { randomUUID } from 'node:crypto';
import Module from 'node:module';

/** RPC typed data, as the host sends trigger inputs and metadata. */
export type RpcTypedData =
  | { string: string }
  | { json: string }
  | { bytes: Uint8Array }
  | { int: number }
  | { double: number };

interface Registered {
  readonly metadata: {
    name: string;
    bindings: Record<string, { type: string; direction: string; [k: string]: unknown }>;
  };
  readonly handler: (...args: unknown[]) => unknown;
}

interface ProgrammingModelLike {
  getInvocationModel(coreCtx: unknown): {
    getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
    invokeFunction(
      context: unknown,
      inputs: unknown[],
      handler: (...args: unknown[]) => unknown,
    ): Promise<unknown>;
  };
}

/** The fake worker. */
export interface FakeWorker {
  /** Functions registered through `app.*`, by name. */
  readonly functions: Map<string, Registered>;
  /** Invokes a registered function the way the worker does; rejects when the function throws. */
  invoke(
    name: string,
    input: RpcTypedData,
    triggerMetadata: Record<string, RpcTypedData>,
  ): Promise<{ context: unknown }>;
}

/** Installs the fake `@azure/functions-core` (call before the first `app.*` registration in this process). */
export function installFakeWorker(): FakeWorker {
  const functions = new Map<string, Registered>();
  let model: ProgrammingModelLike | undefined;
  const core = {
    version: '3.10.0',
    hostVersion: '4.34.0',
    setProgrammingModel(m: ProgrammingModelLike) {
      model = m;
    },
    getProgrammingModel() {
      return model;
    },
    registerFunction(metadata: Registered['metadata'], handler: Registered['handler']) {
      functions.set(metadata.name, { metadata, handler });
      return { dispose: () => functions.delete(metadata.name) };
    },
    registerHook() {
      return { dispose() {} };
    },
    log() {},
  };
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = function load(this: unknown, request: string, ...rest: unknown[]) {
    if (request === '@azure/functions-core') return core;
    return original.call(this, request, ...rest);
  };
  return {
    functions,
    async invoke(name, input, triggerMetadata) {
      const registered = functions.get(name);
      if (!registered || !model) throw new Error(`function ${name} is not registered`);
      const [triggerName] =
        Object.entries(registered.metadata.bindings).find(([, b]) => b.direction === 'in') ?? [];
      const coreCtx = {
        invocationId: randomUUID(),
        metadata: registered.metadata,
        request: { inputData: [{ name: triggerName, data: input }], triggerMetadata },
        log() {},
        state: undefined,
      };
      const invocation = model.getInvocationModel(coreCtx);
      const { context, inputs } = await invocation.getArguments();
      await invocation.invokeFunction(context, inputs, registered.handler);
      return { context };
    },
  };
}

/** Service Bus trigger metadata as the host sends it (PascalCase keys, values as RPC typed data). */
export function serviceBusMetadata(init: {
  messageId: string;
  deliveryCount: number;
  applicationProperties?: Record<string, unknown>;
  enqueuedTimeUtc?: string;
  sessionId?: string;
  sequenceNumber?: number;
}): Record<string, RpcTypedData> {
  const meta: Record<string, RpcTypedData> = {
    MessageId: { string: init.messageId },
    DeliveryCount: { json: String(init.deliveryCount) },
    ApplicationProperties: { json: JSON.stringify(init.applicationProperties ?? {}) },
    UserProperties: { json: JSON.stringify(init.applicationProperties ?? {}) },
    EnqueuedTimeUtc: { json: JSON.stringify(init.enqueuedTimeUtc ?? '2024-05-01T10:00:00Z') },
    SequenceNumber: { json: String(init.sequenceNumber ?? 1) },
    LockToken: { string: randomUUID() },
    ContentType: { string: 'application/json' },
    sys: {
      json: JSON.stringify({ MethodName: 'fn', UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
    },
  };
  if (init.sessionId !== undefined) meta.SessionId = { string: init.sessionId };
  return meta;
}
