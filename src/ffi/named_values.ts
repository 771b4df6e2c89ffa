/**
 * PJRT_NamedValue lists (plugin, device-description and device attributes)
 * read into a Map.
 *
 * @module
 */

import { readString } from "./layout.ts";
import { NAMED_VALUE } from "./structs.ts";

/** An attribute's value, tagged with its PJRT_NamedValue type. */
export type AttributeValue =
  | { type: "string"; value: string }
  | { type: "int64"; value: bigint }
  | { type: "int64_list"; value: bigint[] }
  | { type: "float"; value: number }
  | { type: "bool"; value: boolean };

/**
 * Reads `n` PJRT_NamedValues starting at `base`. The memory stays the
 * plugin's: every string and list is copied out.
 *
 * @param base the first PJRT_NamedValue (null when there are none)
 * @param n how many
 * @returns the values by name, in the plugin's order
 */
export function readNamedValues(
  base: Deno.PointerValue,
  n: number,
): Map<string, AttributeValue> {
  const out = new Map<string, AttributeValue>();
  if (base === null || n === 0) return out;
  const view = new Deno.UnsafePointerView(base);
  const o = NAMED_VALUE.offsets;
  for (let i = 0; i < n; i++) {
    const at = i * NAMED_VALUE.size;
    const name = readString(
      Deno.UnsafePointer.create(view.getBigUint64(at + o.name)),
      Number(view.getBigUint64(at + o.name_size)),
    );
    const type = view.getInt32(at + o.type);
    const size = Number(view.getBigUint64(at + o.value_size));
    // The value is a union; pointer members share its first 8 bytes.
    const pointee = Deno.UnsafePointer.create(view.getBigUint64(at + o.value));
    switch (type) {
      case 0:
        out.set(name, { type: "string", value: readString(pointee, size) });
        break;
      case 1:
        out.set(name, { type: "int64", value: view.getBigInt64(at + o.value) });
        break;
      case 2: {
        const list = pointee === null ? null : new Deno.UnsafePointerView(pointee);
        const value = Array.from({ length: list ? size : 0 }, (_, k) => list!.getBigInt64(8 * k));
        out.set(name, { type: "int64_list", value });
        break;
      }
      case 3:
        out.set(name, { type: "float", value: view.getFloat32(at + o.value) });
        break;
      case 4:
        out.set(name, { type: "bool", value: view.getUint8(at + o.value) !== 0 });
        break;
      default:
        throw new Error(`attribute ${name}: unknown PJRT_NamedValue type ${type}`);
    }
  }
  return out;
}
