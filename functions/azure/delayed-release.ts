/**
 * A release with a delay inside an Azure Function. Abandon is immediate on Service Bus, and a function cannot
 * schedule the redelivery of the message it was given, so — as the Service Bus driver does for a consumer — a copy is
 * scheduled for `delaySeconds` later through the bus's driver, carrying the attempts so far and the original id in
 * `omnibus_meta`, and the original is then completed (the function returns). Ordered (session) sources are not
 * copied: a scheduled copy would overtake the session's order, so they are abandoned at once. If the copy cannot be
 * sent, the release throws and the function abandons the message (never lost).
 *
 * @example
 * ```ts
 * const copied = await scheduleCopy(bus.driver, spec, delivery, 30); // true: complete the original
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';
import { decodeMeta, encodeMeta, META_ATTRIBUTE, splitAttributes } from '../../core/attributes.js';
import type { Delivery, Driver, DriverMessage, SendOutcome, SourceSpec } from '../../core/driver.js';
import { OmnibusError } from '../../core/errors.js';

/**
 * Schedules a copy of `delivery` on its source `delaySeconds` from now; resolves true when the original may be
 * completed, false when the release must be an immediate abandon (no delay, an ordered source, or a driver that
 * cannot put a copy on this source).
 *
 * @example
 * ```ts
 * if (await scheduleCopy(driver, spec, delivery, 10)) copied = true;
 * ```
 */
export async function scheduleCopy(
  driver: Driver,
  spec: SourceSpec,
  delivery: Delivery,
  delaySeconds: number,
): Promise<boolean> {
  const delay = Math.min(Math.ceil(delaySeconds), driver.capabilities.delay.maxSeconds);
  if (!(delay > 0) || spec.ordered) return false;
  if (spec.kind === 'subscription' && !driver.redeliver) return false;
  const { user, meta } = splitAttributes(delivery.attributes);
  const previous = decodeMeta(meta);
  const attempts = Math.max(1, (delivery.deliveryCount ?? 1) + (previous.attempts ?? 0));
  const copy: DriverMessage = {
    body: delivery.body,
    attributes: {
      ...user,
      [META_ATTRIBUTE]: encodeMeta({
        attempts,
        originalId: previous.originalId ?? delivery.id,
        ...(previous.redrives ? { redrives: previous.redrives } : {}),
      }),
    },
    orderingKey: delivery.orderingKey,
    delaySeconds: delay,
    id: randomUUID(),
  };
  const outcomes: SendOutcome[] =
    spec.kind === 'queue' ? await driver.send(spec, [copy]) : await driver.redeliver!(spec, [copy]);
  const [outcome] = outcomes;
  if (!outcome?.ok) {
    throw outcome?.error ?? new OmnibusError('RELEASE_FAILED', 'the delayed copy was not accepted');
  }
  return true;
}
