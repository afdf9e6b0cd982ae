// The lines of a `qudao price list publish --file`: a CSV of SKU,AMOUNT
// lines, as spreadsheets export it.
#pragma once

#include <istream>
#include <string>
#include <utility>
#include <vector>

namespace qudao::cli {

// The entry lines of `in`, each with its 1-based line number, whitespace
// trimmed; blank lines and # comments skipped. A UTF-8 byte order mark at
// the start (as Excel writes "CSV UTF-8") is not part of the first line.
std::vector<std::pair<int, std::string>> PriceFileLines(std::istream& in);

}  // namespace qudao::cli
