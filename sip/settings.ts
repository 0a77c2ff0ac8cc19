import { readFile } from 'node:fs/promises';
import { BlockList, isIPv4 } from 'node:net';
import { z } from 'zod';

/** How a radio gateway says its channel is keyed (someone talks on the radio side). */
export const RadioKeying = z.enum(['vox', 'rfc4733', 'info']);
export type RadioKeying = z.infer<typeof RadioKeying>;

const Cidr = z.string().refine((s) => parseCidr(s) !== undefined, { message: 'expected an IPv4 address or CIDR (10.1.2.0/24)' });
/** A SIP user part: what Kamailio and the htable key can carry without quoting. */
const SipUser = z.string().regex(/^[A-Za-z0-9._~+-]{1,64}$/, 'letters, digits and . _ ~ + - only');

export const Trunk = z.object({
  /** Shown in the roster and logs; also the X-Trunk header Kamailio adds for calls from it. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  /** Source addresses trusted as this trunk. */
  address: Cidr,
  kind: z.enum(['satellite', 'radio', 'pbx']),
  /** Radio trunks: how key-up is signalled. */
  keying: RadioKeying.default('vox'),
  /** When set, calls from the trunk must also pass digest auth as this server account. */
  digestUser: SipUser.optional(),
  /** Where dial-out to this trunk goes; the address itself when it is a single host. */
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).default(5060),
  transport: z.enum(['udp', 'tcp']).default('udp'),
});
export type Trunk = z.infer<typeof Trunk>;

export const SipSettings = z
  .object({
    /** Dialled number → room id. Every room can also be dialled by its id. */
    numbers: z.record(SipUser, z.string().min(1)).default({}),
    trunks: z.array(Trunk).default([]),
  })
  .superRefine((s, ctx) => {
    const names = new Set<string>();
    for (const t of s.trunks) {
      if (names.has(t.name)) ctx.addIssue({ code: 'custom', message: `trunk ${t.name}: name used twice` });
      names.add(t.name);
      if (!t.host && !parseCidr(t.address)?.single) ctx.addIssue({ code: 'custom', message: `trunk ${t.name}: a range needs "host" to dial out to` });
    }
  });
export type SipSettings = z.infer<typeof SipSettings>;

/** A missing file means no trunks and no extra numbers; a broken one is an error naming the file. */
export async function readSipSettings(file: string): Promise<SipSettings> {
  let raw: unknown = {};
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${(err as Error).message}`);
  }
  const parsed = SipSettings.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function parseCidr(s: string): { ip: string; bits: number; single: boolean } | undefined {
  const [ip, bitsText] = s.split('/');
  if (!ip || !isIPv4(ip)) return undefined;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32 || (bitsText !== undefined && !/^\d+$/.test(bitsText))) return undefined;
  return { ip, bits, single: bits === 32 };
}

/** The trunk a source address belongs to (the first that matches, as Kamailio checks them). */
export function trunkFor(trunks: readonly Trunk[], address: string): Trunk | undefined {
  return trunks.find((t) => {
    const c = parseCidr(t.address)!;
    const list = new BlockList();
    list.addSubnet(c.ip, c.bits, 'ipv4');
    return isIPv4(address) && list.check(address, 'ipv4');
  });
}

/** Where dial-out to a trunk goes. */
export function trunkTarget(trunk: Trunk): string {
  return `${trunk.host ?? parseCidr(trunk.address)!.ip}:${trunk.port}`;
}
