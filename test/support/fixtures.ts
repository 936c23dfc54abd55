import type { TestServer } from './server.ts';
import { WsSignalClient } from './signal-client.ts';

/** Smallest SDP the server's structural check accepts; `tag` makes each one distinguishable. */
export function sdp(tag = '1'): string {
  return `v=0\r\no=- ${tag.replace(/\D/g, '') || '1'} 2 IN IP4 127.0.0.1\r\ns=${tag}\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n`;
}

export function candidate(port = 54400): { candidate: string; sdpMid: string; sdpMLineIndex: number } {
  return { candidate: `candidate:842163049 1 udp 2122260223 127.0.0.1 ${port} typ host generation 0`, sdpMid: '0', sdpMLineIndex: 0 };
}

/** Joins `room` as `identity` over WebSocket and waits for the welcome. */
export async function joinWs(server: TestServer, room: string, identity: string, name?: string): Promise<WsSignalClient> {
  return WsSignalClient.join(server.wsUrl, { token: await server.token(room, identity, name) });
}

let counter = 0;
/** A room id no other test in this process uses. */
export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${process.pid}-${++counter}`;
}
