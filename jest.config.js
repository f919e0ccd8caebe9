// Tests run against the TypeScript sources (not dist/), as native ESM.
// ts-jest only transpiles (isolatedModules); `tsc -b` in `npm test` is the type check.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  // One file at a time (2 cores), in a child process that is replaced once a file leaves it holding more
  // than this: in band, Jest's own process keeps what every file's modules leave behind, and near the end
  // of the 320 files it outgrew Node 20's 4 GB heap. Raising the heap with --max-old-space-size is no way
  // out: that V8 flag is process-wide and overrides the heap limits the product sets on its own workers
  // (resourceLimits), which tests exercise.
  workerIdleMemoryLimit: '1GB',
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/packages', '<rootDir>/e2e'],
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@portico/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@portico/([a-z-]+)/kubernetes$': '<rootDir>/packages/$1/src/kubernetes.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
};
