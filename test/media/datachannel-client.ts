import { SCTP } from 'werift-sctp';
import type { DtlsClient } from 'werift-dtls/lib/dtls/src/index.js';
import { Ppid, encodeDcepOpen, parseDcep, type DataChannelParameters } from '@parley/media';

/** The offer a browser makes with nothing but a data channel (RFC 8841 §5), with these ICE credentials and fingerprint. */
export function dataChannelOffer(ufrag: string, pwd: string, fingerprint: string): string {
  return [
    'v=0', 'o=- 4009466457630424133 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 0.0.0.0', `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`,
    'a=ice-options:trickle', `a=fingerprint:sha-256 ${fingerprint}`, 'a=setup:actpass', 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', '',
  ].join('\r\n');
}

export interface ReceivedMessage {
  streamId: number;
  ppid: number;
  data: Buffer;
}

/**
 * The browser's side of WebRTC data channels, from Node: a werift-sctp association (the DTLS client's, port 5000)
 * carried in DTLS application data over an already connected werift DTLS client, and DCEP written by hand, so
 * that a test can send what a browser would and what it never would.
 */
export class DataChannelClient {
  readonly sctp: SCTP;
  readonly received: ReceivedMessage[] = [];
  /** DCEP ACKs by stream id, and streams the server reset (RFC 6525). */
  readonly acked = new Set<number>();
  readonly reset = new Set<number>();
  #nextId = 0;
  /** While false, what the server sends is thrown away (a receiver that went silent). */
  receiving = true;

  private constructor(readonly dtls: DtlsClient) {
    const transport = { onData: undefined as ((buf: Buffer) => void) | undefined, send: async (buf: Buffer) => dtls.send(buf), close: () => undefined };
    this.sctp = SCTP.client(transport, 5000);
    dtls.onData.subscribe((data: Buffer) => {
      if (this.receiving) transport.onData?.(data);
    });
    this.sctp.onReceive.subscribe((streamId, ppid, data) => {
      if (ppid === Ppid.dcep && parseDcep(data).type === 'ack') this.acked.add(streamId);
      else this.received.push({ streamId, ppid, data });
    });
    this.sctp.onReconfigStreams.subscribe((ids) => {
      for (const id of ids) this.reset.add(id);
    });
  }

  /** Runs the SCTP handshake (INIT … COOKIE-ACK, RFC 9260 §5.1) over the DTLS association. */
  static async connect(dtls: DtlsClient, timeoutMs = 5000): Promise<DataChannelClient> {
    const client = new DataChannelClient(dtls);
    const connected = new Promise<void>((resolve) => client.sctp.stateChanged.connected.once(() => resolve()));
    await client.sctp.start(5000);
    await Promise.race([connected, new Promise((_, reject) => setTimeout(() => reject(new Error('SCTP association not established')), timeoutMs))]);
    return client;
  }

  /** Sends a DATA_CHANNEL_OPEN on the next even stream (the DTLS client's, RFC 8832 §6); returns the stream id. */
  open(parameters: Partial<DataChannelParameters> & { label: string }): number {
    const id = this.#nextId;
    this.#nextId += 2;
    void this.sctp.send(id, Ppid.dcep, encodeDcepOpen({ protocol: '', ordered: true, priority: 256, ...parameters }), { ordered: true });
    return id;
  }

  send(streamId: number, ppid: number, data: Buffer, ordered = true): void {
    void this.sctp.send(streamId, ppid, data, { ordered });
  }

  /** Closes a channel the RFC 8831 §6.7 way: an outgoing stream reset. */
  close(streamId: number): void {
    this.sctp.reconfigQueue.push(streamId);
    void this.sctp.transmitReconfigRequest();
  }

  stop(): void {
    void this.sctp.stop();
  }
}
