// qudao-dealer-support: the dealer support service as its own process.
#include "common/grpc/service_main.h"
#include "services/dealer_support/dealer_support_module.h"

int main(int argc, char** argv) {
  return qudao::RunServiceMain(
      argc, argv,
      {"dealer_support", "0.0.0.0:50054", "0.0.0.0:9094",
       qudao::support::NewDealerSupportModule});
}
