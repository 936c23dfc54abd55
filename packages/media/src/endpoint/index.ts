export * from './ice-lite.ts';
export * from './dtls.ts';
export * from './sdp.ts';
export * from './peer.ts';
export * from './endpoint.ts';
export * from './tcp.ts';
export * from './send-ring.ts';
