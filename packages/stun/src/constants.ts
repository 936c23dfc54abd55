/** RFC 8489 §5: the fixed value in bytes 4–7 of every STUN message. */
export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_LENGTH = 20;
export const TRANSACTION_ID_LENGTH = 12;

/** RFC 8489 §5: the two class bits of the message type. */
export const StunClass = { request: 0b00, indication: 0b01, success: 0b10, error: 0b11 } as const;
export type StunClass = keyof typeof StunClass;

/** RFC 8489 §18.2 and RFC 8656 §17: methods. */
export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;
export type StunMethodName = keyof typeof StunMethod;

/** Attribute types: RFC 8489 §18.3, RFC 8656 §18, RFC 8445 §16.1 (ICE). */
export const Attr = {
  'MAPPED-ADDRESS': 0x0001,
  USERNAME: 0x0006,
  'MESSAGE-INTEGRITY': 0x0008,
  'ERROR-CODE': 0x0009,
  'UNKNOWN-ATTRIBUTES': 0x000a,
  'CHANNEL-NUMBER': 0x000c,
  LIFETIME: 0x000d,
  'XOR-PEER-ADDRESS': 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  'XOR-RELAYED-ADDRESS': 0x0016,
  'REQUESTED-ADDRESS-FAMILY': 0x0017,
  'EVEN-PORT': 0x0018,
  'REQUESTED-TRANSPORT': 0x0019,
  'DONT-FRAGMENT': 0x001a,
  'MESSAGE-INTEGRITY-SHA256': 0x001c,
  'PASSWORD-ALGORITHM': 0x001d,
  USERHASH: 0x001e,
  'XOR-MAPPED-ADDRESS': 0x0020,
  'RESERVATION-TOKEN': 0x0022,
  PRIORITY: 0x0024,
  'USE-CANDIDATE': 0x0025,
  'ADDITIONAL-ADDRESS-FAMILY': 0x8000,
  'ADDRESS-ERROR-CODE': 0x8001,
  'PASSWORD-ALGORITHMS': 0x8002,
  'ALTERNATE-DOMAIN': 0x8003,
  ICMP: 0x8004,
  SOFTWARE: 0x8022,
  'ALTERNATE-SERVER': 0x8023,
  FINGERPRINT: 0x8028,
  'ICE-CONTROLLED': 0x8029,
  'ICE-CONTROLLING': 0x802a,
  'RESPONSE-ORIGIN': 0x802b,
  'OTHER-ADDRESS': 0x802c,
} as const;
export type AttrName = keyof typeof Attr;

const KNOWN = new Set<number>(Object.values(Attr));

/** RFC 8489 §14: types 0x0000–0x7FFF are comprehension-required. */
export function isComprehensionRequired(type: number): boolean {
  return type < 0x8000;
}

export function isKnownAttribute(type: number): boolean {
  return KNOWN.has(type);
}

/** Reason phrases for the error codes STUN and TURN use (RFC 8489 §14.8, RFC 8656 §18.2). */
export const ErrorReason: Record<number, string> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  486: 'Allocation Quota Reached',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};

/** RFC 8656 §12: channel numbers a client may bind. */
export const CHANNEL_MIN = 0x4000;
export const CHANNEL_MAX = 0x4fff;
/** RFC 5766 §11 allowed up to 0x7FFF, and coturn's clients still use it: servers accept it. */
export const CHANNEL_MAX_RFC5766 = 0x7fff;

/** RFC 8656 §14.7: REQUESTED-TRANSPORT protocol number for UDP. */
export const TRANSPORT_UDP = 17;

/** RFC 8656 §14.1 / RFC 8489 §14.1: address families. */
export const FAMILY_IPV4 = 0x01;
export const FAMILY_IPV6 = 0x02;
