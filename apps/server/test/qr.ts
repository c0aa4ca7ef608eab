import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS whose types declare an ES default export; at run time the default
// import is the function itself.
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/** Reads the text out of a QR data URL, as a phone's camera would. */
export function decodeQrDataUrl(dataUrl: string): string {
  const png = PNG.sync.read(Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64'));
  const result = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength), png.width, png.height);
  if (!result) throw new Error('the QR image could not be read');
  return result.data;
}
