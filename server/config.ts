import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** An empty variable (FOO=) means "not set", as it does to a shell user. */
const withoutEmpty = (env: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));

const EnvSchema = z.object({
  DATA_DIR: z.string().default('data'),
  ORG_CONFIG: z.string().default('config/organisation.json'),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: port.default(8080),
  HTTPS_HOST: z.string().default('0.0.0.0'),
  HTTPS_PORT: port.default(8443),
  TLS_CERT: z.string().default('certs/out/server.crt'),
  TLS_KEY: z.string().default('certs/out/server.key'),
  REDIS_URL: z.string().url().optional(),
  REDIS_SERVER_BIN: z.string().default('redis-server'),
  JWT_SECRET: z.string().min(16).optional(),
  TOKEN_TTL_S: z.coerce.number().int().positive().default(12 * 3600),
  MEDIA_WORKERS: z.coerce.number().int().positive().default(os.cpus().length),
  /** Unset: the worker pool's default (50). */
  ROOM_PEERS_PER_ROUTER: z.coerce.number().int().positive().optional(),
  MEDIA_LISTEN_IP: z.string().default('0.0.0.0'),
  MEDIA_ANNOUNCED_IP: z.string().optional(),
  MEDIA_PORT: port.default(40000),
  RTC_MIN_PORT: port.default(40100),
  RTC_MAX_PORT: port.default(40999),
  METRICS_TOKEN: z.string().min(16).optional(),
  PUBLIC_URL: z.string().url().optional(),
  MAP_TILE_URL: z.string().optional(),
  MAP_CENTER: z.string().regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/).default('35.104,118.356'),
  FEED_MAX_PROCESSES: z.coerce.number().int().positive().default(32),
  FEED_IDLE_STOP_S: z.coerce.number().min(0).default(30),
  FEED_RETRY_BASE_MS: z.coerce.number().int().positive().default(1000),
  FEED_RETRY_MAX_S: z.coerce.number().positive().default(30),
  /** RTMP push (drones): a port, or "off". */
  RTMP_PORT: z.union([z.literal('off'), port]).default(1935),
  RTMP_HOST: z.string().default('0.0.0.0'),
  NGINX_BIN: z.string().default('/usr/sbin/nginx'),
  NGINX_RTMP_MODULE: z.string().default('/usr/lib/nginx/modules/ngx_rtmp_module.so'),
  PTT_MAX_BURST_S: z.coerce.number().positive().default(30),
  PTT_MAX_QUEUE: z.coerce.number().int().positive().default(32),
  /** A member of a large conference hears this many of the latest active speakers (last-N audio). */
  LAST_N_AUDIO: z.coerce.number().int().min(1).max(64).default(6),
  RECORDING_POLICY: z.enum(['manual', 'always']).default('manual'),
  /** Recordings are deleted this many days after they stopped; 0 keeps them for ever. */
  RECORDING_RETENTION_DAYS: z.coerce.number().min(0).default(0),
  RECORDING_SWEEP_S: z.coerce.number().positive().default(3600),
  /** Below this much free space on the recording disk, recording stops (and does not start). */
  RECORDING_MIN_FREE_MB: z.coerce.number().min(0).default(500),
  RECORDING_DISK_CHECK_MS: z.coerce.number().int().min(100).default(1000),
  /** Cluster (with REDIS_URL): this node's name, the other nodes' URLs for clients, the pipe address, liveness. */
  NODE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
  CLUSTER_NODES: z.string().optional(),
  CLUSTER_PIPE_IP: z.string().ip().optional(),
  CLUSTER_HEARTBEAT_MS: z.coerce.number().int().min(100).default(1000),
  CLUSTER_NODE_TTL_MS: z.coerce.number().int().min(300).default(4000),
  /** The SIP gateway (Kamailio edge + the server's user agent): "true" to run it. */
  SIP_ENABLED: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  SIP_HOST: z.string().default('0.0.0.0'),
  SIP_PORT: port.default(5060),
  /** SIPS (TLS) port, used when the TLS certificate exists. */
  SIP_TLS_PORT: port.default(5061),
  SIP_DOMAIN: z.string().regex(/^[A-Za-z0-9.-]{1,253}$/).default('emergency-command'),
  /** Loopback port between Kamailio and the server (WebSocket for SIP, HTTP for Kamailio's RPC). */
  SIP_WS_PORT: port.default(5066),
  SIP_CONFIG: z.string().default('config/sip.json'),
  /** Address written into SDP and bound by the RTP legs; the media announced address when unset. */
  SIP_RTP_IP: z.string().ip({ version: 'v4' }).optional(),
  /** Ports SIP legs receive RTP on (even ones), for a firewall; any free port when unset. */
  SIP_RTP_MIN_PORT: port.optional(),
  SIP_RTP_MAX_PORT: port.optional(),
  SIP_RTP_TIMEOUT_S: z.coerce.number().min(0).default(30),
  SIP_KEEPALIVE_S: z.coerce.number().min(0).default(30),
  /** Initial requests per source address per 2 s before it is blocked (pike). */
  SIP_FLOOD_LIMIT: z.coerce.number().int().positive().default(16),
  SIP_BAN_S: z.coerce.number().int().positive().default(60),
  KAMAILIO_BIN: z.string().default('kamailio'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = ReturnType<typeof loadConfig>;

/** The first non-internal IPv4 address: what phones on the LAN reach this machine at. */
export function lanAddress(): string | undefined {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = EnvSchema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new Error(`invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  if ((e.SIP_RTP_MIN_PORT === undefined) !== (e.SIP_RTP_MAX_PORT === undefined) || (e.SIP_RTP_MIN_PORT ?? 0) > (e.SIP_RTP_MAX_PORT ?? 0)) {
    throw new Error('invalid settings: SIP_RTP_MIN_PORT and SIP_RTP_MAX_PORT go together, min ≤ max');
  }
  const dataDir = path.resolve(e.DATA_DIR);
  // Listening on every address needs one to announce; a specific address announces itself.
  const listensEverywhere = e.MEDIA_LISTEN_IP === '0.0.0.0' || e.MEDIA_LISTEN_IP === '::';
  return {
    dataDir,
    orgConfigPath: path.resolve(e.ORG_CONFIG),
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    https: { host: e.HTTPS_HOST, port: e.HTTPS_PORT, certPath: path.resolve(e.TLS_CERT), keyPath: path.resolve(e.TLS_KEY) },
    redis: { url: e.REDIS_URL, serverBin: e.REDIS_SERVER_BIN },
    auth: { jwtSecret: e.JWT_SECRET, tokenTtlS: e.TOKEN_TTL_S },
    media: {
      workers: e.MEDIA_WORKERS,
      listenIp: e.MEDIA_LISTEN_IP,
      announcedIp: e.MEDIA_ANNOUNCED_IP ?? (listensEverywhere ? (lanAddress() ?? '127.0.0.1') : undefined),
      basePort: e.MEDIA_PORT,
      rtcMinPort: e.RTC_MIN_PORT,
      rtcMaxPort: e.RTC_MAX_PORT,
      ...(e.ROOM_PEERS_PER_ROUTER ? { peersPerRouter: e.ROOM_PEERS_PER_ROUTER } : {}),
    },
    feeds: {
      maxProcesses: e.FEED_MAX_PROCESSES,
      idleStopMs: e.FEED_IDLE_STOP_S * 1000,
      retryBaseMs: e.FEED_RETRY_BASE_MS,
      retryMaxMs: e.FEED_RETRY_MAX_S * 1000,
    },
    rtmp: e.RTMP_PORT === 'off' ? undefined : { port: e.RTMP_PORT, host: e.RTMP_HOST, nginxBin: e.NGINX_BIN, modulePath: e.NGINX_RTMP_MODULE },
    ptt: { maxBurstMs: Math.round(e.PTT_MAX_BURST_S * 1000), maxQueue: e.PTT_MAX_QUEUE },
    rooms: { lastNAudio: e.LAST_N_AUDIO },
    recording: {
      policy: e.RECORDING_POLICY,
      retentionMs: e.RECORDING_RETENTION_DAYS * 24 * 3600 * 1000,
      sweepMs: e.RECORDING_SWEEP_S * 1000,
      minFreeBytes: Math.round(e.RECORDING_MIN_FREE_MB * 1024 * 1024),
      diskCheckMs: e.RECORDING_DISK_CHECK_MS,
    },
    sip: e.SIP_ENABLED
      ? {
          host: e.SIP_HOST,
          port: e.SIP_PORT,
          tlsPort: e.SIP_TLS_PORT,
          domain: e.SIP_DOMAIN,
          wsPort: e.SIP_WS_PORT,
          settingsPath: path.resolve(e.SIP_CONFIG),
          rtpIp: e.SIP_RTP_IP ?? (listensEverywhere ? (e.MEDIA_ANNOUNCED_IP ?? lanAddress() ?? '127.0.0.1') : e.MEDIA_LISTEN_IP),
          rtpPortRange: e.SIP_RTP_MIN_PORT !== undefined && e.SIP_RTP_MAX_PORT !== undefined ? { min: e.SIP_RTP_MIN_PORT, max: e.SIP_RTP_MAX_PORT } : undefined,
          rtpTimeoutMs: e.SIP_RTP_TIMEOUT_S > 0 ? e.SIP_RTP_TIMEOUT_S * 1000 : null,
          keepaliveMs: e.SIP_KEEPALIVE_S > 0 ? e.SIP_KEEPALIVE_S * 1000 : null,
          floodLimit: e.SIP_FLOOD_LIMIT,
          banSeconds: e.SIP_BAN_S,
          kamailioBin: e.KAMAILIO_BIN,
          dir: path.join(dataDir, 'sip'),
        }
      : undefined,
    metricsToken: e.METRICS_TOKEN,
    /** Base map tiles ({z}/{x}/{y}); unset means a blank base, which still shows every marker. */
    map: { tileUrl: e.MAP_TILE_URL, center: e.MAP_CENTER.split(',').map(Number) as [number, number] },
    /** Where phones reach this server, for join links; the LAN HTTPS address when unset. */
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    /** Only with an external Redis: the embedded one is this node's alone. */
    cluster: e.REDIS_URL
      ? {
          nodeId: e.NODE_ID,
          nodes: (e.CLUSTER_NODES ?? '').split(',').map((u) => u.trim().replace(/\/$/, '')).filter((u) => u !== ''),
          pipeIp: e.CLUSTER_PIPE_IP ?? (listensEverywhere ? (e.MEDIA_ANNOUNCED_IP ?? lanAddress() ?? '127.0.0.1') : e.MEDIA_LISTEN_IP),
          heartbeatMs: e.CLUSTER_HEARTBEAT_MS,
          nodeTtlMs: e.CLUSTER_NODE_TTL_MS,
        }
      : undefined,
    logLevel: e.LOG_LEVEL,
  };
}
