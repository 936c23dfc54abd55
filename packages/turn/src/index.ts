export { TurnServer, DEFAULT_LIFETIMES, type TurnServerOptions, type TurnLifetimes, type TurnStats } from './server.ts';
export { listenTurn, type TurnListenOptions, type TurnListeners, type TurnEndpoint } from './listeners.ts';
export { PeerAddressPolicy, normalizeIp, type PeerPolicyOptions, type PeerDecision } from './policy.ts';
export { AllocationQuota, TokenBucket, DEFAULT_QUOTA, type QuotaOptions } from './quota.ts';
export { StaticUsers, RestSecretCredentials, CombinedCredentials, NonceIssuer, restPassword, type TurnCredentials, type TurnUser } from './credentials.ts';
export { udpRelayFactory, type RelayFactory, type RelaySocket, type RelayRequest, type UdpRelayOptions } from './relay.ts';
export { Allocation, fiveTuple, type ClientConnection, type ClientTransport } from './allocation.ts';
export { silentLogger, type TurnLogger, type TurnMetricsSink } from './logger.ts';
