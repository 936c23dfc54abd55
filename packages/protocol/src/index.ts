export * from './errors.ts';
export * from './version.ts';
export * from './messages.ts';
export * from './parse.ts';
export * from './sdp.ts';
export * from './http.ts';
export * from './data-frame.ts';
