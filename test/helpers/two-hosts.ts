import { CHROMIUM, launchBrowser, type TestBrowser } from './browser.js';
import { createTestHost, type TestHost } from './netns.js';
import { startServer, type RunningServer } from './server-process.js';

/**
 * The shape of the network tests: the server on this machine's end of a test link, a "field" browser on
 * a host of its own behind that link (so the link can be cut, squeezed or firewalled), and a "center"
 * browser on this machine.
 */
export interface TwoHosts {
  host: TestHost;
  server: RunningServer;
  fieldBrowser: TestBrowser;
  centerBrowser: TestBrowser;
  close(): Promise<void>;
}

export async function startTwoHosts(opts: { blockUdp?: boolean } = {}): Promise<TwoHosts> {
  const host = await createTestHost(CHROMIUM);
  if (opts.blockUdp) await host.blockUdp();
  const server = await startServer({ env: { HTTP_HOST: host.hostIp, MEDIA_LISTEN_IP: host.hostIp } });
  // Plain HTTP on a non-loopback address is not a secure context unless the browser is told so.
  const args = [`--unsafely-treat-insecure-origin-as-secure=${server.url}`];
  const fieldBrowser = await launchBrowser({ executablePath: host.chromiumWrapper, args });
  const centerBrowser = await launchBrowser({ args });
  return {
    host,
    server,
    fieldBrowser,
    centerBrowser,
    async close() {
      await fieldBrowser.close();
      await centerBrowser.close();
      await server.stop();
      await host.remove();
    },
  };
}
