/**
 * SIPS: with a TLS certificate configured, the Kamailio edge also listens for SIP over TLS, with the
 * server's own certificate, and applies the same rules there as on UDP (an untrusted INVITE is refused).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortRange } from '../helpers/ports.js';
import { projectRoot, startServer, type RunningServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

/** Sends one SIP request over TLS and returns the first response's status line. */
function sipOverTls(port: number, ca: Buffer, request: string): Promise<{ status: string; peerCertificateCN: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => socket.write(request));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no SIP response over TLS; got: ${text}`));
    }, 10_000);
    socket.on('data', (d: Buffer) => {
      text += d.toString();
      const line = text.split('\r\n')[0] ?? '';
      if (/^SIP\/2\.0 \d{3}/.test(line) && !/^SIP\/2\.0 1\d\d/.test(line)) {
        clearTimeout(timer);
        const subject = socket.getPeerCertificate().subject as unknown as Record<string, string> | undefined;
        socket.end();
        resolve({ status: line, peerCertificateCN: subject?.['CN'] ?? '' });
      } else if (/^SIP\/2\.0 1\d\d/.test(line)) {
        // A provisional answer: wait for the final one.
        text = text.slice(text.indexOf('\r\n\r\n') + 4);
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function request(method: 'OPTIONS' | 'INVITE', port: number, n: number): string {
  const body = method === 'INVITE' ? 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' : '';
  return [
    `${method} sip:1001@127.0.0.1:${port};transport=tls SIP/2.0`,
    `Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-tls-${n}-${Date.now()}`,
    `From: <sip:probe@127.0.0.1>;tag=t${n}`,
    `To: <sip:1001@127.0.0.1>`,
    `Call-ID: tls-${n}-${Date.now()}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:probe@127.0.0.1:5999;transport=tls>`,
    'Max-Forwards: 70',
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

describe('SIP over TLS (SIPS) at the edge', () => {
  let server: RunningServer;
  let certDir: string;
  let tlsPort: number;

  beforeAll(async () => {
    certDir = await mkdtemp(path.join(os.tmpdir(), 'sip-tls-'));
    execFileSync('bash', [path.join(projectRoot, 'certs/make-certs.sh')], { env: { ...process.env, CERTS_OUT: certDir }, stdio: 'pipe' });
    const base = await freePortRange(16);
    tlsPort = base + 2;
    const settings = path.join(certDir, 'sip.json');
    await writeFile(settings, JSON.stringify({ numbers: { 1001: 'city-consultation' }, trunks: [] }));
    server = await startServer({
      env: {
        TLS_CERT: path.join(certDir, 'server.crt'), TLS_KEY: path.join(certDir, 'server.key'),
        SIP_ENABLED: 'true', SIP_HOST: '127.0.0.1', SIP_PORT: String(base), SIP_WS_PORT: String(base + 1), SIP_TLS_PORT: String(tlsPort),
        SIP_DOMAIN: 'test.invalid', SIP_CONFIG: settings, SIP_RTP_IP: '127.0.0.1',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('answers SIP over TLS with the server certificate, and refuses an untrusted INVITE there too', async () => {
    const ca = await readFile(path.join(certDir, 'ca.crt'));
    // Kamailio may still be opening its TLS listener just after the server reports it is up.
    const options = await waitFor('a SIP answer over TLS', () => sipOverTls(tlsPort, ca, request('OPTIONS', tlsPort, 1)).catch(() => undefined), 15_000, 300);
    expect(options.status).toMatch(/^SIP\/2\.0 [2-6]\d\d/);
    const invite = await sipOverTls(tlsPort, ca, request('INVITE', tlsPort, 2));
    expect(invite.status).toMatch(/^SIP\/2\.0 (401|403|407)/);
  }, 60_000);
});
