/**
 * The hook through which a local runner (`omnibus/functions/local`) settles records it invoked a Lambda handler
 * with: the runner puts a {@link LocalSqsSettler} on the Lambda context it builds, and the SQS handler uses it for
 * ChangeMessageVisibility instead of calling SQS. So a deployed handler runs unchanged against the memory twin (which
 * has no SQS endpoint) or against a local SQS the handler was not configured for. Imports nothing.
 *
 * @example
 * ```ts
 * const context = { getRemainingTimeInMillis: () => 30_000, [LOCAL_SQS_SETTLER]: settler };
 * await handler(event, context);
 * ```
 * @module
 */

/** Key of the local settler on a Lambda context object. */
export const LOCAL_SQS_SETTLER: unique symbol = Symbol.for('omnibus.functions.local-sqs-settler') as never;

/** Visibility changes for records a local runner handed out, by receipt handle. */
export interface LocalSqsSettler {
  /** ChangeMessageVisibility of one record the runner delivered (0 makes it visible at once). */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
}

/**
 * The local settler a context carries, if any.
 *
 * @example
 * ```ts
 * const settler = localSettlerOf(context); // undefined on AWS
 * ```
 */
export function localSettlerOf(context: unknown): LocalSqsSettler | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const settler = (context as { [LOCAL_SQS_SETTLER]?: unknown })[LOCAL_SQS_SETTLER];
  return typeof settler === 'object' &&
    settler !== null &&
    typeof (settler as LocalSqsSettler).changeVisibility === 'function'
    ? (settler as LocalSqsSettler)
    : undefined;
}
