/** `npm run docs:cli`: write docs/cli.md from the commands' declarations. */
import { writeFileAtomic } from '../src/files.js';
import { COMMANDS } from '../src/cli/commands.js';
import { cliReference } from '../src/cli/reference.js';

writeFileAtomic('docs/cli.md', cliReference(COMMANDS));
console.log(`docs/cli.md: ${COMMANDS.length} commands`);
