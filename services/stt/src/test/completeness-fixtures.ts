/** The utterance set lives in `@audexly/testing`, shared with the end-of-turn bench. */
export { COMPLETE_UTTERANCES, UNFINISHED_UTTERANCES } from '@audexly/testing';
