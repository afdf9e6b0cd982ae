// JSON ⇄ proto, as the gateway renders resources (ToJson) and reads
// request bodies (FromJson). Invariants: whatever binary dealer record
// parses renders to JSON that reads back to the same record; a JSON body
// either reads into a request or is refused INVALID_ARGUMENT, never a
// crash.
#include <cstdint>
#include <string>

#include "common/proto/conversion.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/util/message_differencer.h"
#include "qudao/customer/v1/customer_records_service.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  qudao::customer::v1::Dealer dealer;
  if (dealer.ParseFromString(bytes)) {
    dealer.DiscardUnknownFields();
    auto json = qudao::ToJson(dealer);
    if (json.ok()) {
      qudao::customer::v1::Dealer back;
      const absl::Status read = qudao::FromJson(*json, &back);
      FUZZ_CHECK(read.ok());
      FUZZ_CHECK(
          google::protobuf::util::MessageDifferencer::Equals(dealer, back));
    }
  }
  qudao::customer::v1::CreateDealerRequest request;
  const absl::Status body = qudao::FromJson(bytes, &request);
  FUZZ_CHECK(body.ok() || body.code() == absl::StatusCode::kInvalidArgument);
  return 0;
}
