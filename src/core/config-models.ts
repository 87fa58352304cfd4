// Configuration sections for models; composed into the one config object by config.ts.
import { z } from 'zod';

export const modelsSections = {} satisfies Record<string, z.ZodType>;
