import { z } from 'zod';

const RpcReply = z.object({
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string() }).optional(),
});

/** Kamailio's JSON-RPC (jsonrpcs over xhttp) on the loopback control port, with the shared token. */
export class KamailioRpc {
  #id = 0;

  constructor(
    private readonly port: number,
    private readonly token: string,
  ) {}

  async call(method: string, params: unknown[] = [], timeoutMs = 2000): Promise<unknown> {
    const res = await fetch(`http://127.0.0.1:${this.port}/RPC`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rpc-token': this.token },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: ++this.#id }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`kamailio rpc ${method}: HTTP ${res.status}`);
    const reply = RpcReply.parse(await res.json());
    if (reply.error) throw new Error(`kamailio rpc ${method}: ${reply.error.message}`);
    return reply.result;
  }

  /** A device's digest credentials (HA1 for the edge's realm). */
  setCredential(username: string, ha1: string): Promise<unknown> {
    return this.call('htable.sets', ['cred', username, ha1]);
  }

  deleteCredential(username: string): Promise<unknown> {
    return this.call('htable.delete', ['cred', username]);
  }
}
