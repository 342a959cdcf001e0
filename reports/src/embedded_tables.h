// The repository's table files (configs/tables/*.yaml), compiled in by CMake
// (embedded_tables.cpp.in) so that `fsearch report` needs no source tree.
#pragma once

#include <vector>

namespace fsearch::reports::detail {

struct EmbeddedTable {
  const char* source;  // configs/tables/tableN.yaml
  const char* text;
};

const std::vector<EmbeddedTable>& embedded_tables();

}  // namespace fsearch::reports::detail
