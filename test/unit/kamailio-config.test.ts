import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODULE_PATH, kamailioConfig, type EdgeConfig } from '../../sip/edge/kamailio-config.js';
import { Trunk } from '../../sip/settings.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kamailio-cfg-'));
  // A throwaway self-signed certificate for the TLS variant.
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem')]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base: EdgeConfig = {
  listenHost: '127.0.0.1',
  sipPort: 45060,
  domain: 'sip.example.test',
  wsPort: 45088,
  rpcToken: 'a1b2c3d4e5f6a7b8c9d0',
  gatewayUser: 'gateway',
  trunks: [],
  pikeDensity: 16,
  banSeconds: 60,
  modulePath: DEFAULT_MODULE_PATH,
  children: 2,
};

/** `kamailio -c` parses the file and loads every module with its parameters: what a start would do, without listening. */
async function check(config: EdgeConfig): Promise<void> {
  const file = path.join(dir, `k-${Math.random().toString(36).slice(2)}.cfg`);
  await writeFile(file, kamailioConfig(config));
  const { stderr } = await run('kamailio', ['-c', '-f', file]).catch((err: { stderr?: string }) => {
    throw new Error(`kamailio -c failed:\n${err.stderr}`);
  });
  expect(stderr).toMatch(/config file ok/);
}

describe('generated Kamailio configuration', () => {
  it('passes kamailio -c without trunks', async () => {
    await check(base);
  });

  it('passes kamailio -c with trunks of every kind, with and without digest', async () => {
    const trunks = [
      Trunk.parse({ name: 'tiantong', address: '10.1.2.3', kind: 'satellite' }),
      Trunk.parse({ name: 'radio-370', address: '10.9.0.0/16', kind: 'radio', keying: 'rfc4733', host: '10.9.0.1' }),
      Trunk.parse({ name: 'pbx', address: '192.0.2.10/32', kind: 'pbx', digestUser: 'pbx-trunk' }),
    ];
    const text = kamailioConfig({ ...base, trunks });
    expect(text).toContain('is_in_subnet("$si", "10.9.0.0/16")');
    expect(text).toContain('$var(trunkUser) = "pbx-trunk"');
    await check({ ...base, trunks });
  });

  it('passes kamailio -c with TLS', async () => {
    const text = kamailioConfig({ ...base, tls: { port: 45061, certPath: path.join(dir, 'c.pem'), keyPath: path.join(dir, 'k.pem') } });
    expect(text).toContain('listen=tls:127.0.0.1:45061');
    await check({ ...base, tls: { port: 45061, certPath: path.join(dir, 'c.pem'), keyPath: path.join(dir, 'k.pem') } });
  });

  it('passes kamailio -c listening on every interface, each address on its own', async () => {
    const text = kamailioConfig({ ...base, listenHost: '0.0.0.0' });
    expect(text).not.toContain('0.0.0.0');
    expect(text).toContain('listen=udp:127.0.0.1:45060');
    await check({ ...base, listenHost: '0.0.0.0' });
  });

  it('refuses values that would break out of a string literal', () => {
    expect(() => kamailioConfig({ ...base, domain: 'a"; exit; "' })).toThrow(/not allowed/);
  });
});
