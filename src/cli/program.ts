import { Command } from 'commander';
import { registerDemoCommand } from './demo-command.js';
import { registerFeaturesCommand } from './features-command.js';
import { registerFeedbackCommand } from './feedback-command.js';
import { registerRunCommand } from './run-command.js';
import { registerSandboxCommand } from './sandbox-command.js';

/*
 * The command modules register flags only; each loads what it runs (the Kubernetes client alone takes half a
 * second) inside its action, so --help and the engine's own start stay fast.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('coordination-engine')
    .description(
      'Self-healing Kubernetes operator: watches workloads selected by RemediationPolicy resources, ' +
        'scores them with an ML service and applies guarded remediations.',
    );
  registerFeaturesCommand(program);
  registerFeedbackCommand(program);
  registerSandboxCommand(program);
  registerRunCommand(program);
  registerDemoCommand(program);
  oneLineErrors(program);
  return program;
}

/** The command as typed: `coordination-engine feedback export`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * An argument error is one line and a hint, not the whole help: the error is what the user needs to read, and
 * the help would push it off the screen.
 */
function oneLineErrors(command: Command): void {
  const hint = `(see '${commandPath(command)} --help')`;
  command.showHelpAfterError(false).configureOutput({
    outputError: (message, write) => write(`${message.trim().replace(/\s*\n\s*/g, ' ')} ${hint}\n`),
  });
  for (const sub of command.commands) oneLineErrors(sub);
}
