/**
 * Bundles a function entry the way CDK's `NodejsFunction` does for an ESM Node 20 function: esbuild, bundle,
 * minify, ESM, `platform: node`, `mainFields: module,main`, a `createRequire` banner for CommonJS dependencies, and
 * the cloud's SDK left external (Lambda's Node runtimes provide `@aws-sdk/*`, which `NodejsFunction` therefore
 * excludes by default; for Google and Azure the SDK packages are deployed as `node_modules` beside the bundle).
 * Reports the size, the modules the bundle loads lazily, and any code of another cloud that got in.
 *
 * @example
 * ```ts
 * const b = await bundleFunction('omnibus-aws-lambda', 'bench/coldstart/entries/omnibus-aws-lambda.ts', 'aws');
 * b.bytes; b.lazy; // ['@aws-sdk/client-sqs', …]
 * ```
 * @module
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { BUILD_DIR, firstLine, overridePlugin, ROOT } from '../lib/build.js';

/** The cloud a function runs on. */
export type Cloud = 'aws' | 'gcp' | 'azure';

/** Packages each platform provides or installs beside the bundle. */
export const EXTERNALS: Record<Cloud, readonly string[]> = {
  aws: ['@aws-sdk/*'],
  gcp: ['@google-cloud/*', 'google-auth-library', 'google-gax', '@grpc/*'],
  azure: ['@azure/*', 'rhea', 'rhea-promise'],
};

const FOREIGN: Record<Cloud, RegExp> = {
  aws: /@google-cloud|google-auth-library|google-gax|@grpc\/|@azure\/|rhea|adapters\/(gcp|azure)\/|functions\/(gcp|azure)\//,
  gcp: /@aws-sdk|@smithy|@azure\/|rhea|adapters\/(aws|azure)\/|functions\/(aws-lambda|azure)\//,
  azure:
    /@aws-sdk|@smithy|@google-cloud|google-auth-library|google-gax|@grpc\/|adapters\/(aws|gcp)\/|functions\/(aws-lambda|gcp)\//,
};

/** A bundled function. */
export interface BundledFunction {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** External packages imported with `import()` (loaded on first use). */
  readonly lazy: readonly string[];
  /** External packages imported statically (loaded with the module). */
  readonly eager: readonly string[];
  /** Inputs or imports that belong to another cloud (should be empty). */
  readonly foreign: readonly string[];
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/**
 * Bundles one entry; throws with esbuild's first error when it does not build.
 *
 * @example
 * ```ts
 * await bundleFunction('floor-gcp', 'bench/coldstart/entries/floor-gcp.ts', 'gcp');
 * ```
 */
export async function bundleFunction(name: string, entry: string, cloud: Cloud): Promise<BundledFunction> {
  const dir = join(BUILD_DIR, 'coldstart');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mjs`);
  let metafile: Metafile;
  try {
    const result = await build({
      entryPoints: [join(ROOT, entry)],
      outfile: file,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      mainFields: ['module', 'main'],
      external: [...EXTERNALS[cloud]],
      metafile: true,
      logLevel: 'silent',
      plugins: [overridePlugin()],
      banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
    });
    metafile = result.metafile;
  } catch (error) {
    throw new Error(`${entry} does not build: ${firstLine(error)}`);
  }
  const output = Object.values(metafile.outputs)[0];
  const imports = output?.imports ?? [];
  const external = imports.filter((i) => i.external && !isBuiltin(i.path));
  const lazy = [...new Set(external.filter((i) => i.kind === 'dynamic-import').map((i) => i.path))];
  const eager = [
    ...new Set(external.filter((i) => i.kind !== 'dynamic-import').map((i) => packageOf(i.path))),
  ];
  const foreign = [
    ...new Set(
      [...Object.keys(metafile.inputs), ...imports.map((i) => i.path)]
        .filter((p) => FOREIGN[cloud].test(p))
        .map((p) => (p.includes('node_modules/') ? packageOf(p.split('node_modules/').pop() as string) : p)),
    ),
  ];
  const text = readFileSync(file);
  return { name, file, bytes: text.length, gzipBytes: gzipSync(text).length, lazy, eager, foreign };
}
