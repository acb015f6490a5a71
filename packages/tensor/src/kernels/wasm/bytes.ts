import { moduleBase64 } from "./module.generated.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * The kernels module's bytes, decoded from the base64 the build embeds in the JavaScript (by hand:
 * neither Buffer nor atob is in every runtime's typings). A fresh copy at each call.
 */
export function moduleBytes(base64: string = moduleBase64): Uint8Array {
  const digits = base64.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((digits.length * 3) / 4));
  let bits = 0;
  let buffered = 0;
  let at = 0;
  for (let i = 0; i < digits.length; i++) {
    const value = ALPHABET.indexOf(digits[i]!);
    if (value < 0) throw new Error(`wasm kernels: invalid base64 character "${digits[i]}" at ${i}`);
    bits = ((bits << 6) | value) & 0xffff;
    buffered += 6;
    if (buffered >= 8) {
      buffered -= 8;
      out[at++] = (bits >> buffered) & 0xff;
    }
  }
  return out;
}
