import { SERVICE_NAMES } from '../emulator-types.js';

/** Everything `OMNIBUS_EMULATORS` / `--only` can name: the started services plus the in-process Service Bus twin. */
export const SELECTABLE = [...SERVICE_NAMES, 'servicebus'] as const;

/** One of {@link SELECTABLE}. */
export type Selectable = (typeof SELECTABLE)[number];

const GROUPS: Readonly<Record<string, readonly Selectable[]>> = {
  all: SELECTABLE,
  none: [],
  gcp: ['pubsub', 'firestore'],
  google: ['pubsub', 'firestore'],
  azure: ['azurite', 'servicebus'],
  moto: ['aws'],
  ...Object.fromEntries(SELECTABLE.map((name) => [name, [name]])),
};

/**
 * Parses a comma list such as `aws,redis`, `gcp`, `all` or `none` (empty or undefined = all).
 * Throws on an unknown word, listing the valid ones.
 */
export function parseSelection(list: string | undefined, source = 'OMNIBUS_EMULATORS'): Set<Selectable> {
  const words = (list ?? '')
    .split(',')
    .map((word) => word.trim().toLowerCase())
    .filter((word) => word !== '');
  if (words.length === 0) return new Set(SELECTABLE);
  const selected = new Set<Selectable>();
  for (const word of words) {
    const names = GROUPS[word];
    if (!names) {
      throw new Error(
        `unknown emulator "${word}" in ${source}; use a comma list of ${Object.keys(GROUPS).join(', ')}`,
      );
    }
    for (const name of names) selected.add(name);
  }
  return selected;
}
