// Tests run against the TypeScript sources (not dist/), as native ESM.
// ts-jest only transpiles (isolatedModules); `tsc -b` in `npm test` is the type check.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
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
