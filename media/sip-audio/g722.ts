/**
 * ITU-T G.722 sub-band ADPCM at 64 kbit/s (mode 1: 6 bits low band, 2 bits high band per 16 kHz sample
 * pair), in integer arithmetic as the Recommendation specifies, so it interoperates bit for bit with
 * other implementations (the tests check against ffmpeg's). No npm package provides G.722.
 * Block names in comments are the Recommendation's (SUBTRA, QUANTL, INVQAL, LOGSCL, ...).
 */

const QMF_COEFFS = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11] as const;
const Q6 = [0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0];
const ILN = [0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0];
const ILP = [0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0];
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042];
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520,
  3597, 3676, 3756, 3838, 3922, 4008,
];
const QM4 = [0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0];
const QM2 = [-7408, -1616, 7408, 1616];
const QM6 = [
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944,
  -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576,
  7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];
const WH = [0, -214, 798];
const RH2 = [2, 1, 2, 1];

const sat = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const at = (table: readonly number[], i: number): number => table[i] as number;

/** One sub-band's adaptive predictor state (low band or high band). */
class Band {
  s = 0;
  sp = 0;
  sz = 0;
  // Small plain arrays: V8 keeps them as unboxed small integers, faster here than typed arrays.
  readonly r = [0, 0, 0];
  readonly a = [0, 0, 0];
  readonly ap = [0, 0, 0];
  readonly p = [0, 0, 0];
  readonly d = [0, 0, 0, 0, 0, 0, 0];
  readonly b = [0, 0, 0, 0, 0, 0, 0];
  readonly bp = [0, 0, 0, 0, 0, 0, 0];
  readonly sg = [0, 0, 0, 0, 0, 0, 0];
  nb = 0;
  det: number;

  constructor(det: number) {
    this.det = det;
  }

  /** Block 3L/3H LOGSCL/LOGSCH then SCALEL/SCALEH: adapt the quantiser scale factor. */
  adaptScale(w: number, limit: number, shift: number): void {
    let nb = ((this.nb * 127) >> 7) + w;
    if (nb < 0) nb = 0;
    else if (nb > limit) nb = limit;
    this.nb = nb;
    const wd1 = (nb >> 6) & 31;
    const wd2 = shift - (nb >> 11);
    const wd3 = wd2 < 0 ? at(ILB, wd1) << -wd2 : at(ILB, wd1) >> wd2;
    this.det = wd3 << 2;
  }

  /** Block 4: reconstruct, update the pole and zero predictor coefficients, predict the next sample. */
  update(d: number): void {
    const { r, a, ap, p, sg, b, bp } = this;
    const dl = this.d;
    dl[0] = d;
    r[0] = sat(this.s + d);
    p[0] = sat(this.sz + d);

    // UPPOL2
    for (let i = 0; i < 3; i++) sg[i] = (p[i] as number) >> 15;
    let wd1 = sat((a[1] as number) << 2);
    let wd2 = sg[0] === sg[1] ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let wd3 = (wd2 >> 7) + (sg[0] === sg[2] ? 128 : -128);
    wd3 += ((a[2] as number) * 32512) >> 15;
    if (wd3 > 12288) wd3 = 12288;
    else if (wd3 < -12288) wd3 = -12288;
    ap[2] = wd3;

    // UPPOL1
    sg[0] = (p[0] as number) >> 15;
    sg[1] = (p[1] as number) >> 15;
    wd1 = sg[0] === sg[1] ? 192 : -192;
    wd2 = ((a[1] as number) * 32640) >> 15;
    ap[1] = sat(wd1 + wd2);
    wd3 = sat(15360 - (ap[2] as number));
    if ((ap[1] as number) > wd3) ap[1] = wd3;
    else if ((ap[1] as number) < -wd3) ap[1] = -wd3;

    // UPZERO
    wd1 = d === 0 ? 0 : 128;
    sg[0] = d >> 15;
    for (let i = 1; i < 7; i++) {
      sg[i] = (dl[i] as number) >> 15;
      wd2 = sg[i] === sg[0] ? wd1 : -wd1;
      wd3 = ((b[i] as number) * 32640) >> 15;
      bp[i] = sat(wd2 + wd3);
    }

    // DELAYA
    for (let i = 6; i > 0; i--) {
      dl[i] = dl[i - 1] as number;
      b[i] = bp[i] as number;
    }
    for (let i = 2; i > 0; i--) {
      r[i] = r[i - 1] as number;
      p[i] = p[i - 1] as number;
      a[i] = ap[i] as number;
    }

    // FILTEP
    wd1 = sat((r[1] as number) * 2);
    wd1 = ((a[1] as number) * wd1) >> 15;
    wd2 = sat((r[2] as number) * 2);
    wd2 = ((a[2] as number) * wd2) >> 15;
    this.sp = sat(wd1 + wd2);

    // FILTEZ
    let sz = 0;
    for (let i = 6; i > 0; i--) {
      wd1 = sat((dl[i] as number) * 2);
      sz += ((b[i] as number) * wd1) >> 15;
    }
    this.sz = sat(sz);

    // PREDIC
    this.s = sat(this.sp + this.sz);
  }
}

