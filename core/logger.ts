/**
 * Logging through a small interface; silent by default. Bodies and credentials are never logged.
 *
 * @example
 * ```ts
 * const bus = createBus({ adapter, logger: consoleLogger('info') });
 * ```
 * @module
 */

/** Structured fields attached to a log line. Never bodies, never credentials. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger interface. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const levels = ['debug', 'info', 'warn', 'error'] as const;

/**
 * A console logger printing lines at `level` and above.
 *
 * @example
 * ```ts
 * consoleLogger('warn').warn('lease extension failed', { queue: 'billing' });
 * ```
 */
export function consoleLogger(level: (typeof levels)[number] = 'info'): Logger {
  const min = levels.indexOf(level);
  const make =
    (l: (typeof levels)[number]) =>
    (message: string, fields?: LogFields): void => {
      if (levels.indexOf(l) < min) return;
      const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
      console[l === 'debug' ? 'log' : l](`[omnibus] ${l} ${message}${extra}`);
    };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}
