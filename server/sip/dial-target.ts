import { AppError, ErrorCode } from '../../protocol/errors.js';
import type { SipCallInfo } from '../../protocol/signalling.js';
import { trunkTarget, type Trunk } from '../../sip/settings.js';
import type { SdpCodecName } from '../../sip/ua/sdp.js';

export interface DialTarget {
  uri: string;
  kind: SipCallInfo['kind'];
  trunk: Trunk | undefined;
  /** Offered one after another (a 488 moves to the next): one codec per offer keeps the leg simple. */
  codecs: SdpCodecName[];
}

const USER = /^[A-Za-z0-9._~+-]{1,64}$/;
/** Gateways and satellite phones speak G.711; devices get the wideband codecs first. */
const TRUNK_CODECS: SdpCodecName[] = ['PCMA', 'PCMU'];
const DEVICE_CODECS: SdpCodecName[] = ['opus', 'G722', 'PCMU', 'PCMA'];

/**
 * What a commander may dial: a number through a named trunk, a registered device by user name, or a
 * sip: URI whose host is this server's domain (a device) or a trunk's host. Nothing else leaves the server.
 */
export function resolveDialTarget(target: string, trunkName: string | undefined, domain: string, trunks: readonly Trunk[]): DialTarget {
  if (trunkName !== undefined) {
    const trunk = trunks.find((t) => t.name === trunkName);
    if (!trunk) throw new AppError(ErrorCode.NotFound, `no SIP trunk ${trunkName}`);
    if (!USER.test(target)) throw new AppError(ErrorCode.BadRequest, 'a number through a trunk is digits or a user name');
    return { uri: `sip:${target}@${trunkTarget(trunk)}${trunk.transport === 'tcp' ? ';transport=tcp' : ''}`, kind: trunk.kind, trunk, codecs: TRUNK_CODECS };
  }
  const sip = /^sips?:([^@\s;]+)@([^;\s>]+)(;.*)?$/i.exec(target);
  if (sip) {
    const [, user, hostPort] = sip;
    if (!USER.test(user!)) throw new AppError(ErrorCode.BadRequest, `bad user part in ${target}`);
    const host = hostPort!.toLowerCase();
    if (host === domain.toLowerCase() || host.startsWith(`${domain.toLowerCase()}:`)) {
      return { uri: `sip:${user}@${domain}`, kind: 'device', trunk: undefined, codecs: DEVICE_CODECS };
    }
    const trunk = trunks.find((t) => trunkTarget(t) === host || trunkTarget(t) === `${host}:${t.port}`);
    if (!trunk) throw new AppError(ErrorCode.Forbidden, `${hostPort} is neither this server's domain nor a configured trunk`);
    return { uri: `sip:${user}@${trunkTarget(trunk)}`, kind: trunk.kind, trunk, codecs: TRUNK_CODECS };
  }
  if (USER.test(target)) return { uri: `sip:${target}@${domain}`, kind: 'device', trunk: undefined, codecs: DEVICE_CODECS };
  throw new AppError(ErrorCode.BadRequest, 'target: a number with a trunk, a device user name, or a sip: URI');
}
