// Configuration sections for semantic; composed into the one config object by config.ts.
import { z } from 'zod';

export const semanticSections = {} satisfies Record<string, z.ZodType>;
