/**
 * The Azure Functions shapes this package reads, owned here (structural: the `@azure/functions` v4
 * `InvocationContext` satisfies {@link InvocationContextLike}; the options returned are assignable to its
 * `ServiceBusQueueFunctionOptions` / `ServiceBusTopicFunctionOptions`).
 *
 * Trigger metadata of a Service Bus message, as the v4 Node.js library hands it over: the host's keys with their
 * first letter lower-cased (`DeliveryCount` → `deliveryCount`), and — the library camel-cases values recursively —
 * the same done to the keys of `applicationProperties` (`Region` → `region`).
 *
 * @example
 * ```ts
 * const meta = context.triggerMetadata as ServiceBusTriggerMetadata;
 * meta.deliveryCount; // 1 on the first delivery
 * ```
 * @module
 */

/** Service Bus trigger metadata (the fields the handler reads). */
export interface ServiceBusTriggerMetadata {
  /** 1 on the first delivery. */
  readonly deliveryCount?: number | string | undefined;
  /** A JSON-looking id (`"123"`) arrives as a number: the library parses string metadata as JSON. */
  readonly messageId?: string | number | undefined;
  readonly applicationProperties?: Readonly<Record<string, unknown>> | undefined;
  /** Older name of `applicationProperties`. */
  readonly userProperties?: Readonly<Record<string, unknown>> | undefined;
  readonly enqueuedTimeUtc?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly sequenceNumber?: number | string | undefined;
  readonly contentType?: string | undefined;
  readonly correlationId?: string | undefined;
}

/** The parts of an `InvocationContext` the handler uses. */
export interface InvocationContextLike {
  readonly invocationId?: string;
  readonly functionName?: string;
  readonly triggerMetadata?: Readonly<Record<string, unknown>> | undefined;
}
