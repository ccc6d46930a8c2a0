export { createGateway, type Gateway, type GatewayDeps } from './app.ts';
export { GatewayError } from './errors.ts';
export {
  DEFAULT_GATEWAY_OPTIONS,
  type GatewayConfigSource,
  type GatewayOptions,
  type GatewayOptionsInput,
  gatewayOptionsFromConfig,
  resolveGatewayOptions,
} from './options.ts';
export { type ListenOptions, type RunningGateway, startGateway } from './server.ts';
