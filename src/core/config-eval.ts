// Configuration sections for eval; composed into the one config object by config.ts.
import { z } from 'zod';

const evalSection = z
  .object({
    /** Folder of datasets, runs and evaluation indexes; relative to dataDir. Default `<dataDir>/eval`. */
    dir: z.string().min(1).default('eval'),
    /** Significance level of the CI gate's paired test (`strata eval run --fail-on-regression`). */
    alpha: z.number().gt(0).lt(1).default(0.05),
    /** Judge-model alias used when a spec says `judge: default`. */
    judge: z.string().min(1).optional(),
  })
  .strict();

export const evalSections = { eval: evalSection.prefault({}) } satisfies Record<string, z.ZodType>;
