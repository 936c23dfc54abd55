export * from './sdp.ts';
export * from './header-extension.ts';
export * from './router.ts';
export * from './layer-policy.ts';
export * from './upgrade-guard.ts';
export * from './feedback.ts';
export * from './transport.ts';
export * from './codecs.ts';
