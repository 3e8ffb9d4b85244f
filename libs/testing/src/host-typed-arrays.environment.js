// Jest runs tests in a vm context with its own typed-array constructors, so an array built in a
// test fails onnxruntime-node's `instanceof Float32Array` check. Exposing the host's
// constructors inside the sandbox makes both sides agree.
const { TestEnvironment } = require('jest-environment-node');

const HOST_TYPES = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Buffer', 'Uint8Array', 'Uint8ClampedArray', 'Int8Array',
  'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array',
];

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of HOST_TYPES) {
      if (globalThis[name] !== undefined) this.global[name] = globalThis[name];
    }
  }
}

module.exports = HostTypedArraysEnvironment;
