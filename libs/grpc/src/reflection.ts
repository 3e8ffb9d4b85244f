import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

function collectFiles(file: DescFile, into: Map<string, DescFile>): void {
  if (into.has(file.name)) return;
  into.set(file.name, file);
  for (const dependency of file.dependencies) collectFiles(dependency, into);
}

const HEALTH_SERVICE = 'grpc.health.v1.Health';


/**
 * Server reflection (v1 and v1alpha) for the given services and grpc.health.v1.Health, fed with
 * the file descriptors embedded in the generated code (and health's own), so grpcurl can list
 * and call every service, health checks included, without .proto files at hand.
 */
export function addReflection(server: Server, services: readonly DescService[]): void {
  const files = new Map<string, DescFile>();
  for (const service of services) collectFiles(service.file, files);
  const fileDescriptorProtos = [...files.values()].map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
  // @grpc/reflection reads `fileDescriptorProtos` from each entry of a proto-loader package
  // definition: one synthetic entry carries ours; health's comes from the .proto that
  // grpc-health-check ships (the implementation this server runs).
  const packageDefinition = { ...loadSync(healthProtoPath), shopsense: { fileDescriptorProtos } } as never;
  new ReflectionService(packageDefinition, { services: [...services.map((s) => s.typeName), HEALTH_SERVICE] }).addToServer(server);
}
