export { bindHostSchema, executorAddressSchema, hostPortSchema, portSchema, secretSchema } from './common.ts';
export { executorSchema } from './executor.ts';
export { gatewaySchema } from './gateway.ts';
export { logSchema } from './log.ts';
export { redisUrlSchema, registrySchema } from './registry.ts';
export { configSchema, type FleetgateConfigInput, type ResolvedConfig } from './root.ts';
export { scalerSchema } from './scaler.ts';
