import type { z } from 'zod';

/**
 * Every field path of a zod schema, found by walking the schema itself (not its JSON Schema), so a
 * test can check a generated reference against an independent list. A list of mappings contributes
 * `path[].field`; a union of mappings every alternative's fields (each path once).
 */
export function schemaPaths(schema: z.core.$ZodType, prefix: string[] = []): string[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return schemaPaths(def.innerType as z.core.$ZodType, prefix);
    case 'pipe':
      return schemaPaths(def.in as z.core.$ZodType, prefix);
    case 'array': {
      if (prefix.length === 0) return [];
      const parent = prefix.slice(0, -1);
      return schemaPaths(def.element as z.core.$ZodType, [...parent, `${prefix.at(-1)}[]`]);
    }
    case 'union':
      return [
        ...new Set((def.options as z.core.$ZodType[]).flatMap((option) => schemaPaths(option, prefix))),
      ];
    case 'object':
      return Object.entries(def.shape as Record<string, z.core.$ZodType>).flatMap(([key, child]) => [
        [...prefix, key].join('.'),
        ...schemaPaths(child, [...prefix, key]),
      ]);
    default:
      return [];
  }
}
