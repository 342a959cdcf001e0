# Generates version.cpp with the project version and the git commit, refreshed on every build
# (only rewritten when the commit changes, so nothing relinks needlessly).
set(FSEARCH_VERSION_CPP "${CMAKE_BINARY_DIR}/generated/fsearch_version.cpp")
add_custom_target(fsearch_version_gen
  COMMAND ${CMAKE_COMMAND}
    -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
    -DOUT=${FSEARCH_VERSION_CPP}
    -DVERSION=${PROJECT_VERSION}
    -P ${CMAKE_SOURCE_DIR}/cmake/WriteVersion.cmake
  BYPRODUCTS ${FSEARCH_VERSION_CPP}
  COMMENT "Recording git commit")
