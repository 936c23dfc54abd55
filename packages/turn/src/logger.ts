/** The slice of a pino logger the TURN server uses; pass a pino child logger in. */
export interface TurnLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: TurnLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Figures the server reports as they change; the application maps them to its metrics. */
export interface TurnMetricsSink {
  allocations(count: number): void;
  relayed(direction: 'toPeer' | 'toClient', bytes: number): void;
  /** An error response sent, by STUN error code. */
  error(code: number): void;
}
