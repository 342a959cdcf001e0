// Fuzz target: the readers of a run directory's files (trainers/run_dir.h, job_spec.h, and the
// schedulers' events reader), which read what a worker -- possibly killed mid-write -- left behind.
// The first byte picks the file: 0 job.json, 1 result.json, 2 events.jsonl, 3 a proxy file. Beyond
// the contract (fuzz_input.h): a spec that was read writes job.json text that reads back to the
// same job key.
#include <cstdlib>

#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"
#include "fuzz_input.h"
#include "ingest.h"

namespace {

void check_round_trip(const fsearch::jobs::JobSpec& spec) {
  using namespace fsearch;
  const auto text = jobs::to_json_text(spec);
  const auto file = fuzz::scratch_file("again.json", reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  if (jobs::job_key(jobs::read_job_file(file.string())) != jobs::job_key(spec)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fsearch;
  if (size == 0) return 0;
  const int which = data[0] % 4;
  ++data, --size;
  fuzz::expect_clear_error_or_success([&] {
    switch (which) {
      case 0:
        check_round_trip(jobs::read_job_file(fuzz::scratch_file("job.json", data, size).string()));
        break;
      case 1:
        (void)jobs::read_result_file(fuzz::scratch_file("result.json", data, size));
        break;
      case 2: {
        std::uintmax_t offset = 0;
        const auto file = fuzz::scratch_file("events.jsonl", data, size);
        (void)search::detail::read_events("key", file, offset);
        (void)search::detail::error_line(file);
        break;
      }
      default: {
        jobs::JobSpec spec;
        jobs::read_proxy_file(fuzz::scratch_file("proxy.yaml", data, size).string(), spec);
        check_round_trip(spec);
      }
    }
  });
  return 0;
}
