import { runStage } from '@audexly/stage';
import { loadLlmConfig } from './config.js';
import { llmStage } from './service.js';

await runStage(llmStage(loadLlmConfig(process.env)));
