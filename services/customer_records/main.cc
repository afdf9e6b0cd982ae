// qudao-customer-records: the customer records service as its own process.
#include "common/grpc/service_main.h"
#include "services/customer_records/customer_records_module.h"

int main(int argc, char** argv) {
  return qudao::RunServiceMain(
      argc, argv,
      {"customer_records", "0.0.0.0:50051", "0.0.0.0:9091",
       qudao::customer::NewCustomerRecordsModule});
}
