/**
 * Helpers of the CDK tests: the fixture handler, an app that skips bundling (for lint and construct tests, where
 * no function code is needed), the lint findings of a failed synth, and template lookups.
 */
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** A tiny handler module to bundle. */
export const HANDLER = join(ROOT, 'test', 'cdk', 'fixtures', 'handler.ts');

/** Function settings every test function uses (the fixture lives in this project). */
export const FUNCTION_DEFAULTS = { projectRoot: ROOT, depsLockFilePath: join(ROOT, 'package-lock.json') };

/**
 * An app and stack whose functions are not bundled (CDK's `aws:cdk:bundling-stacks` set to none) and whose
 * templates skip CDK's built-in CloudFormation schema validation (8 s to load; the pipeline test keeps it).
 */
export function unbundledStack(): { app: App; stack: Stack } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  return { app, stack: new Stack(app, 'Test') };
}

/** The `omnibus lint` lines of the error `app.synth()` throws, or [] when it synthesizes. */
export function lintFindings(app: App): string[] {
  try {
    app.synth();
    return [];
  } catch (error) {
    return String((error as Error).message)
      .split('\n')
      .filter((line) => line.includes('omnibus lint'))
      .map((line) => line.trim());
  }
}

/** A resource of a template: logical id and properties. */
export interface Resource {
  readonly id: string;
  readonly props: Record<string, any>;
}

/** The resources of one type. */
export function resourcesOf(template: Template, type: string): Resource[] {
  return Object.entries(template.findResources(type)).map(([id, r]) => ({ id, props: r.Properties ?? {} }));
}

/** The logical id a `Ref` or `Fn::GetAtt` points at, or undefined. */
export function refOf(value: unknown): string | undefined {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
}

/** The logical id of the queue with this physical name; throws when there is none. */
export function queueId(template: Template, name: string): string {
  const found = resourcesOf(template, 'AWS::SQS::Queue').find((q) => q.props.QueueName === name);
  if (!found) throw new Error(`no queue named ${name}`);
  return found.id;
}
