/**
 * Which packages a bundle of an entry reaches: esbuild bundles it (as CDK's NodejsFunction would) and its metafile
 * lists every input file.
 */
import { build } from 'esbuild';

/** Cloud SDK scopes an entry may be forbidden to reach. */
export const CLOUD_SCOPES = ['@aws-sdk', '@google-cloud', '@azure', 'aws-cdk-lib'] as const;

/** Package names (scoped `@x/y` or plain) of every node_modules input of the bundle of `entry`. */
export async function reachedPackages(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: 'out',
  });
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    if (match?.[1]) packages.add(match[1]);
  }
  return packages;
}

/** The reached packages that belong to any of `scopes` (a scope is `@aws-sdk` or a plain package name). */
export function forbiddenReached(packages: Set<string>, scopes: readonly string[]): string[] {
  return [...packages].filter((p) => scopes.some((s) => p === s || p.startsWith(`${s}/`))).sort();
}