/** 16 kHz 16-bit PCM in, one byte per two samples out (64 kbit/s). Keeps state across calls: one per stream. */
export class G722Encoder {
  readonly #low = new Band(32);
  readonly #high = new Band(8);
  readonly #x = new Int32Array(24);

  /** `pcm` must hold an even number of samples (20 ms at 16 kHz = 320 → 160 bytes). */
  encode(pcm: Int16Array): Uint8Array {
    const out = new Uint8Array(pcm.length >> 1);
    const x = this.#x;
    const low = this.#low;
    const high = this.#high;
    for (let j = 0, n = 0; j + 1 < pcm.length; j += 2, n++) {
      // Transmit QMF: split the pair into one low-band and one high-band sample.
      for (let i = 0; i < 22; i++) x[i] = x[i + 2]!; // (copyWithin is a builtin call per sample pair: twice as slow)
      x[22] = pcm[j] as number;
      x[23] = pcm[j + 1] as number;
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += (x[2 * i] as number) * at(QMF_COEFFS, i);
        sumEven += (x[2 * i + 1] as number) * at(QMF_COEFFS, 11 - i);
      }
      const xlow = (sumEven + sumOdd) >> 14;
      const xhigh = (sumEven - sumOdd) >> 14;

      // Low band: SUBTRA, QUANTL, INVQAL, LOGSCL/SCALEL, block 4.
      const el = sat(xlow - low.s);
      let wd = el >= 0 ? el : -(el + 1);
      let i = 1;
      for (; i < 30; i++) {
        if (wd < (at(Q6, i) * low.det) >> 12) break;
      }
      const ilow = el < 0 ? at(ILN, i) : at(ILP, i);
      const ril = ilow >> 2;
      const dlow = (low.det * at(QM4, ril)) >> 15;
      low.adaptScale(at(WL, at(RL42, ril)), 18432, 8);
      low.update(dlow);

      // High band: SUBTRA, QUANTH, INVQAH, LOGSCH/SCALEH, block 4.
      const eh = sat(xhigh - high.s);
      wd = eh >= 0 ? eh : -(eh + 1);
      const mih = wd >= (564 * high.det) >> 12 ? 2 : 1;
      const ihigh = eh < 0 ? at(IHN, mih) : at(IHP, mih);
      const dhigh = (high.det * at(QM2, ihigh)) >> 15;
      high.adaptScale(at(WH, at(RH2, ihigh)), 22528, 10);
      high.update(dhigh);

      out[n] = (ihigh << 6) | ilow;
    }
    return out;
  }
}

/** One byte per two 16 kHz samples in, 16-bit PCM out. Keeps state across calls: one per stream. */
export class G722Decoder {
  readonly #low = new Band(32);
  readonly #high = new Band(8);
  readonly #x = new Int32Array(24);

  decode(data: Uint8Array): Int16Array {
    const out = new Int16Array(data.length * 2);
    const x = this.#x;
    const low = this.#low;
    const high = this.#high;
    for (let j = 0; j < data.length; j++) {
      const code = data[j] as number;
      const ilr = code & 0x3f;
      const ihigh = (code >> 6) & 0x03;

      // Low band: INVQBL, RECONS, LIMIT (the output), then INVQAL + adaptation as in the encoder.
      let rlow = low.s + ((low.det * at(QM6, ilr)) >> 15);
      if (rlow > 16383) rlow = 16383;
      else if (rlow < -16384) rlow = -16384;
      const ril = ilr >> 2;
      const dlowt = (low.det * at(QM4, ril)) >> 15;
      low.adaptScale(at(WL, at(RL42, ril)), 18432, 8);
      low.update(dlowt);

      // High band: INVQAH, RECONS, LIMIT, adaptation.
      const dhigh = (high.det * at(QM2, ihigh)) >> 15;
      let rhigh = dhigh + high.s;
      if (rhigh > 16383) rhigh = 16383;
      else if (rhigh < -16384) rhigh = -16384;
      high.adaptScale(at(WH, at(RH2, ihigh)), 22528, 10);
      high.update(dhigh);

      // Receive QMF: rebuild two 16 kHz samples from the two bands.
      for (let i = 0; i < 22; i++) x[i] = x[i + 2]!;
      x[22] = rlow + rhigh;
      x[23] = rlow - rhigh;
      let xout1 = 0;
      let xout2 = 0;
      for (let i = 0; i < 12; i++) {
        xout2 += (x[2 * i] as number) * at(QMF_COEFFS, i);
        xout1 += (x[2 * i + 1] as number) * at(QMF_COEFFS, 11 - i);
      }
      out[2 * j] = sat(xout1 >> 11);
      out[2 * j + 1] = sat(xout2 >> 11);
    }
    return out;
  }
}
