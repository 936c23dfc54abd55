export { startServer, type ParleyServer, type ParleyServerOptions } from './server.ts';
export { configFromEnv, loadConfig, parseConfig, ConfigSchema, ConfigError, type Config, type ConfigInput } from './config.ts';
export { TokenService, turnCredentials } from './auth.ts';
export { createLogger } from './logger.ts';
export { Metrics } from './metrics.ts';
