/**
 * Composes middleware around a handler: the first middleware is the outermost.
 *
 * The bus builds, outermost first: retry and dead-letter → validation (decode + schema) → idempotency (when a store
 * is configured) → the user's middleware, in the order given → the handler.
 *
 * @example
 * ```ts
 * const run = compose([logging, timing], handler); // logging(timing(handler))
 * ```
 * @module
 */
import type { Handler, Middleware } from './message.js';

/**
 * Wraps `handler` in `middleware`, first = outermost.
 *
 * @example
 * ```ts
 * compose([], handler) === handler; // true
 * ```
 */
export function compose(middleware: readonly Middleware[], handler: Handler<any>): Handler<any> {
  let h = handler;
  for (let i = middleware.length - 1; i >= 0; i--) h = (middleware[i] as Middleware)(h);
  return h;
}
