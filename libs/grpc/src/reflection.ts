import type { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';

function collectFiles(file: DescFile, into: Map<string, DescFile>): void {
  if (into.has(file.name)) return;
  into.set(file.name, file);
  for (const dependency of file.dependencies) collectFiles(dependency, into);
}

/**
 * Server reflection (v1 and v1alpha) for the given services, fed with the file descriptors
 * embedded in the generated code, so grpcurl can list and call without .proto files at hand.
 */
export function addReflection(server: Server, services: readonly DescService[]): void {
  const files = new Map<string, DescFile>();
  for (const service of services) collectFiles(service.file, files);
  const fileDescriptorProtos = [...files.values()].map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
  // @grpc/reflection reads `fileDescriptorProtos` from each entry of a proto-loader package
  // definition; one synthetic entry carrying all files is enough.
  const packageDefinition = { shopsense: { fileDescriptorProtos } } as never;
  new ReflectionService(packageDefinition, { services: services.map((s) => s.typeName) }).addToServer(server);
}
