/**
 * The labels the docker backend puts on what it creates, built in one place. `<prefix>.executor`
 * names the owning executor, so it finds (and removes) its own containers after a restart and
 * never touches another executor's on a shared engine. Pure.
 */
export function runtimeLabels(
  prefix: string,
  owner: string,
  runtimeId: string,
  role: 'runtime' | 'build',
): Record<string, string> {
  return {
    [`${prefix}.executor`]: owner,
    [`${prefix}.runtime-id`]: runtimeId,
    [`${prefix}.role`]: role,
  };
}

/** The label filter that selects every container of one executor. */
export function ownerFilter(prefix: string, owner: string): Record<string, string> {
  return { [`${prefix}.executor`]: owner };
}

/** A container name part from free text: the engine accepts `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
export function nameSafe(text: string): string {
  return text.replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '') || 'x';
}
