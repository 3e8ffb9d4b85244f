import { create, fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { BinaryReader, sizeDelimitedEncode } from '@bufbuild/protobuf/wire';
import { TrainingExampleSchema, type TrainingExample } from '@shopsense/contracts';

/**
 * What the ranker logs when it serves a list, for the training-example join: one
 * TrainingExample per served item with request_id, item_id, position, model_version, features,
 * score, click_probability, served_at, experiments, surface and channel filled in, and no user
 * id (the join adds the pseudonymous one). Stored size-delimited under `served:<request_id>`
 * with `UserStateStore.logServedList`, and kept until the join window closes.
 */
export function encodeServedList(items: readonly MessageInitShape<typeof TrainingExampleSchema>[]): Uint8Array {
  const parts = items.map((item) => sizeDelimitedEncode(TrainingExampleSchema, create(TrainingExampleSchema, { ...item, pseudonymousUserId: '', keyId: '' })));
  return Buffer.concat(parts);
}

export function decodeServedList(bytes: Uint8Array): TrainingExample[] {
  const reader = new BinaryReader(bytes);
  const out: TrainingExample[] = [];
  while (reader.pos < reader.len) out.push(fromBinary(TrainingExampleSchema, reader.bytes(), { readUnknownFields: false }));
  return out;
}
