/** Every command of `spikegrad`, in the order the help and the reference list them. */
import { annCommand } from './annCommand.js';
import { caseCommand } from './caseCommand.js';
import { checkCommand } from './checkCommand.js';
import type { CommandSpec } from './command.js';
import { demoCommand } from './demoCommand.js';
import { evalCommand } from './evalCommand.js';
import { replayCommand } from './replayCommand.js';
import { simulateCommand } from './simulateCommand.js';
import { trainCommand } from './trainCommand.js';
import { verifyCommand } from './verifyCommand.js';
import { timingCommand } from './timingCommand.js';
import { log2arrowCommand } from './log2arrowCommand.js';
import { exportCommand } from './exportCommand.js';
import { importCommand } from './importCommand.js';
import { exploreCommand } from './exploreCommand.js';
import { propertiesCommand } from './propertiesCommand.js';
import { workerCommand } from './workerCommand.js';

export const COMMANDS = [caseCommand, annCommand, checkCommand, simulateCommand, replayCommand, log2arrowCommand, trainCommand, evalCommand, verifyCommand, timingCommand, propertiesCommand, workerCommand, exploreCommand, exportCommand, importCommand, demoCommand] as unknown as CommandSpec[];
