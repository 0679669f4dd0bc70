/** Vitest global setup: checks the system programs once, and says at the end what was skipped for want of them. */
import { installHint, missingPrograms, systemTestsRequired } from './system-programs.js';

export default function setup(): () => void {
  const missing = missingPrograms();
  if (missing.length > 0 && systemTestsRequired()) {
    throw new Error(`REQUIRE_SYSTEM_TESTS=1 but ${missing.join(', ')} missing: ${installHint(missing)}`);
  }
  return () => {
    if (missing.length > 0) {
      console.log(`\nSkipped: the tests that need ${missing.join(', ')} (not installed). Install with: ${installHint(missing)}; .ci/run does, and sets REQUIRE_SYSTEM_TESTS=1 so that nothing is skipped there.\n`);
    }
  };
}
