import { startPlatform } from './platform.js';

/** `npm start`: the whole platform on this machine, with the configured providers. */
async function main(): Promise<void> {
  const platform = await startPlatform({ env: process.env });
  platform.say('Audexly is running. Ctrl-C stops everything.');
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    platform.say('stopping (services drain their calls)…');
    platform.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const name = await platform.crashed;
  platform.say(`${name} stopped unexpectedly; stopping the rest`);
  await platform.stop();
  process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
