import { readFileSync } from 'node:fs';
import { RegistryError } from './errors.ts';
import type { RedisClient } from './redis-connection.ts';

/** The registry's Lua scripts as ioredis commands (see the header of each file in `scripts/`). */
export interface RegistryScripts {
  fleetgatePutHost(
    hostsKey: string,
    versionKey: string,
    channel: string,
    id: string,
    expected: string,
    next: string,
  ): Promise<number>;
  fleetgateRemoveHost(hostsKey: string, versionKey: string, channel: string, id: string): Promise<number>;
  fleetgateReadPool(hostsKey: string, versionKey: string): Promise<[number, string[]]>;
  fleetgateRaiseVersion(versionKey: string, channel: string, floor: number): Promise<number>;
}

/** File name → command name; the key count comes from the file name's `-<n>.lua` suffix. */
const SCRIPTS: Record<string, keyof RegistryScripts> = {
  'put-host-2.lua': 'fleetgatePutHost',
  'remove-host-2.lua': 'fleetgateRemoveHost',
  'read-pool-2.lua': 'fleetgateReadPool',
  'raise-version-1.lua': 'fleetgateRaiseVersion',
};
const READ_ONLY = new Set(['read-pool-2.lua']);

/** Return codes shared by the write scripts. */
export const SCRIPT_UNCHANGED = 0;
export const SCRIPT_CONFLICT = -1;
export const SCRIPT_INVALID = -2;

let sources: { file: string; name: string; lua: string; numberOfKeys: number }[] | undefined;

function load() {
  sources ??= Object.entries(SCRIPTS).map(([file, name]) => {
    const lua = readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8');
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    return { file, name, lua, numberOfKeys };
  });
  return sources;
}

/** Defines every script on a client (ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT). */
export function defineScripts(client: RedisClient): RedisClient & RegistryScripts {
  for (const s of load()) {
    client.defineCommand(s.name, {
      lua: s.lua,
      numberOfKeys: s.numberOfKeys,
      readOnly: READ_ONLY.has(s.file),
    });
  }
  return client as RedisClient & RegistryScripts;
}

/** Maps a negative write-script return code to its typed error. */
export function scriptError(code: number, what: string): RegistryError {
  if (code === SCRIPT_CONFLICT) {
    return new RegistryError('REGISTRY_CONFLICT', `${what}: the host kept changing under concurrent writers`);
  }
  if (code === SCRIPT_INVALID) {
    return new RegistryError('REGISTRY_INVALID_HOST', `${what}: the registry script rejected its arguments`);
  }
  return new RegistryError('REGISTRY_COMMAND_FAILED', `${what}: unexpected script result ${code}`);
}
