import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A test host of its own: a network namespace joined to this machine by a veth pair on a private /30
 * (10.250.N.0/30) that exists only between the test's namespaces. Its link can be cut and restored
 * to make a real network loss. Needs root, as CI has.
 */
export interface TestHost {
  name: string;
  /** This machine's end of the link: where the namespace reaches the server. */
  hostIp: string;
  nsIp: string;
  /** Runs Chromium inside the namespace; launch it with puppeteer's pipe mode (no debugging port). */
  chromiumWrapper: string;
  setLinkUp(up: boolean): Promise<void>;
  /** Caps what the namespace sends (kbit/s) with a token bucket; null lifts the cap. */
  limitUplink(kbit: number | null): Promise<void>;
  /** Drops every UDP packet the namespace sends (as a firewall that allows only TCP would). */
  blockUdp(): Promise<void>;
  remove(): Promise<void>;
}

export async function createTestHost(chromium: string): Promise<TestHost> {
  const n = 1 + Math.floor(Math.random() * 250);
  const tag = `${process.pid % 1000}x${n}`;
  const name = `ecs-${tag}`;
  const hostIf = `vh${tag}`;
  const nsIf = `vn${tag}`;
  const hostIp = `10.250.${n}.1`;
  const nsIp = `10.250.${n}.2`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-netns-'));
  const chromiumWrapper = path.join(dir, 'chromium-in-netns');
  const inNs = (...args: string[]) => run('ip', ['netns', 'exec', name, ...args]);
  const remove = async () => {
    await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    await run('ip', ['netns', 'del', name]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('ip', ['netns', 'add', name]);
    await run('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    await run('ip', ['link', 'set', nsIf, 'netns', name]);
    await run('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    await run('ip', ['link', 'set', hostIf, 'up']);
    await inNs('ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf);
    await inNs('ip', 'link', 'set', nsIf, 'up');
    await inNs('ip', 'link', 'set', 'lo', 'up');
    await writeFile(chromiumWrapper, `#!/bin/sh\nexec ip netns exec ${name} ${chromium} "$@"\n`);
    await chmod(chromiumWrapper, 0o755);
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    name,
    hostIp,
    nsIp,
    chromiumWrapper,
    async setLinkUp(up) {
      await run('ip', ['link', 'set', hostIf, up ? 'up' : 'down']);
    },
    async limitUplink(kbit) {
      await inNs('tc', 'qdisc', 'del', 'dev', nsIf, 'root').catch(() => undefined);
      if (kbit !== null) await inNs('tc', 'qdisc', 'add', 'dev', nsIf, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '8kb', 'latency', '400ms');
    },
    async blockUdp() {
      await inNs('nft', 'add table inet ecs_filter');
      await inNs('nft', 'add chain inet ecs_filter out { type filter hook output priority 0 ; }');
      await inNs('nft', 'add rule inet ecs_filter out meta l4proto udp drop');
    },
    remove,
  };
}
