// The build's identity: project version and the git commit it was built from ("-dirty" when the
// tree had uncommitted changes). Recorded in results and reports so numbers can be traced back.
#pragma once

namespace fsearch {

const char* version();
const char* git_commit();

}  // namespace fsearch
