/**
 * A minimal Janus configuration for the bench, written to a temporary folder: the core (full ICE, never lite, ICE
 * restricted to the bench interface since Janus skips loopback), the VideoRoom plugin with no preset rooms, and the
 * plain-HTTP transport on loopback. Every other plugin, transport, logger and event handler is disabled.
 */

export interface JanusConfigOptions {
  configDir: string;
  /** Interface Janus gathers on (a dummy or veth inside the bench namespace). */
  iceInterface: string;
  httpPort: number;
  rtpPortRange: [number, number];
  /** libjanus_*.so present in the plugin and transport folders: all but the ones we use get disabled. */
  plugins: readonly string[];
  transports: readonly string[];
  loggers?: readonly string[];
  /** Janus's static event loops (0: a thread per handle, Janus's default). */
  eventLoops?: number;
  debugLevel?: number;
}

export const JANUS_LIB_DIR = '/usr/lib/x86_64-linux-gnu/janus';
export const VIDEOROOM = 'libjanus_videoroom.so';
export const HTTP_TRANSPORT = 'libjanus_http.so';

const list = (items: readonly string[]): string => `"${items.join(',')}"`;

/** File name → content of every file Janus reads from `-F <configDir>`. */
export function janusConfigFiles(o: JanusConfigOptions): Record<string, string> {
  const [lo, hi] = o.rtpPortRange;
  if (!(lo > 0 && hi >= lo && hi <= 65535)) throw new RangeError(`bad RTP port range ${lo}-${hi}`);
  const disabledPlugins = o.plugins.filter((p) => p !== VIDEOROOM);
  const disabledTransports = o.transports.filter((t) => t !== HTTP_TRANSPORT);
  const core = `general: {
	configs_folder = "${o.configDir}"
	plugins_folder = "${JANUS_LIB_DIR}/plugins"
	transports_folder = "${JANUS_LIB_DIR}/transports"
	events_folder = "${JANUS_LIB_DIR}/events"
	loggers_folder = "${JANUS_LIB_DIR}/loggers"
	debug_level = ${o.debugLevel ?? 3}
	debug_colors = false
	session_timeout = 120
${o.eventLoops ? `	event_loops = ${o.eventLoops}\n` : ''}}
certificates: {
}
media: {
	rtp_port_range = "${lo}-${hi}"
	dtls_timeout = 500
	nack_optimizations = false
}
nat: {
	nice_debug = false
	ice_lite = false
	ice_tcp = false
	full_trickle = false
	ignore_mdns = true
	ice_enforce_list = "${o.iceInterface}"
}
plugins: {
${disabledPlugins.length ? `	disable = ${list(disabledPlugins)}\n` : ''}}
transports: {
${disabledTransports.length ? `	disable = ${list(disabledTransports)}\n` : ''}}
loggers: {
${o.loggers?.length ? `	disable = ${list(o.loggers)}\n` : ''}}
events: {
	broadcast = false
}
`;
  const http = `general: {
	json = "plain"
	base_path = "/janus"
	http = true
	port = ${o.httpPort}
	ip = "127.0.0.1"
	https = false
}
admin: {
	admin_http = false
	admin_https = false
}
`;
  const videoroom = `general: {
}
`;
  return { 'janus.jcfg': core, 'janus.transport.http.jcfg': http, 'janus.plugin.videoroom.jcfg': videoroom };
}

/** The VideoRoom `create` request: same codecs and feedback as the Parley side (Opus, VP8, transport-wide CC). */
export function videoRoomCreate(room: number, publishers: number): Record<string, unknown> {
  return {
    request: 'create',
    room,
    permanent: false,
    is_private: true,
    publishers,
    audiocodec: 'opus',
    videocodec: 'vp8',
    transport_wide_cc_ext: true,
    // No REMB cap (Parley has none): 0 means unlimited.
    bitrate: 0,
    // Key frames only when a subscriber asks (a join), as on the Parley side; no periodic FIR.
    fir_freq: 0,
    audiolevel_ext: false,
    audiolevel_event: false,
    videoorient_ext: false,
    playoutdelay_ext: false,
    notify_joining: false,
  };
}
