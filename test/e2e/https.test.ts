import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, startServer, type RunningServer } from '../helpers/server-process.js';

function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => !a.internal && a.family === 'IPv4').map((a) => a.address));
}

function get(url: string, ca: Buffer, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ca, method: init.method ?? 'GET', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('HTTPS with a certificate from certs/make-certs.sh', () => {
  let certDir: string;
  let server: RunningServer;

  beforeAll(async () => {
    certDir = await mkdtemp(path.join(os.tmpdir(), 'ecs-certs-'));
    execFileSync('bash', [path.join(projectRoot, 'certs/make-certs.sh')], { env: { ...process.env, CERTS_OUT: certDir }, stdio: 'pipe' });
    server = await startServer({ env: { TLS_CERT: path.join(certDir, 'server.crt'), TLS_KEY: path.join(certDir, 'server.key') } });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(certDir, { recursive: true, force: true });
  });

  it('names localhost and every LAN address of this machine', () => {
    const sans = execFileSync('openssl', ['x509', '-in', path.join(certDir, 'server.crt'), '-noout', '-ext', 'subjectAltName']).toString();
    expect(sans).toContain('DNS:localhost');
    expect(sans).toContain('IP Address:127.0.0.1');
    for (const ip of lanAddresses()) expect(sans).toContain(`IP Address:${ip}`);
  });

  it('serves the app and the API over TLS that verifies against the local CA', async () => {
    expect(server.httpsUrl).toBeDefined();
    const ca = await readFile(path.join(certDir, 'ca.crt'));
    const page = await get(`${server.httpsUrl}/`, ca);
    expect(page.status).toBe(200);
    expect(page.body).toContain('应急指挥');
    const loginReply = await get(`${server.httpsUrl}/api/login`, ca, { method: 'POST', body: JSON.stringify({ username: 'commander', password: 'commander123' }) });
    expect(loginReply.status).toBe(200);
    expect(JSON.parse(loginReply.body)).toHaveProperty('token');
    // Without trusting the CA, the connection is refused: the certificate is really checked.
    await expect(get(`${server.httpsUrl}/`, Buffer.from(''))).rejects.toThrow();
  });
});
