import { describe, expect, it } from 'vitest';
import { decimalPlaces, plainDecimal } from '../../adapters/aws/numbers.js';
import {
  fromWireAttributes,
  fromWireBody,
  toWireAttributes,
  toWireBody,
  wireMessageBytes,
} from '../../adapters/aws/wire.js';

describe('aws attribute mapping', () => {
  it('maps string, number and bytes to String, Number and Binary', () => {
    expect(toWireAttributes({ s: 'eu', n: 12.5, b: new Uint8Array([0, 255]) })).toEqual({
      s: { DataType: 'String', StringValue: 'eu' },
      n: { DataType: 'Number', StringValue: '12.5' },
      b: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 255]) },
    });
  });

  it('writes numbers without an exponent', () => {
    expect(toWireAttributes({ big: 1e21, small: -2.5e-7 })).toEqual({
      big: { DataType: 'Number', StringValue: '1000000000000000000000' },
      small: { DataType: 'Number', StringValue: '-0.00000025' },
    });
  });

  it('maps received types back, custom subtypes included', () => {
    const bytes = Buffer.from([1, 2, 3]);
    expect(
      fromWireAttributes({
        s: { DataType: 'String', StringValue: 'x' },
        arr: { DataType: 'String.Array', StringValue: '["a"]' },
        n: { DataType: 'Number', StringValue: '-4.25' },
        i: { DataType: 'Number.int', StringValue: '7' },
        b: { DataType: 'Binary', BinaryValue: bytes },
        bc: { DataType: 'Binary.gzip', BinaryValue: new Uint8Array([9]) },
      }),
    ).toEqual({
      s: 'x',
      arr: '["a"]',
      n: -4.25,
      i: 7,
      b: new Uint8Array([1, 2, 3]),
      bc: new Uint8Array([9]),
    });
  });

  it('returns plain Uint8Arrays for binary values, not Buffers', () => {
    const out = fromWireAttributes({ b: { DataType: 'Binary', BinaryValue: Buffer.from([1]) } });
    expect(Object.getPrototypeOf(out.b)).toBe(Uint8Array.prototype);
  });

  it('keeps a Number attribute JavaScript cannot hold as a number as its text', () => {
    expect(fromWireAttributes({ n: { DataType: 'Number', StringValue: '1e400' } })).toEqual({ n: '1e400' });
  });

  it('round-trips every type', () => {
    const attributes = { s: 'é', n: 0.1, z: 0, neg: -3, b: new Uint8Array([7, 8]) };
    expect(fromWireAttributes(toWireAttributes(attributes))).toEqual(attributes);
  });

  it('counts size as AWS does: body, then name, type and value of each attribute', () => {
    // 'hi' (2) + 'k' (1) + 'String' (6) + 'é' (2) + 'b' (1) + 'Binary' (6) + 3 bytes
    expect(wireMessageBytes('hi', toWireAttributes({ k: 'é', b: new Uint8Array(3) }))).toBe(21);
  });
});

describe('aws body format', () => {
  it('sends text as is and bytes as base64, and reads them back by the declared format', () => {
    expect(toWireBody('{"a":1}')).toBe('{"a":1}');
    expect(toWireBody(new Uint8Array([104, 105]))).toBe('aGk=');
    expect(fromWireBody('aGk=', 'binary')).toEqual(new Uint8Array([104, 105]));
    expect(fromWireBody('aGk=', 'text')).toBe('aGk=');
    expect(fromWireBody(undefined, 'json')).toBe('');
  });

  it('base64-encodes a view into a larger buffer correctly', () => {
    const whole = new Uint8Array([0, 104, 105, 0]);
    expect(toWireBody(whole.subarray(1, 3))).toBe('aGk=');
  });
});

describe('aws numbers', () => {
  it('writes plain decimals', () => {
    expect(plainDecimal(123)).toBe('123');
    expect(plainDecimal(1.5e-10)).toBe('0.00000000015');
    expect(plainDecimal(-1.25e22)).toBe('-12500000000000000000000');
    expect(plainDecimal(1.2345e21)).toBe('1234500000000000000000');
    expect(Number(plainDecimal(5e-324))).toBe(5e-324);
  });

  it('counts decimal places', () => {
    expect(decimalPlaces(3)).toBe(0);
    expect(decimalPlaces(0.12345)).toBe(5);
    expect(decimalPlaces(1e-7)).toBe(7);
  });
});
