import { NOISE_WA_HEADER } from 'baileys';

/** WhatsApp frames carry a 3-byte length, so nothing larger can exist on the wire. */
export const MAX_FRAME_BYTES = 0xff_ff_ff;

export class FrameError extends Error {}

/** Prefixes a payload with its 3-byte big-endian length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_FRAME_BYTES) throw new FrameError(`frame too large: ${payload.length}`);
  const out = Buffer.allocUnsafe(3 + payload.length);
  out[0] = (payload.length >>> 16) & 0xff;
  out[1] = (payload.length >>> 8) & 0xff;
  out[2] = payload.length & 0xff;
  out.set(payload, 3);
  return out;
}

/**
 * Reassembles client frames from WebSocket messages. The client's first bytes are the
 * intro header (optionally preceded by an 'ED' routing block), checked and stripped
 * here; a wrong header means this is not a WhatsApp client.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private sawIntro = false;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): Buffer[] {
    let data = chunk;
    if (!this.sawIntro) {
      const start = Buffer.concat([this.pending, chunk]);
      const introLength = introLengthOf(start);
      if (introLength === null) {
        this.pending = start;
        return [];
      }
      checkIntro(start, introLength);
      data = start.subarray(introLength);
      this.pending = Buffer.alloc(0);
      this.sawIntro = true;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    const frames: Buffer[] = [];
    while (this.pending.length >= 3) {
      const size = (this.pending[0]! << 16) | (this.pending[1]! << 8) | this.pending[2]!;
      if (size > this.maxFrameBytes) throw new FrameError(`frame of ${size} bytes exceeds the limit`);
      if (this.pending.length < size + 3) break;
      frames.push(Buffer.from(this.pending.subarray(3, size + 3)));
      this.pending = this.pending.subarray(size + 3);
    }
    return frames;
  }
}

/** Bytes of intro (routing block + header) at the start, or null until enough arrived. */
function introLengthOf(data: Buffer): number | null {
  if (data.length < 2) return null;
  if (data[0] === 0x45 && data[1] === 0x44) {
    // 'ED' + 2 bytes + 3-byte length + routing info: sent by clients that were given
    // edge routing info earlier.
    if (data.length < 7) return null;
    const total = 7 + ((data[4]! << 16) | data.readUInt16BE(5)) + NOISE_WA_HEADER.length;
    return data.length >= total ? total : null;
  }
  return data.length >= NOISE_WA_HEADER.length ? NOISE_WA_HEADER.length : null;
}

function checkIntro(data: Buffer, introLength: number): void {
  const header = data.subarray(introLength - NOISE_WA_HEADER.length, introLength);
  if (!header.equals(NOISE_WA_HEADER)) throw new FrameError('missing WhatsApp intro header');
}
