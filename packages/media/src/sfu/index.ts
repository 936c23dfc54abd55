export * from './types.ts';
export * from './packet-cache.ts';
export * from './vp8.ts';
export * from './keyframe.ts';
export * from './producer.ts';
export * from './consumer.ts';
export * from './layers.ts';
export * from './active-speaker.ts';
