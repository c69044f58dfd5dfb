/**
 * Lifecycle hooks: metrics and tracing plug in here without forking the core.
 *
 * @example
 * ```ts
 * const bus = createBus({ adapter, hooks: { onDeadLettered: (e) => metrics.increment('dlq', { source: e.source }) } });
 * ```
 * @module
 */

/** What every hook event carries. */
export interface HookEvent {
  /** Queue name or `topic/subscription`. */
  readonly source: string;
  readonly messageId: string;
  readonly attempt: number;
}

/** Lifecycle hooks; every one optional, called synchronously, exceptions are logged and ignored. */
export interface Hooks {
  onReceived?(event: HookEvent): void;
  onAcked?(event: HookEvent & { readonly durationMs: number }): void;
  onReleased?(event: HookEvent & { readonly delaySeconds: number; readonly error?: unknown }): void;
  onDeadLettered?(event: HookEvent & { readonly reason: string; readonly error?: unknown }): void;
  onDuplicateSkipped?(event: HookEvent & { readonly key: string }): void;
  onFiltered?(event: HookEvent): void;
  onSent?(event: { readonly destination: string; readonly count: number }): void;
}
