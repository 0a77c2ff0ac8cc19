import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'emergency-command' },
    // Credentials never reach the log, wherever they appear in a logged object.
    redact: [
      'password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization',
      // Camera credentials: an RTSP URL may carry user:password, a stream key is the pusher's only proof.
      'url', '*.url', 'streamKey', '*.streamKey',
    ],
  });
}
