#!/usr/bin/env node
// Calls grpc.health.v1.Health/Check the way grpcurl does, knowing nothing of the service but what
// server reflection says: lists the services, fetches the file that defines Health, builds the
// request and response types from that descriptor, calls Check and prints the answer. Exits 0 only
// when Health is listed, described and answers SERVING. The quickstart check runs it against
// `npm start`'s port (grpcurl itself is not installed on the CI machines).
//
//   node scripts/check-reflection-health.js [host:port]     (default 127.0.0.1:50051, plaintext)
'use strict';

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const address = process.argv[2] ?? '127.0.0.1:50051';
const HEALTH = 'grpc.health.v1.Health';

/** One request on a reflection stream, its one answer. */
function ask(reflection, request) {
  return new Promise((resolve, reject) => {
    const stream = reflection.ServerReflectionInfo({ deadline: Date.now() + 10_000 });
    stream.on('data', (response) => {
      resolve(response);
      stream.end();
    });
    stream.on('error', reject);
    stream.write(request);
  });
}

async function main() {
  const reflectionProto = protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true });
  const Reflection = grpc.loadPackageDefinition(reflectionProto).grpc.reflection.v1.ServerReflection;
  const reflection = new Reflection(address, grpc.credentials.createInsecure());
  try {
    const listed = await ask(reflection, { list_services: '' });
    if (listed.error_response) throw new Error(`reflection: ${listed.error_response.error_message}`);
    const services = listed.list_services_response.service.map((s) => s.name);
    if (!services.includes(HEALTH)) throw new Error(`reflection does not list ${HEALTH} (it lists ${services.join(', ')})`);

    const described = await ask(reflection, { file_containing_symbol: HEALTH });
    if (described.error_response) throw new Error(`reflection cannot describe ${HEALTH}: ${described.error_response.error_message}`);
    const files = described.file_descriptor_response.file_descriptor_proto.map((bytes) => descriptor.FileDescriptorProto.decode(bytes));
    const root = protobuf.Root.fromDescriptor({ file: files });
    const Request = root.lookupType('grpc.health.v1.HealthCheckRequest');
    const Response = root.lookupType('grpc.health.v1.HealthCheckResponse');
    const method = root.lookupService(HEALTH).methods['Check'];
    if (!method) throw new Error(`${HEALTH} has no Check method in its descriptor`);

    const client = new grpc.Client(address, grpc.credentials.createInsecure());
    const answer = await new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        `/${HEALTH}/Check`,
        (message) => Buffer.from(Request.encode(message).finish()),
        (bytes) => Response.toObject(Response.decode(bytes), { enums: String }),
        Request.create({ service: '' }),
        new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
    client.close();
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    if (answer.status !== 'SERVING') throw new Error(`${HEALTH}/Check answered ${answer.status}`);
  } finally {
    reflection.close();
  }
}

main().catch((error) => {
  process.stderr.write(`check-reflection-health: ${error.message}\n`);
  process.exit(1);
});
