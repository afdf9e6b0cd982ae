// qudao-pricing: the pricing service as its own process.
#include "common/grpc/service_main.h"
#include "services/pricing/pricing_module.h"

int main(int argc, char** argv) {
  return qudao::RunServiceMain(argc, argv,
                               {"pricing", "0.0.0.0:50052", "0.0.0.0:9092",
                                qudao::pricing::NewPricingModule});
}
