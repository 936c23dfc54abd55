import { Attr, type StunClass } from './constants.ts';
import { encodeAddress, encodeXorAddress, decodeAddress, decodeXorAddress, type TransportAddress } from './address.ts';
import { encodeErrorCode, encodeText, encodeUint32, decodeErrorCode, decodeText, decodeUint32, TEXT_LIMITS } from './attributes.ts';
import { createTransactionId, encodeMessage, getAttribute, type EncodeOptions, type StunMessage } from './message.ts';

/** Builds one message attribute by attribute; `encode` adds integrity and fingerprint. */
export class StunMessageBuilder {
  readonly message: StunMessage;

  constructor(method: number, cls: StunClass, transactionId: Buffer = createTransactionId()) {
    this.message = { method, cls, transactionId, attributes: [] };
  }

  add(type: number, value: Uint8Array): this {
    this.message.attributes.push({ type, value: Buffer.from(value) });
    return this;
  }

  text(type: number, text: string): this {
    return this.add(type, encodeText(text));
  }

  uint32(type: number, n: number): this {
    return this.add(type, encodeUint32(n));
  }

  address(type: number, addr: { address: string; port: number }): this {
    return this.add(type, encodeAddress(addr));
  }

  xorAddress(type: number, addr: { address: string; port: number }): this {
    return this.add(type, encodeXorAddress(addr, this.message.transactionId));
  }

  errorCode(code: number, reason?: string): this {
    return this.add(Attr['ERROR-CODE'], encodeErrorCode(code, reason));
  }

  encode(options: EncodeOptions = {}): Buffer {
    return encodeMessage(this.message, options);
  }
}

/** Typed readers: undefined when absent, StunDecodeError when malformed. */
export function readText(msg: StunMessage, type: typeof Attr.USERNAME | typeof Attr.REALM | typeof Attr.NONCE | typeof Attr.SOFTWARE): string | undefined {
  const v = getAttribute(msg, type);
  if (!v) return undefined;
  const name = type === Attr.USERNAME ? 'USERNAME' : type === Attr.REALM ? 'REALM' : type === Attr.NONCE ? 'NONCE' : 'SOFTWARE';
  return decodeText(v, name, TEXT_LIMITS[name]);
}

export function readXorAddress(msg: StunMessage, type: number): TransportAddress | undefined {
  const v = getAttribute(msg, type);
  return v ? decodeXorAddress(v, msg.transactionId) : undefined;
}

export function readAddress(msg: StunMessage, type: number): TransportAddress | undefined {
  const v = getAttribute(msg, type);
  return v ? decodeAddress(v) : undefined;
}

export function readUint32(msg: StunMessage, type: number): number | undefined {
  const v = getAttribute(msg, type);
  return v ? decodeUint32(v, `attribute 0x${type.toString(16)}`) : undefined;
}

export function readErrorCode(msg: StunMessage): { code: number; reason: string } | undefined {
  const v = getAttribute(msg, Attr['ERROR-CODE']);
  return v ? decodeErrorCode(v) : undefined;
}
