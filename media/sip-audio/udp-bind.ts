import { type Socket, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export interface PortRange {
  min: number;
  max: number;
}

/** Tries at random ports before giving up on a range that is (nearly) full. */
const ATTEMPTS = 64;

function bindOnce(ip: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(ip) ? 'udp6' : 'udp4' });
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, ip, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * A UDP socket on `ip`: on a port the system picks, or on a random even port of `range` (RTP's
 * convention, and what a firewall opened for media expects).
 */
export async function bindUdp(ip: string, range?: PortRange): Promise<Socket> {
  if (!range) return bindOnce(ip, 0);
  const evens = Math.floor((range.max - range.min) / 2) + 1;
  if (!(range.min > 0 && range.max <= 65535 && evens > 0)) throw new RangeError(`bad RTP port range ${range.min}-${range.max}`);
  const first = range.min + (range.min % 2);
  let lastError: unknown;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = first + 2 * Math.floor(Math.random() * evens);
    if (port > range.max) continue;
    try {
      return await bindOnce(ip, port);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      lastError = err;
    }
  }
  throw new Error(`no free RTP port in ${range.min}-${range.max}`, { cause: lastError });
}
