import { Command } from 'commander';
import { registerDemoCommand } from './demo-command.js';
import { registerFeaturesCommand } from './features-command.js';
import { registerFeedbackCommand } from './feedback-command.js';
import { registerRunCommand } from './run-command.js';
import { registerSandboxCommand } from './sandbox-command.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('coordination-engine')
    .description(
      'Self-healing Kubernetes operator: watches workloads selected by RemediationPolicy resources, ' +
        'scores them with an ML service and applies guarded remediations.',
    )
    .showHelpAfterError();
  registerFeaturesCommand(program);
  registerFeedbackCommand(program);
  registerSandboxCommand(program);
  registerRunCommand(program);
  registerDemoCommand(program);
  return program;
}
