// The files each data set reads from its folder (a proxy's data.path). Checked before a run
// directory or a sweep is made, so that a wrong folder or data set name is refused as bad input
// instead of leaving a run directory claimed by a job that could never start.
#pragma once

#include <string>
#include <vector>

#include "fsearch/jobs/job_spec.h"

namespace fsearch::jobs {

// The data set's files, in the order the loader reads them (training split first); each entry
// lists the names one file may have, the preferred first (IDX files gzipped or not). None for
// "synthetic". Throws ConfigError for a data set that is not known, with a suggestion.
std::vector<std::vector<std::string>> data_files(const DataSpec& data);

// Each file's path in data.path, in the order of data_files; throws ConfigError naming the first
// one missing and the folder, with where the folder is set.
std::vector<std::string> find_data_files(const DataSpec& data);

}  // namespace fsearch::jobs
