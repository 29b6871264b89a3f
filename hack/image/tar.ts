// A deterministic tar writer (ustar, with PAX records for long names): image layers and the image archive are
// tars whose bytes, and so whose digests, depend only on the entries given, never on when or where they are made.
// Small enough to keep here instead of a dependency.

export interface TarEntry {
  /** Relative path inside the archive, without a leading slash; directories without a trailing one. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  /** A file's bytes. */
  content?: Buffer;
  /** A symlink's target. */
  target?: string;
}

const BLOCK = 512;
/** Every entry's mtime: the epoch, as reproducible builds and distroless images use. */
const MTIME = 0;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One PAX record: "<length> <key>=<value>\n", where the length counts the whole record, itself included. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (Buffer.byteLength(`${String(length)}${body}`) !== length) length += 1;
  return `${String(length)}${body}`;
}

function header(
  name: string,
  typeflag: string,
  entry: Pick<TarEntry, 'mode' | 'uid' | 'gid'>,
  size: number,
  linkname = '',
): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(entry.mode & 0o7777, 8), 100, 'ascii');
  block.write(octal(entry.uid, 8), 108, 'ascii');
  block.write(octal(entry.gid, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(MTIME, 12), 136, 'ascii');
  block.write(' '.repeat(8), 148, 'ascii');
  block.write(typeflag, 156, 'ascii');
  block.write(linkname, 157, 100, 'utf8');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

const fits = (value: string) => Buffer.byteLength(value) <= 100;

/** The archive's bytes, entries in the order given (callers sort them), ending with the two zero blocks. */
export function tarArchive(entries: readonly TarEntry[]): Buffer {
  const chunks: Buffer[] = [];
  for (const entry of entries) {
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    const target = entry.target ?? '';
    const pax: string[] = [];
    if (!fits(name)) pax.push(paxRecord('path', name));
    if (!fits(target)) pax.push(paxRecord('linkpath', target));
    if (pax.length > 0) {
      const body = Buffer.from(pax.join(''));
      chunks.push(header('PaxHeader', 'x', entry, body.length), body, padding(body.length));
    }
    const shortName = fits(name) ? name : name.slice(0, 99);
    const shortTarget = fits(target) ? target : '';
    switch (entry.type) {
      case 'dir':
        chunks.push(header(shortName, '5', entry, 0));
        break;
      case 'symlink':
        chunks.push(header(shortName, '2', entry, 0, shortTarget));
        break;
      case 'file': {
        const content = entry.content ?? Buffer.alloc(0);
        chunks.push(header(shortName, '0', entry, content.length), content, padding(content.length));
        break;
      }
    }
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}
