/**
 * The CloudWatch alarm on a dead-letter queue's depth (messages visible), shared by the queue and topic constructs.
 *
 * @example
 * ```ts
 * const alarm = depthAlarm(this, 'DepthAlarm', dlq, 'Messages in billing-dlq', { threshold: 5 });
 * alarm.addAlarmAction(new SnsAction(pager));
 * ```
 * @module
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The alarm on a dead-letter queue's depth. */
export interface DeadLetterAlarmOptions {
  /** Messages visible in the dead-letter queue at which the alarm fires. Default 1. */
  readonly threshold?: number;
  /** Evaluation period. Default 5 minutes. */
  readonly period?: Duration;
  /** Actions when the alarm fires (an SNS action, …). Default none: add them to the alarm later. */
  readonly actions?: readonly cloudwatch.IAlarmAction[];
}

/**
 * An alarm that fires when `queue` holds at least `threshold` visible messages (missing data is not breaching).
 *
 * @example
 * ```ts
 * depthAlarm(scope, 'Alarm', queue, 'Undeliverable messages of topic orders');
 * ```
 */
export function depthAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  description: string,
  options: boolean | DeadLetterAlarmOptions | undefined,
): cloudwatch.Alarm {
  const o = typeof options === 'object' ? options : {};
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: o.period ?? Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    threshold: o.threshold ?? 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const action of o.actions ?? []) alarm.addAlarmAction(action);
  return alarm;
}
