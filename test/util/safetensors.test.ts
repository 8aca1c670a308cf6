import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../src/model/safetensors.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));

/** Builds a safetensors file by hand, straight from the format description. */
function handMade(header: object, data: number[]): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const body = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => body.writeFloatLE(v, i * 4));
  return Buffer.concat([len, json, body]);
}

function expectInputError(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(message);
    return;
  }
  throw new Error('expected an InputError');
}

describe('safetensors', () => {
  it('reads a file built by hand from the format description', () => {
    const p = join(dir, 'hand.safetensors');
    writeFileSync(
      p,
      handMade(
        {
          __metadata__: { format: 'pt' },
          b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] },
          a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
        },
        [1, 2.5, -3, 4, 5],
      ),
    );
    const { tensors, metadata } = readSafetensors(p);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('a')).toEqual({ shape: [3], data: new Float32Array([1, 2.5, -3]) });
    expect(tensors.get('b')).toEqual({ shape: [2], data: new Float32Array([4, 5]) });
  });

  it('writes the layout of the format exactly (length prefix, aligned JSON header, little-endian data)', () => {
    const p = join(dir, 'w.safetensors');
    writeSafetensors(p, [{ name: 'x.weight', shape: [2, 2], data: new Float32Array([1, -2, 3.5, 0]) }], {
      format: 'seq2seq',
    });
    const buf = readFileSync(p);
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    expect(header).toEqual({
      __metadata__: { format: 'seq2seq' },
      'x.weight': { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] },
    });
    expect([0, 1, 2, 3].map((i) => buf.readFloatLE(8 + n + 4 * i))).toEqual([1, -2, 3.5, 0]);
    expect(buf.length).toBe(8 + n + 16);
    // no temporary file left behind
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('round-trips tensors bit-identically, including NaN payloads and -0', () => {
    const p = join(dir, 'rt.safetensors');
    const data = new Float32Array([0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Math.PI]);
    writeSafetensors(p, [
      { name: 't', shape: [8], data },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    ]);
    const back = readSafetensors(p).tensors;
    expect(new Uint32Array(back.get('t')!.data.buffer)).toEqual(new Uint32Array(data.buffer));
    expect(back.get('empty')!.shape).toEqual([0, 4]);
  });

  it('rejects truncated and inconsistent files with one-line messages', () => {
    const p = join(dir, 'bad.safetensors');
    writeFileSync(p, Buffer.from([1, 2, 3]));
    expectInputError(() => readSafetensors(p), `${p}: truncated safetensors file (3 bytes, no header)`);

    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(1000n);
    writeFileSync(p, Buffer.concat([len, Buffer.from('{}')]));
    expectInputError(
      () => readSafetensors(p),
      `${p}: truncated safetensors file (header claims 1000 bytes, file has 2 after the length)`,
    );

    len.writeBigUInt64LE(1n << 40n);
    writeFileSync(p, len);
    expectInputError(() => readSafetensors(p), `${p}: safetensors header claims 1099511627776 bytes (limit 16777216)`);

    writeFileSync(p, handMade({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, [1, 2]));
    expectInputError(
      () => readSafetensors(p),
      `${p}: truncated safetensors file (tensor a ends at byte 16 of a 8-byte data section)`,
    );

    writeFileSync(p, handMade({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, [1]));
    expectInputError(() => readSafetensors(p), `${p}: tensor a: dtype F16 is not supported (expected F32)`);

    writeFileSync(p, handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, [1, 2]));
    expectInputError(() => readSafetensors(p), `${p}: tensor a: data_offsets span 8 bytes but shape [3] needs 12`);

    writeFileSync(
      p,
      handMade(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
        },
        [1, 2],
      ),
    );
    expectInputError(() => readSafetensors(p), `${p}: tensors a and b overlap`);

    const junk = Buffer.alloc(8);
    junk.writeBigUInt64LE(4n);
    writeFileSync(p, Buffer.concat([junk, Buffer.from('{"a"')]));
    expectInputError(() => readSafetensors(p), `${p}: safetensors header is not valid UTF-8 JSON`);

    expectInputError(
      () => readSafetensors(join(dir, 'missing.safetensors')),
      `${join(dir, 'missing.safetensors')}: file not found`,
    );
    expectInputError(() => readSafetensors(dir), `${dir}: is a directory, expected a safetensors file`);
  });
});
