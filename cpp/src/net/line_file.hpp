// The strict, bounded line files the peer manager keeps (known peers, bans): a header line,
// then one record a line, each ended by '\n', the whole at most `max_bytes`. A file is
// taken whole or refused whole, by an Error naming the file, the line and the rule.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "p2pgossip/result.hpp"

namespace p2pgossip::net {

// `each(line_no, line)` reads a record line and returns an Error naming the rule it broke.
template <class Each>
Status read_line_file(std::string_view text, std::string_view what, std::string_view header,
                      std::size_t max_bytes, Each&& each) {
  const std::string name(what);
  auto fail = [&name](std::size_t line, const std::string& rule) {
    return Error{name + " line " + std::to_string(line) + ": " + rule};
  };
  if (text.size() > max_bytes)
    return Error{name + ": file larger than " + std::to_string(max_bytes) + " bytes"};
  const std::string wrong_header = "not a " + std::string(header) + " file";
  std::size_t line_no = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) return fail(line_no + 1, "no final newline");
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (++line_no == 1) {
      if (line != header) return fail(1, wrong_header);
      continue;
    }
    if (Status st = each(line_no, line); !st) return fail(line_no, st.error().what);
  }
  if (line_no == 0) return fail(1, wrong_header);
  return Ok{};
}

}  // namespace p2pgossip::net
