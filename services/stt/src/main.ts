import { runStage } from '@audexly/stage';
import { loadSttConfig } from './config.js';
import { sttStage } from './service.js';

await runStage(sttStage(loadSttConfig(process.env)));
