/**
 * The WebRTC transport of a lightweight load endpoint: just enough ICE (a controlling agent for
 * mediasoup's ICE-lite), DTLS (werift's client) and SRTP to be, on the wire, what a browser's
 * transport is to the server. Media is never decoded: sent packets are pre-encoded frames and
 * received ones are counted from their RTP header, which SRTP leaves in the clear.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import dgram from 'node:dgram';
import {
  CipherContext,
  DtlsClient,
  HashAlgorithm,
  Message,
  NamedCurveAlgorithm,
  RtpHeader,
  SignatureAlgorithm,
  SrtpSession,
  classes,
  keyLength,
  methods,
  parseMessage,
  saltLength,
  type Address,
  type SignatureHash,
  type Transport,
} from 'werift';

export interface LiteCertificate {
  certPem: string;
  keyPem: string;
  signatureHash: SignatureHash;
  fingerprint: string;
}

/** One ECDSA certificate serves every endpoint of a generator: the server only checks its fingerprint. */
export async function createCertificate(): Promise<LiteCertificate> {
  const { certPem, keyPem, signatureHash } = await CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return { certPem, keyPem, signatureHash, fingerprint: new X509Certificate(certPem).fingerprint256 };
}

/** RFC 7983 demultiplexing by the first byte. */
const isStun = (b: number) => b < 4;
const isDtls = (b: number) => b >= 20 && b < 64;
const isRtpOrRtcp = (b: number) => b >= 128 && b < 192;

const ICE_TIMEOUT_MS = 10_000;
const CONSENT_INTERVAL_MS = 4_000;
const SRTP_AES128_CM_HMAC_SHA1_80 = 1;

/** What the client needs of a server transport (mediasoup's own and the wire protocol's types both fit). */
export interface RemoteIce {
  iceParameters: { usernameFragment: string; password: string };
  iceCandidates: { ip?: string; address?: string; port: number; protocol: string }[];
}

export interface ReceivedPacket {
  ssrc: number;
  seq: number;
  payloadType: number;
  bytes: number;
}

export class LiteTransport {
  #srtp: SrtpSession | undefined;
  #consent: NodeJS.Timeout | undefined;
  #closed = false;
  /** Called for every RTP packet received (RTCP is ignored). */
  onRtp: (packet: ReceivedPacket) => void = () => {};
  bytesSent = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly remote: { ip: string; port: number },
    private readonly params: RemoteIce,
    private readonly localUfrag: string,
  ) {}

  /** Binds a UDP socket on loopback; connect() then runs ICE and DTLS against the server transport. */
  static async create(params: RemoteIce): Promise<LiteTransport> {
    const candidate = params.iceCandidates.find((c) => c.protocol === 'udp');
    if (!candidate) throw new Error('server offered no UDP candidate');
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    return new LiteTransport(socket, { ip: candidate.address ?? candidate.ip ?? '127.0.0.1', port: candidate.port }, params, randomBytes(4).toString('hex'));
  }

  static dtlsParameters(cert: LiteCertificate) {
    return { role: 'client' as const, fingerprints: [{ algorithm: 'sha-256' as const, value: cert.fingerprint }] };
  }

  async connect(cert: LiteCertificate): Promise<void> {
    const dtlsTransport = this.#dtlsChannel();
    this.socket.on('message', (data) => {
      const first = data[0];
      if (first === undefined) return;
      if (isStun(first)) this.#onStun(data);
      else if (isDtls(first)) dtlsTransport.onData(data, [this.remote.ip, this.remote.port]);
      else if (isRtpOrRtcp(first)) this.#onMedia(data);
    });
    await this.#iceConnect();
    const dtls = new DtlsClient({
      cert: cert.certPem,
      key: cert.keyPem,
      signatureHash: cert.signatureHash,
      transport: dtlsTransport,
      srtpProfiles: [SRTP_AES128_CM_HMAC_SHA1_80],
      extendedMasterSecret: true,
    });
    const connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('DTLS handshake timed out')), ICE_TIMEOUT_MS);
      dtls.onConnect.subscribe(() => {
        clearTimeout(timer);
        resolve();
      });
      dtls.onError.subscribe((err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    await dtls.connect();
    await connected;
    const profile = dtls.srtp.srtpProfile ?? SRTP_AES128_CM_HMAC_SHA1_80;
    const keys = dtls.extractSessionKeys(keyLength(profile), saltLength(profile));
    this.#srtp = new SrtpSession({
      keys: { localMasterKey: keys.localKey, localMasterSalt: keys.localSalt, remoteMasterKey: keys.remoteKey, remoteMasterSalt: keys.remoteSalt },
      profile,
    });
    // mediasoup drops a transport whose ICE consent is not refreshed: keep sending checks.
    this.#consent = setInterval(() => this.#sendBinding(false), CONSENT_INTERVAL_MS);
  }

  /** Encrypts and sends one RTP packet (with one-byte header extensions, if given). */
  sendRtp(
    header: { payloadType: number; sequenceNumber: number; timestamp: number; ssrc: number; marker: boolean; extensions?: { id: number; payload: Buffer }[] },
    payload: Buffer,
  ): void {
    if (!this.#srtp || this.#closed) return;
    const extensions = header.extensions ?? [];
    const packet = this.#srtp.encrypt(payload, new RtpHeader({ ...header, extensions, extension: extensions.length > 0, padding: false }));
    this.bytesSent += packet.length;
    this.socket.send(packet, this.remote.port, this.remote.ip);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#consent);
    this.socket.close();
  }

  #onMedia(data: Buffer): void {
    const pt = (data[1] ?? 0) & 0x7f;
    // RTCP packet types 200–206 show up as payload types 72–78 once the marker bit is masked.
    if (pt >= 72 && pt <= 78) return;
    this.onRtp({ ssrc: data.readUInt32BE(8), seq: data.readUInt16BE(2), payloadType: pt, bytes: data.length });
  }

  #iceDone: (() => void) | undefined;

  async #iceConnect(): Promise<void> {
    const done = new Promise<void>((resolve) => (this.#iceDone = resolve));
    const retry = setInterval(() => this.#sendBinding(true), 50);
    this.#sendBinding(true);
    try {
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error('ICE timed out')), ICE_TIMEOUT_MS))]);
    } finally {
      clearInterval(retry);
    }
  }

  #sendBinding(nominate: boolean): void {
    if (this.#closed) return;
    const request = new Message(methods.BINDING, classes.REQUEST);
    request
      .setAttribute('USERNAME', `${this.params.iceParameters.usernameFragment}:${this.localUfrag}`)
      .setAttribute('PRIORITY', 0x7e0000ff)
      .setAttribute('ICE-CONTROLLING', randomBytes(8).readBigUInt64BE());
    if (nominate) request.setAttribute('USE-CANDIDATE', null);
    request.addMessageIntegrity(Buffer.from(this.params.iceParameters.password, 'utf8'));
    request.addFingerprint();
    this.socket.send(request.bytes, this.remote.port, this.remote.ip);
  }

  #onStun(data: Buffer): void {
    const message = parseMessage(data);
    if (message?.messageClass === classes.RESPONSE) this.#iceDone?.();
  }

  /** werift's DTLS client speaks through this: our socket, towards the server's candidate. */
  #dtlsChannel(): Transport {
    const socket = this.socket;
    const remote = this.remote;
    return {
      type: 'udp',
      get address() {
        return socket.address();
      },
      get closed() {
        return false;
      },
      onData: (_data: Buffer, _addr: Address) => {},
      send: async (data: Buffer) => {
        socket.send(data, remote.port, remote.ip);
      },
      close: async () => {},
    };
  }
}
