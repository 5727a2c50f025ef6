import { MemoryControlBus } from '../../../../../src/server/shared/memory/control.js';
import { MemorySessionDirectory } from '../../../../../src/server/shared/memory/sessions.js';
import { sessionDirectoryContract } from './contract.js';

sessionDirectoryContract('MemorySessionDirectory', async () => {
  const made: MemorySessionDirectory[] = [];
  return {
    async directory(options) {
      const directory = new MemorySessionDirectory({ ...options, control: new MemoryControlBus() });
      made.push(directory);
      return directory;
    },
    close: async () => {
      for (const directory of made) directory.stop();
    },
  };
});
