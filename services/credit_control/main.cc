// qudao-credit-control: the credit control service as its own process.
#include "common/grpc/service_main.h"
#include "services/credit_control/credit_control_module.h"

int main(int argc, char** argv) {
  return qudao::RunServiceMain(
      argc, argv,
      {"credit_control", "0.0.0.0:50053", "0.0.0.0:9093",
       qudao::credit::NewCreditControlModule});
}
