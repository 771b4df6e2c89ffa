/**
 * C struct layouts for the PJRT argument structs, built from a field list.
 *
 * Offsets follow the C rules on the 64-bit targets we support (natural
 * alignment, 8-byte pointers and size_t), and `struct_size` is the end of
 * the last field — the value PJRT's own STRUCT_SIZE macros produce, which
 * lets a plugin tell which version of a struct a caller was built against.
 *
 * @module
 */

/** The C types that occur in PJRT argument structs. */
export type FieldType = "ptr" | "size" | "i64" | "i32" | "f32" | "bool";

const SIZES: Record<FieldType, number> = { ptr: 8, size: 8, i64: 8, i32: 4, f32: 4, bool: 1 };

/** A field in a struct; `type` may be an array `[type, count]`. */
export type FieldSpec = [name: string, type: FieldType | Layout];

/** The computed layout of one C struct. */
export class Layout {
  /** Byte offset of each field. */
  readonly offsets: Record<string, number> = {};
  /** Type of each field. */
  readonly types: Record<string, FieldType | Layout> = {};
  /** PJRT's struct_size: the end of the last field. */
  readonly structSize: number;
  /** sizeof: structSize rounded up to the alignment. */
  readonly size: number;
  /** Alignment of the whole struct. */
  readonly align: number;

  /**
   * Computes offsets with C's natural alignment (x86-64 and arm64 agree).
   *
   * @param fields the fields in declaration order; `struct_size` and
   *   `extension_start` come first in every PJRT argument struct, so callers
   *   list only the rest (pass `head = false` for plain structs)
   * @param head whether to prepend the PJRT argument-struct header
   */
  constructor(fields: FieldSpec[], head = true) {
    const all: FieldSpec[] = head
      ? [["struct_size", "size"], ["extension_start", "ptr"], ...fields]
      : fields;
    let offset = 0;
    let align = 1;
    for (const [name, type] of all) {
      const a = type instanceof Layout ? type.align : SIZES[type];
      const n = type instanceof Layout ? type.size : SIZES[type];
      offset = Math.ceil(offset / a) * a;
      this.offsets[name] = offset;
      this.types[name] = type;
      offset += n;
      align = Math.max(align, a);
    }
    this.structSize = offset;
    this.align = align;
    this.size = Math.ceil(offset / align) * align;
  }

  /** A zeroed instance with struct_size filled in. */
  alloc(): Struct {
    const s = new Struct(this, new Uint8Array(this.size));
    if ("struct_size" in this.offsets) s.set("struct_size", this.structSize);
    return s;
  }
}

/** Converts a pointer to the integer C stores. */
export function address(p: Deno.PointerValue): bigint {
  return p === null ? 0n : BigInt(Deno.UnsafePointer.value(p));
}

/** What {@link Struct.set} accepts: numbers, pointers, or JS memory to point at. */
export type FieldValue = number | bigint | boolean | Deno.PointerValue | ArrayBufferView | Struct;

/** One instance of a struct in memory we own. */
export class Struct {
  /** The bytes, passed to C by pointer. */
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly #view: DataView;
  readonly #layout: Layout;
  readonly #kept: unknown[] = [];

  /**
   * Wraps memory as an instance of `layout`; usually via {@link Layout.alloc}.
   *
   * @param layout the struct's layout
   * @param bytes backing memory of at least `layout.size` bytes
   */
  constructor(layout: Layout, bytes: Uint8Array<ArrayBuffer>) {
    this.#layout = layout;
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #field(name: string): [number, FieldType] {
    const off = this.#layout.offsets[name];
    const type = this.#layout.types[name];
    if (off === undefined || type instanceof Layout) throw new Error(`no scalar field ${name}`);
    return [off, type];
  }

  /**
   * Writes a field. A pointer field also takes JS memory (a typed array or
   * another struct): its address is stored and the object is kept reachable
   * from this struct, so the garbage collector cannot free memory that C is
   * about to read while only an integer address refers to it.
   */
  set(name: string, value: FieldValue): this {
    const [off, type] = this.#field(name);
    const v = this.#view;
    switch (type) {
      case "ptr":
        v.setBigUint64(off, this.#address(value), true);
        break;
      case "size":
      case "i64":
        v.setBigInt64(off, BigInt(value as number | bigint), true);
        break;
      case "i32":
        v.setInt32(off, Number(value), true);
        break;
      case "f32":
        v.setFloat32(off, Number(value), true);
        break;
      case "bool":
        v.setUint8(off, value ? 1 : 0);
        break;
    }
    return this;
  }

  #address(value: FieldValue): bigint {
    if (value instanceof Struct || ArrayBuffer.isView(value)) {
      this.retain(value);
      const target = value instanceof Struct ? value.bytes : value;
      return target.byteLength === 0 ? 0n : address(Deno.UnsafePointer.of(target));
    }
    if (typeof value === "bigint") return value;
    if (value === null) return 0n;
    if (typeof value === "object") return address(value);
    return BigInt(value as number);
  }

  /**
   * Keeps JS objects alive as long as this struct, for memory reached
   * indirectly (e.g. the inner arrays of a pointer-to-pointer list).
   */
  retain(...objects: unknown[]): this {
    this.#kept.push(...objects);
    return this;
  }

  /** Reads an integer-like field (size, i64, i32, bool) as a number. */
  num(name: string): number {
    const [off, type] = this.#field(name);
    const v = this.#view;
    switch (type) {
      case "i32":
        return v.getInt32(off, true);
      case "f32":
        return v.getFloat32(off, true);
      case "bool":
        return v.getUint8(off);
      default:
        return Number(v.getBigInt64(off, true));
    }
  }

  /** Reads a pointer field. */
  ptr(name: string): Deno.PointerValue {
    const [off] = this.#field(name);
    return Deno.UnsafePointer.create(this.#view.getBigUint64(off, true));
  }

  /** A pointer to this struct, for passing to C. */
  pointer(): Deno.PointerValue {
    return Deno.UnsafePointer.of(this.bytes);
  }
}

/** Reads `size` bytes at `ptr` as UTF-8. */
export function readString(ptr: Deno.PointerValue, size: number): string {
  if (ptr === null || size === 0) return "";
  const bytes = new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(ptr, size));
  return new TextDecoder().decode(bytes);
}
