export * from './profiles.ts';
export * from './kdf.ts';
export * from './replay.ts';
export * from './aes-cm.ts';
export * from './aes-gcm.ts';
export * from './session.ts';
