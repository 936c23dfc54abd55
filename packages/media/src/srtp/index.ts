export * from './profiles.ts';
export * from './kdf.ts';
export * from './replay.ts';
export * from './aes-cm-keystream.ts';
export * from './hmac-sha1.ts';
export * from './aes-cm.ts';
export * from './aes-gcm.ts';
export * from './session.ts';
