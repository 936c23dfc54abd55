export * from './dcep.ts';
export * from './data-channel.ts';
export * from './data-channels.ts';
