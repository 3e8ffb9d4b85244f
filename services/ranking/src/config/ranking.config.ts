import { grpcServerConfigShape, z } from '@shopsense/config';

/** Every variable the ranking service reads, validated at boot (see README, Configuration). */
export const rankingConfigSchema = z.object({
  ...grpcServerConfigShape,
});

export type RankingConfig = z.output<typeof rankingConfigSchema>;
