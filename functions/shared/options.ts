/**
 * Options every function handler factory takes, and their checks (a typed error naming the option, before any
 * event is handled). Imports no cloud SDK.
 *
 * @example
 * ```ts
 * checkCommonOptions({ concurrency: 0 }); // throws ConfigurationError: concurrency: must be a whole number 1–1000, got 0
 * ```
 * @module
 */
import type { ConsumerOptions } from '../../core/bus.js';
import { ConfigurationError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type { Middleware } from '../../core/message.js';
import { type FunctionIdempotencyOptions, functionIdempotency } from './idempotency.js';

/** Options shared by the function handler factories. */
export interface FunctionHandlerOptions {
  /** Middleware around the handler, inside the built-ins (retry, validation) and idempotency. */
  readonly middleware?: readonly Middleware[];
  /** Name recorded in dead-letter envelopes (default: the handler function's name). */
  readonly name?: string;
  /**
   * Idempotency on a store (replacing the bus's for this handler; `false` turns the bus's off). In-progress claims
   * end no later than the invocation.
   */
  readonly idempotency?: FunctionIdempotencyOptions | false;
  /** Where the handler logs (never bodies or credentials). Default: silent. */
  readonly logger?: Logger;
}

/** Options of handlers on platforms without a remaining-time API (Cloud Run functions, push, Azure Functions). */
export interface TimeLimitOptions {
  /**
   * Answer "redeliver" (nack, abandon) when a message is still being handled this long after it arrived, in ms
   * (1–3,600,000); set it a little under the platform's timeout. Default: no limit (the platform's timeout applies).
   */
  readonly timeoutMs?: number;
}

/** Most records processed at once, the upper bound of `concurrency`. */
export const MAX_CONCURRENCY = 1000;

/**
 * Checks a whole number option within bounds; throws {@link ConfigurationError} naming it.
 *
 * @example
 * ```ts
 * checkWhole('concurrency', 4, 1, 1000); // ok
 * ```
 */
export function checkWhole(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(field, `must be a whole number ${min}–${max}, got ${String(value)}`);
  }
}

/**
 * The processor options (leases owned by the platform) and logger a factory builds its processor with.
 *
 * @example
 * ```ts
 * const { processorOptions, logger } = commonSetup(options);
 * bus.processor(billing, handler, processorOptions);
 * ```
 */
export function commonSetup(options: FunctionHandlerOptions): {
  processorOptions: ConsumerOptions & { readonly extendLeases: false };
  logger: Logger;
} {
  if (options.middleware !== undefined && !Array.isArray(options.middleware)) {
    throw new ConfigurationError('middleware', 'must be an array of middleware functions');
  }
  const idempotency =
    options.idempotency === undefined || options.idempotency === false
      ? options.idempotency
      : functionIdempotency(options.idempotency);
  return {
    processorOptions: {
      extendLeases: false,
      middleware: [...(options.middleware ?? [])] as Middleware[],
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(idempotency === undefined ? {} : { idempotency }),
    },
    logger: options.logger ?? silentLogger,
  };
}
