import type { z } from 'zod';

/** The dotted path of the field a zod issue is about; for unknown keys, the first unknown key itself. */
export function issueField(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!);
  return path.join('.');
}
