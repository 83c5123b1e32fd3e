import { runStage } from '@audexly/stage';
import { loadTtsConfig } from './config.js';
import { ttsStage } from './service.js';

await runStage(ttsStage(loadTtsConfig(process.env)));
