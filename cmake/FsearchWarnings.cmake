# Warnings every fsearch target compiles with (torch's own headers are included as system headers).
add_library(fsearch_warnings INTERFACE)
target_compile_options(fsearch_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter)
