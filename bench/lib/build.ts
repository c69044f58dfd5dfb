/**
 * Bundling of child entries with esbuild: each contender runs as plain JavaScript, bundled the way an application
 * would ship (one file, ESM, Node 20), with npm packages left external and loaded from `node_modules` as usual.
 * No TypeScript loader stays in the measured process.
 *
 * `BENCH_OVERRIDE=core/consumer.ts=/tmp/consumer.ts,…` replaces project files with other versions in every bundle
 * (to measure a proposed patch without editing the tree); the report says when overrides were active.
 *
 * @example
 * ```ts
 * const built = await bundleEntry('bench/memory/child.ts');
 * if (built.ok) runChild(built.file, config);
 * ```
 * @module
 */

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The repository root (`bench/..`). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * Where bundles go: under `node_modules` (ignored by git, the linter and the type checker), from where the bundles'
 * external packages resolve as usual.
 */
export const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'omnibus-bench');

/** A bundle, or the reason there is none. */
export type Built =
  | { readonly ok: true; readonly file: string }
  | { readonly ok: false; readonly reason: string };

const cache = new Map<string, Promise<Built>>();

/**
 * The active overrides (`BENCH_OVERRIDE`): project path → replacement file.
 *
 * @example
 * ```ts
 * overrides(); // Map { 'core/consumer.ts' => '/tmp/consumer.ts' }
 * ```
 */
export function overrides(): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of (process.env.BENCH_OVERRIDE ?? '').split(',')) {
    const [from, to] = pair.split('=');
    if (from && to) out.set(from.trim(), to.trim());
  }
  return out;
}

/**
 * An esbuild plugin that loads replacement files for overridden project paths.
 *
 * @example
 * ```ts
 * await build({ …, plugins: [overridePlugin()] });
 * ```
 */
export function overridePlugin(): Plugin {
  const map = overrides();
  return {
    name: 'bench-override',
    setup(b) {
      if (map.size === 0) return;
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        for (const [from, to] of map) {
          if (args.path === join(ROOT, from)) {
            return { contents: readFileSync(to, 'utf8'), loader: 'ts', resolveDir: dirname(args.path) };
          }
        }
        return undefined;
      });
    },
  };
}

/**
 * Bundles one entry (a path relative to the repository root) into {@link BUILD_DIR}; cached for the run.
 *
 * @example
 * ```ts
 * await bundleEntry('bench/sqs/entries/consume-raw.ts'); // { ok: true, file: '/…/sqs-entries-consume-raw.mjs' }
 * ```
 */
export function bundleEntry(entry: string): Promise<Built> {
  let built = cache.get(entry);
  if (!built) {
    built = bundle(entry);
    cache.set(entry, built);
  }
  return built;
}

async function bundle(entry: string): Promise<Built> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const name = `${relative('bench', entry).replace(/\.ts$/, '').replaceAll('/', '-')}.mjs`;
  const outfile = join(BUILD_DIR, name);
  try {
    await build({
      entryPoints: [join(ROOT, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      plugins: [overridePlugin()],
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    return { ok: true, file: outfile };
  } catch (error) {
    return { ok: false, reason: `${relative(ROOT, join(ROOT, entry))} does not build: ${firstLine(error)}` };
  }
}

/**
 * The first useful line of an esbuild (or any) error.
 *
 * @example
 * ```ts
 * firstLine(new Error('a\nb')); // 'a'
 * ```
 */
export function firstLine(error: unknown): string {
  const e = error as { errors?: { text: string; location?: { file: string; line: number } | null }[] };
  const first = e.errors?.[0];
  if (first)
    return first.location ? `${first.text} (${first.location.file}:${first.location.line})` : first.text;
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((l) => l.trim() !== '') ?? text;
}
