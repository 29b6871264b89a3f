import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import snappy from 'snappyjs';
import { unsnappy } from '../../../hack/bench/snappy.js';

describe("the bench reader's snappy", () => {
  const record = Buffer.from(JSON.stringify({ client_id: 'bench-scale-00001', status: 'active' }).repeat(20));

  it('reads raw snappy, as franz-go writes it', () => {
    assert.deepEqual(unsnappy(snappy.compress(record)), record);
  });

  it('reads the xerial framing of the Java clients, block by block', () => {
    const [a, b] = [record.subarray(0, 100), record.subarray(100)].map((part) => snappy.compress(part));
    assert.ok(a !== undefined && b !== undefined);
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const framed = Buffer.concat(
      [a, b].flatMap((chunk) => {
        const size = Buffer.alloc(4);
        size.writeUInt32BE(chunk.length);
        return [size, chunk];
      }),
    );
    assert.deepEqual(unsnappy(Buffer.concat([header, framed])), record);
  });
});
