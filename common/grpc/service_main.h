// The whole main() of a single-service binary: flags, logging, the module,
// the host, and graceful shutdown on SIGTERM/SIGINT.
#pragma once

#include <string>

#include "common/grpc/service_module.h"

namespace qudao {

struct ServiceBinary {
  std::string name;            // e.g. "customer_records"
  std::string default_listen;  // e.g. "0.0.0.0:50051"
  std::string default_admin;   // e.g. "0.0.0.0:9091"
  ModuleFactory factory;
};

int RunServiceMain(int argc, char** argv, const ServiceBinary& binary);

}  // namespace qudao
