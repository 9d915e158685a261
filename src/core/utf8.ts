// Where a file stops being UTF-8: the first bad byte as a line and column, so the message can point
// an editor at it (TextDecoder only says that something, somewhere, is wrong).

/** A UTF-16 surrogate without its other half: UTF-8 cannot carry it, nor XML hold it. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface Utf8Failure {
  /** 0-based offset of the first byte of the bad sequence. */
  offset: number;
  /** That byte. */
  byte: number;
  /** 1-based line of it. */
  line: number;
  /** 1-based column of it, in characters as editors count them (the BOM not counted). */
  column: number;
}

/** The first byte that is not well-formed UTF-8 (the rules TextDecoder's `fatal` applies), or -1. */
export function firstInvalidUtf8Byte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // Lead byte: how many continuation bytes follow, and the range the first of them must be in
    // (which rules out overlong forms, surrogates and code points above U+10FFFF).
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= b.length) return i;
    const second = b[i + 1]!;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const cont = b[i + k]!;
      if (cont < 0x80 || cont > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Where `bytes` first fail to be UTF-8, or undefined when they are UTF-8. */
export function findUtf8Failure(bytes: Uint8Array): Utf8Failure | undefined {
  const offset = firstInvalidUtf8Byte(bytes);
  if (offset === -1) return undefined;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Everything before the bad byte is valid, so it decodes; a BOM at the start is not a character.
  let before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(lineStart, offset));
  if (lineStart === 0 && before.charCodeAt(0) === 0xfeff) before = before.slice(1);
  return { offset, byte: bytes[offset]!, line, column: before.length + 1 };
}
