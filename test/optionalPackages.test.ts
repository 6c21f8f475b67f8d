import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MissingPackageError, requireOptionalPackages } from '../src/optionalPackages.js';
import { CrossrankError } from '../src/errors.js';

// The installed case (a consumer without fastify, pg or better-sqlite3) runs for real in
// scripts/check-package.sh; here, the rule itself.
test('an installed optional package passes', () => {
  assert.doesNotThrow(() => requireOptionalPackages('The rerank server', ['fastify', 'prom-client']));
});

test('a missing optional package is named, with the command that installs it', () => {
  assert.throws(
    () => requireOptionalPackages('An SQLite index', ['better-sqlite3', 'crossrank-no-such-package']),
    (error: unknown) => {
      assert.ok(error instanceof MissingPackageError);
      assert.ok(error instanceof CrossrankError, 'a CrossrankError, so the CLI prints it as one line');
      assert.equal(
        error.message,
        'An SQLite index needs the optional package crossrank-no-such-package, which is not installed: run `npm install crossrank-no-such-package`',
      );
      return true;
    },
  );
});

test('several missing packages are all named in one line', () => {
  assert.throws(
    () => requireOptionalPackages('The rerank server', ['crossrank-missing-a', 'crossrank-missing-b']),
    /^MissingPackageError: The rerank server needs the optional packages crossrank-missing-a, crossrank-missing-b, which are not installed: run `npm install crossrank-missing-a crossrank-missing-b`$/,
  );
});
