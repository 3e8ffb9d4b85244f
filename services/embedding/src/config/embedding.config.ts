import { grpcServerConfigShape, z } from '@shopsense/config';

/** Every variable the embedding service reads, validated at boot (see README, Configuration). */
export const embeddingConfigSchema = z.object({
  ...grpcServerConfigShape,
});

export type EmbeddingConfig = z.output<typeof embeddingConfigSchema>;
