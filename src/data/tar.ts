/** A minimal reader for (GNU / POSIX ustar) tar archives held in memory. */
import { formatError, REDOWNLOAD_HINT } from './files.js';

export interface TarEntry {
  name: string;
  /** Typeflag: '0' regular file, '5' directory, ... */
  type: string;
  /** A view into the archive bytes. */
  data: Uint8Array;
}

const BLOCK = 512;
const utf8 = new TextDecoder();

function field(header: Uint8Array, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const nul = bytes.indexOf(0);
  return utf8.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** Octal, or base-256 (GNU, high bit set) for sizes of 8 GiB and more. */
function numeric(header: Uint8Array, start: number, length: number, source: string, offset: number): number {
  if (header[start] & 0x80) {
    let v = header[start] & 0x7f;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + header[i];
    return v;
  }
  const text = field(header, start, length).trim();
  if (!/^[0-7]*$/.test(text)) throw formatError(source, `garbled tar header at byte ${offset}`, REDOWNLOAD_HINT);
  return text === '' ? 0 : parseInt(text, 8);
}

/** Pax extended-header records "<len> <key>=<value>\n"; returns the 'path' value if any. */
function paxPath(data: Uint8Array): string | undefined {
  let path: string | undefined;
  for (const record of utf8.decode(data).split('\n')) {
    const m = /^\d+ path=(.*)$/s.exec(record);
    if (m) path = m[1];
  }
  return path;
}

/** Lists the entries of an uncompressed tar archive, validating header checksums and sizes. */
export function readTar(bytes: Uint8Array, source = 'tar archive'): TarEntry[] {
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let offset = 0;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    if (numeric(header, 148, 8, source, offset) !== sum) throw formatError(source, `bad tar header checksum at byte ${offset}`, REDOWNLOAD_HINT);
    const size = numeric(header, 124, 12, source, offset);
    const start = offset + BLOCK;
    if (start + size > bytes.length) throw formatError(source, `truncated: tar member at byte ${offset} needs ${size} bytes`, REDOWNLOAD_HINT);
    const data = bytes.subarray(start, start + size);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    if (type === 'L') {
      longName = field(data, 0, data.length);
    } else if (type === 'x') {
      longName = paxPath(data) ?? longName;
    } else if (type !== 'g') {
      const prefix = field(header, 257, 6) === 'ustar' && header[262] === 0 ? field(header, 345, 155) : '';
      const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
      entries.push({ name, type, data });
      longName = undefined;
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
