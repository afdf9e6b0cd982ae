// Page tokens and change cursors come back from clients: the functions
// every List and ListChanges call uses to read them. Invariants: a token
// is accepted only for the filter it was made for, and what a token names
// round-trips.
#include <cstdint>
#include <string>

#include "common/pagination/pagination.h"
#include "common/storage/outbox.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int64_t page_size = static_cast<int8_t>(data[0]) * 37;
  const std::string token(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto page = qudao::ParsePageRequest(page_size, token, "status=2");
  if (page.ok()) {
    FUZZ_CHECK(page->limit >= 1 && page->limit <= qudao::kMaxPageSize);
    if (!token.empty()) {
      FUZZ_CHECK(!qudao::ParsePageRequest(10, token, "status=3").ok());
      FUZZ_CHECK(qudao::MakePageToken(page->after_key, "status=2") == token ||
                 !page->after_key.empty());
    }
  }
  auto cursor = qudao::storage::ChangeCursor::Decode(token);
  if (cursor.ok()) {
    auto again = qudao::storage::ChangeCursor::Decode(cursor->Encode());
    FUZZ_CHECK(again.ok() && *again == *cursor);
  }
  return 0;
}
