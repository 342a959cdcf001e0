# Finds every dependency; a missing one stops configuration with the Debian package that provides it.
# scripts/setup.sh installs all of them.

function(fsearch_missing what package)
  message(FATAL_ERROR
    "fsearch needs ${what}, which was not found.\n"
    "  On Debian 12: apt-get install ${package}   (or run: bash scripts/setup.sh)\n"
    "  For another LibTorch, pass -DCMAKE_PREFIX_PATH=/path/to/libtorch.")
endfunction()

# LibTorch: Debian's libtorch-dev, or any LibTorch >= 1.13 given through CMAKE_PREFIX_PATH (CUDA too).
find_package(Torch QUIET)
if(NOT Torch_FOUND)
  fsearch_missing("LibTorch (TorchConfig.cmake)" libtorch-dev)
endif()
if(Torch_VERSION AND Torch_VERSION VERSION_LESS 1.13)
  message(FATAL_ERROR "fsearch needs LibTorch 1.13 or newer; found ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX}")
endif()
# One target that carries torch's libraries, include paths and its own compile flags (ABI, CUDA).
add_library(fsearch_torch INTERFACE)
target_link_libraries(fsearch_torch INTERFACE ${TORCH_LIBRARIES})
target_include_directories(fsearch_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
# ATen's parallel_for is inlined into our code and parallelizes with `#pragma omp parallel`: without
# OpenMP flags our own kernels would silently run on one thread whatever --threads says.
find_package(OpenMP QUIET)
if(NOT OpenMP_CXX_FOUND)
  fsearch_missing("OpenMP for C++ (torch's parallel backend)" libgomp1)
endif()
target_link_libraries(fsearch_torch INTERFACE OpenMP::OpenMP_CXX)

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  fsearch_missing("CLI11" libcli11-dev)
endif()
find_package(yaml-cpp CONFIG QUIET)
if(NOT yaml-cpp_FOUND)
  fsearch_missing("yaml-cpp" libyaml-cpp-dev)
endif()
find_package(fmt CONFIG QUIET)
if(NOT fmt_FOUND)
  fsearch_missing("fmt" libfmt-dev)
endif()
find_package(SQLite3 QUIET)
if(NOT SQLite3_FOUND)
  fsearch_missing("SQLite3" libsqlite3-dev)
endif()
find_package(nlohmann_json 3 CONFIG QUIET)
if(NOT nlohmann_json_FOUND)
  fsearch_missing("nlohmann/json" nlohmann-json3-dev)
endif()
find_package(ZLIB QUIET)
if(NOT ZLIB_FOUND)
  fsearch_missing("zlib" zlib1g-dev)
endif()
find_package(Boost 1.74 QUIET COMPONENTS filesystem)
if(NOT Boost_FOUND OR NOT EXISTS "${Boost_INCLUDE_DIRS}/boost/process.hpp")
  fsearch_missing("Boost.Process with Boost.Filesystem" "libboost-dev libboost-filesystem-dev")
endif()
find_package(Threads REQUIRED)

if(FSEARCH_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    fsearch_missing("GoogleTest" libgtest-dev)
  endif()
endif()

# Runtime tools: checked here so that a missing one is named before hours of training, not after.
find_program(FSEARCH_GNUPLOT gnuplot)
if(NOT FSEARCH_GNUPLOT)
  fsearch_missing("gnuplot (figures in reports)" gnuplot-nox)
endif()
set(FSEARCH_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist" CACHE PATH
    "Folder with Fashion-MNIST's gzipped IDX files")
if(NOT EXISTS "${FSEARCH_FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz")
  fsearch_missing("the Fashion-MNIST data set in ${FSEARCH_FASHION_MNIST_DIR}" dataset-fashion-mnist)
endif()

# Precompiled torch headers for a target with several translation units that include torch.
function(fsearch_torch_pch target)
  if(FSEARCH_PCH)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
endfunction()
