// Snappy for the bench's reader: the Go peer's franz-go compresses batches with snappy by default, and kafkajs
// decodes snappy only with a codec registered. Raw snappy (what franz-go writes) and the xerial framing of the
// Java clients both occur on the wire.
import kafkajs from 'kafkajs';
import snappy from 'snappyjs';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, version and compatible version. */
const XERIAL_HEADER_BYTES = 16;

/** One snappy payload of a record batch, raw or xerial-framed (blocks of a 4-byte length and a raw chunk). */
export function unsnappy(payload: Buffer): Buffer {
  if (!payload.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return snappy.uncompress(payload);
  const chunks: Buffer[] = [];
  for (let at = XERIAL_HEADER_BYTES; at < payload.length;) {
    const size = payload.readUInt32BE(at);
    chunks.push(snappy.uncompress(payload.subarray(at + 4, at + 4 + size)));
    at += 4 + size;
  }
  return Buffer.concat(chunks);
}

kafkajs.CompressionCodecs[kafkajs.CompressionTypes.Snappy] = () => ({
  compress: (encoder: { buffer: Buffer }) => Promise.resolve(snappy.compress(encoder.buffer)),
  decompress: (buffer: Buffer) => Promise.resolve(unsnappy(buffer)),
});
