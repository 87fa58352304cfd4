// Configuration sections for eval; composed into the one config object by config.ts.
import { z } from 'zod';

export const evalSections = {} satisfies Record<string, z.ZodType>;
