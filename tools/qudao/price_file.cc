// PriceFileLines; see price_file.h.
#include "tools/qudao/price_file.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace qudao::cli {

std::vector<std::pair<int, std::string>> PriceFileLines(std::istream& in) {
  constexpr absl::string_view kBom = "\xEF\xBB\xBF";
  std::vector<std::pair<int, std::string>> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    absl::string_view text = line;
    if (n == 1 && absl::StartsWith(text, kBom)) text.remove_prefix(kBom.size());
    text = absl::StripAsciiWhitespace(text);
    if (text.empty() || text[0] == '#') continue;
    out.emplace_back(n, std::string(text));
  }
  return out;
}

}  // namespace qudao::cli
