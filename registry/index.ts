export * from './create-registry.ts';
export * from './errors.ts';
export * from './host.ts';
export * from './keys.ts';
export * from './leader-lock.ts';
export * from './memory-registry.ts';
export * from './redis-registry.ts';
export * from './redis-url.ts';
export type * from './types.ts';
