// Tensor element types: names, libtorch ScalarType codes, and the typed arrays that hold their data.

export type DType = 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'float16' | 'float32' | 'float64' | 'bool';
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** c10::ScalarType codes (stable across libtorch versions). */
export const dtypeCodes: Record<DType, number> = {
  uint8: 0, int8: 1, int16: 2, int32: 3, int64: 4, float16: 5, float32: 6, float64: 7, bool: 11,
};
const dtypeByCode = new Map<number, DType>(Object.entries(dtypeCodes).map(([name, code]) => [code, name as DType]));

export function dtypeFromCode(code: number): DType {
  const dtype = dtypeByCode.get(code);
  if (!dtype) throw new Error(`unsupported libtorch scalar type code ${code}`);
  return dtype;
}

export function dtypeCode(dtype: DType): number {
  const code = dtypeCodes[dtype];
  if (code === undefined) {
    throw new TypeError(`unknown dtype '${String(dtype)}'; expected one of ${Object.keys(dtypeCodes).join(', ')}`);
  }
  return code;
}

export type TypedArrayFor<D extends DType> = D extends 'float32' ? Float32Array
  : D extends 'float64' ? Float64Array
  : D extends 'int64' ? BigInt64Array
  : D extends 'int32' ? Int32Array
  : D extends 'int16' ? Int16Array
  : D extends 'int8' ? Int8Array
  : D extends 'float16' ? Uint16Array
  : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array |
  Uint16Array | Uint8Array;

export function typedArrayFor(dtype: DType, buffer: ArrayBuffer): AnyTypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int16': return new Int16Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'float16': return new Uint16Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
  }
}

export function dtypeOfTypedArray(data: ArrayBufferView): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  throw new TypeError(`unsupported typed array ${data.constructor.name}`);
}

export const isFloating = (dtype: DType): boolean => dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
