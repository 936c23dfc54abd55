/**
 * Chromium's m=application section for data channels (RFC 8841), as it offers it next to media: appended to an
 * offer and added to its BUNDLE group, with the offer's own ICE credentials and fingerprint.
 */
export function withDataSection(offer: string, mid = '4'): string {
  const body = offer.replace(/^a=group:BUNDLE (.*)$/m, (_, mids: string) => `a=group:BUNDLE ${mids.trim()} ${mid}`);
  return `${body.replace(/(\r\n)+$/, '')}\r\n${dataSection(offer, mid).join('\r\n')}\r\n`;
}

/** An offer with nothing but a data channel section (a participant that neither publishes nor subscribes yet). */
export function dataOnlyOffer(offer: string): string {
  const header = offer.slice(0, offer.indexOf('\r\nm=') + 2).replace(/^a=group:BUNDLE .*$/m, 'a=group:BUNDLE 0');
  return `${header}${dataSection(offer, '0').join('\r\n')}\r\n`;
}

function dataSection(offer: string, mid: string): string[] {
  const ufrag = /^a=ice-ufrag:(.*)$/m.exec(offer)?.[1] ?? 'x';
  const pwd = /^a=ice-pwd:(.*)$/m.exec(offer)?.[1] ?? 'x';
  const fingerprint = /^a=fingerprint:(.*)$/m.exec(offer)?.[1] ?? '';
  return [
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    'a=ice-options:trickle',
    `a=fingerprint:${fingerprint}`,
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ];
}
