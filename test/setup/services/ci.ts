/** True when `CI` is `true` or `1` (GitHub Actions, GitLab, `.ci/run`): missing emulators are then fatal. */
export function isCi(): boolean {
  const value = (process.env.CI ?? '').toLowerCase();
  return value === 'true' || value === '1';
}
